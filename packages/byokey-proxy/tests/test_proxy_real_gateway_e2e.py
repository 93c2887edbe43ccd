"""The headline end-to-end runs: official SDKs -> real server -> real gateway -> fake upstreams.

Nothing between the SDK and the fake upstream is scripted: hypercorn serves the
proxy, ``byokey_provider.ProviderGateway`` routes by model, the real executors
(OpenAI-compatible, Gemini, Kiro) translate and talk HTTP to the fakes, and
the answer comes back translated into the client's format. Each test checks
both ends: what the SDK saw and what the upstream received.
"""

from __future__ import annotations

import base64
from typing import Any

import anthropic
import httpx
import openai
import orjson
import pytest
from real_gateway import (
    CLAUDE_KEY,
    CLAUDE_MODEL,
    CODEX_ACCOUNT,
    CODEX_MODEL,
    CODEX_TOKEN,
    COPILOT_MODEL,
    GEMINI_KEY,
    GEMINI_MODEL,
    GITHUB_TOKEN,
    KIRO_MODEL,
    LAB_KEY,
    LAB_MODEL,
    LAB_UPSTREAM_MODEL,
    Live,
)

from tests.fakes.content import Usage, answer, thinking, tool_call

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
WEATHER_ANTHROPIC = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": WEATHER["function"]["parameters"],  # type: ignore[index]
}


# --------------------------------------------------------------------------- OpenAI SDK


async def test_openai_client_on_openai_compatible_non_stream(live: Live) -> None:
    usage = Usage(input_tokens=21, output_tokens=4, cache_read_tokens=5)
    live.up.lab.reply_with(answer("Hello from lab", usage=usage))
    async with live.openai() as client:
        reply = await client.chat.completions.create(
            model=LAB_MODEL, messages=[{"role": "user", "content": "hi"}], temperature=0.3
        )
    assert reply.choices[0].message.content == "Hello from lab"
    assert reply.usage is not None and reply.usage.prompt_tokens == 21
    sent = live.up.lab.last_request
    assert sent.bearer() == LAB_KEY
    body = sent.json()
    assert (body["model"], body["temperature"], body["stream"]) == (LAB_UPSTREAM_MODEL, 0.3, False)
    [rec] = await live.records()
    assert (rec.provider, rec.model, rec.account_id) == ("lab", LAB_MODEL, "lab-key")
    assert (rec.input_tokens, rec.output_tokens, rec.cache_read_tokens) == (16, 4, 5)  # 21 - 5
    assert (rec.success, rec.status) == (True, 200)
    assert rec.latency_ms is not None and rec.latency_ms >= 0


async def test_openai_client_streams_from_openai_compatible(live: Live) -> None:
    live.up.lab.reply_with(answer("streamed words here", input_tokens=9, output_tokens=3))
    live.up.lab.shape_streams(split="random", seed=3)
    text = ""
    async with live.openai() as client:
        stream = await client.chat.completions.create(
            model=LAB_MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
    assert text == "streamed words here"
    body = live.up.lab.last_request.json()
    assert body["stream"] is True and body["stream_options"]["include_usage"] is True
    [rec] = await live.records()
    assert (rec.input_tokens, rec.output_tokens, rec.status) == (9, 3, 200)


async def test_openai_client_tool_call_on_openai_compatible(live: Live) -> None:
    live.up.lab.reply_with(answer(tool_call("get_weather", {"city": "Paris"}, id="call_p")))
    async with live.openai() as client:
        reply = await client.chat.completions.create(
            model=LAB_MODEL,
            messages=[{"role": "user", "content": "weather?"}],
            tools=[WEATHER],  # type: ignore[list-item]
        )
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.id, call.function.name) == ("call_p", "get_weather")  # type: ignore[union-attr]
    assert orjson.loads(call.function.arguments) == {"city": "Paris"}  # type: ignore[union-attr]
    assert reply.choices[0].finish_reason == "tool_calls"
    assert live.up.lab.last_request.json()["tools"][0]["function"]["name"] == "get_weather"


async def test_openai_client_on_gemini_with_an_image(live: Live) -> None:
    """Cross-format: an OpenAI chat request (image as a data URL) to the Gemini native API."""
    live.up.gemini.reply_with(answer("A tiny PNG.", input_tokens=30, output_tokens=4))
    async with live.openai() as client:
        reply = await client.chat.completions.create(
            model=GEMINI_MODEL,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    ],
                }
            ],
        )
    assert reply.choices[0].message.content == "A tiny PNG."
    sent = live.up.gemini.requests[-1]
    assert sent.path == f"/v1beta/models/{GEMINI_MODEL}:generateContent"
    assert sent.headers.get("x-goog-api-key") == GEMINI_KEY
    parts = sent.json()["contents"][0]["parts"]
    inline = next(p["inlineData"] for p in parts if "inlineData" in p)
    assert inline == {"mimeType": "image/png", "data": PNG}
    [rec] = await live.records()
    assert (rec.provider, rec.model, rec.account_id) == ("gemini", GEMINI_MODEL, "key-1")
    assert (rec.input_tokens, rec.output_tokens) == (30, 4)


async def test_openai_client_streams_gemini_thinking_as_reasoning(live: Live) -> None:
    live.up.gemini.reply_with(answer(thinking("Let me think."), "Forty-two."))
    text, reasoning = "", ""
    async with live.openai() as client:
        stream = await client.chat.completions.create(
            model=GEMINI_MODEL, messages=[{"role": "user", "content": "answer?"}], stream=True
        )
        async for chunk in stream:
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            text += delta.content or ""
            reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
    assert text == "Forty-two."
    assert reasoning == "Let me think."
    sent = live.up.gemini.requests[-1]
    assert sent.path.endswith(":streamGenerateContent") and sent.query.get("alt") == "sse"


# ------------------------------------------------------------------------ Anthropic SDK


async def test_anthropic_client_on_openai_compatible_with_tools_and_image(live: Live) -> None:
    """Claude Code's format on an OpenAI-compatible upstream: tools and images translated."""
    live.up.lab.reply_with(
        answer("Checking.", tool_call("get_weather", {"city": "Oslo"}, id="call_o"))
    )
    async with live.anthropic() as client:
        reply = await client.messages.create(
            model=LAB_MODEL,
            max_tokens=64,
            system="Be brief.",
            tools=[WEATHER_ANTHROPIC],  # type: ignore[list-item]
            messages=[
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                        },
                        {"type": "text", "text": "Weather where this was taken?"},
                    ],
                }
            ],
        )
    assert reply.stop_reason == "tool_use"
    kinds = [block.type for block in reply.content]
    assert kinds == ["text", "tool_use"]
    use = reply.content[1]
    assert use.type == "tool_use" and (use.name, use.input) == ("get_weather", {"city": "Oslo"})
    body = live.up.lab.last_request.json()
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    image = next(p for p in body["messages"][1]["content"] if p["type"] == "image_url")
    assert image["image_url"]["url"] == f"data:image/png;base64,{PNG}"
    assert body["tools"][0]["function"]["name"] == "get_weather"
    assert body["max_tokens"] == 64 or body.get("max_completion_tokens") == 64


async def test_anthropic_client_streams_openai_reasoning_as_thinking(live: Live) -> None:
    live.up.lab.reply_with(answer(thinking("Hmm, sky."), "Blue.", input_tokens=7, output_tokens=2))
    live.up.lab.shape_streams(split="every_byte")
    async with (
        live.anthropic() as client,
        client.messages.stream(
            model=LAB_MODEL, max_tokens=32, messages=[{"role": "user", "content": "sky?"}]
        ) as stream,
    ):
        message = await stream.get_final_message()
    blocks = {block.type: block for block in message.content}
    assert blocks["thinking"].thinking == "Hmm, sky."  # type: ignore[union-attr]
    assert blocks["text"].text == "Blue."  # type: ignore[union-attr]
    [rec] = await live.records()
    assert (rec.provider, rec.input_tokens, rec.output_tokens) == ("lab", 7, 2)


async def test_anthropic_client_on_gemini_stream(live: Live) -> None:
    live.up.gemini.reply_with(answer("Bonjour", tool_call("get_weather", {"city": "Lyon"})))
    async with (
        live.anthropic() as client,
        client.messages.stream(
            model=GEMINI_MODEL,
            max_tokens=32,
            tools=[WEATHER_ANTHROPIC],  # type: ignore[list-item]
            messages=[{"role": "user", "content": "weather in Lyon?"}],
        ) as stream,
    ):
        message = await stream.get_final_message()
    assert [b.type for b in message.content] == ["text", "tool_use"]
    assert message.content[1].input == {"city": "Lyon"}  # type: ignore[union-attr]
    sent = live.up.gemini.requests[-1].json()
    declared = sent["tools"][0]["functionDeclarations"][0]
    assert declared["name"] == "get_weather"


async def test_anthropic_client_on_kiro_same_format(live: Live) -> None:
    live.up.kiro.reply_with(answer("Hi from Kiro", tool_call("get_weather", {"city": "Rome"})))
    async with live.anthropic() as client:
        reply = await client.messages.create(
            model=KIRO_MODEL,
            max_tokens=64,
            tools=[WEATHER_ANTHROPIC],  # type: ignore[list-item]
            messages=[{"role": "user", "content": "weather in Rome?"}],
        )
    assert reply.content[0].text == "Hi from Kiro"  # type: ignore[union-attr]
    assert reply.content[1].input == {"city": "Rome"}  # type: ignore[union-attr]
    sent = live.up.kiro.last_request
    assert sent.bearer() is not None
    state = sent.json()["conversationState"]
    assert "weather in Rome?" in orjson.dumps(state).decode()
    [rec] = await live.records()
    assert (rec.provider, rec.model, rec.account_id) == ("kiro", KIRO_MODEL, "default")


# ------------------------------------------------------------------------ Responses API


async def test_responses_client_on_kiro_anthropic_format(live: Live) -> None:
    """Codex CLI's format on an Anthropic-format upstream, JSON and stream."""
    live.up.kiro.reply_with(answer("Plain answer"), answer("Streamed answer"))
    async with live.openai() as client:
        reply = await client.responses.create(model=KIRO_MODEL, input="hello", instructions="x")
        assert reply.output_text == "Plain answer"
        kinds: list[str] = []
        text = ""
        stream = await client.responses.create(model=KIRO_MODEL, input="again", stream=True)
        async for event in stream:
            kinds.append(event.type)
            if event.type == "response.output_text.delta":
                text += event.delta
    assert text == "Streamed answer"
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    records = await live.records()
    assert [(r.provider, r.status) for r in records] == [("kiro", 200), ("kiro", 200)]


async def test_responses_client_tool_call_on_openai_compatible(live: Live) -> None:
    live.up.lab.reply_with(answer(tool_call("get_weather", {"city": "Kyiv"}, id="call_k")))
    tool: Any = {
        "type": "function",
        "name": "get_weather",
        "parameters": WEATHER["function"]["parameters"],  # type: ignore[index]
    }
    async with live.openai() as client:
        reply = await client.responses.create(model=LAB_MODEL, input="weather?", tools=[tool])
    call = next(item for item in reply.output if item.type == "function_call")
    assert call.name == "get_weather"  # type: ignore[union-attr]
    assert orjson.loads(call.arguments) == {"city": "Kyiv"}  # type: ignore[union-attr]
    assert live.up.lab.last_request.json()["tools"][0]["function"]["name"] == "get_weather"


# ------------------------------------------------------------------------------- errors


async def test_upstream_429_reaches_both_sdks_with_retry_after(live: Live) -> None:
    live.up.lab.rate_limit_next(retry_after=9, times=2)
    async with live.openai() as client:
        with pytest.raises(openai.RateLimitError) as caught:
            await client.chat.completions.create(model=LAB_MODEL, messages=[])
    assert caught.value.response.headers["retry-after"] == "9"
    live.gateway.reset_cooldowns()
    async with live.anthropic() as aclient:
        with pytest.raises(anthropic.RateLimitError) as caught2:
            await aclient.messages.create(
                model=LAB_MODEL, max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    assert caught2.value.response.headers["retry-after"] == "9"
    assert caught2.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
    records = await live.records()
    assert [(r.success, r.status) for r in records] == [(False, 429), (False, 429)]


@pytest.mark.parametrize(("status", "expected"), [(500, 502), (503, 502), (401, 401)])
async def test_upstream_failures_map_to_client_statuses(
    live: Live, status: int, expected: int
) -> None:
    live.up.lab.fail_next(status, "upstream said no")
    async with live.openai() as client:
        with pytest.raises(openai.APIStatusError) as caught:
            await client.chat.completions.create(model=LAB_MODEL, messages=[])
    assert caught.value.status_code == expected
    assert caught.value.response.headers["x-request-id"]


async def test_unreachable_upstream_is_502_and_a_stall_is_504(live: Live) -> None:
    from tests.fakes.server import FakeServer

    with FakeServer("closed") as closed:
        gone = closed.url
    live.configure(providers={"gemini": {"api_key": GEMINI_KEY, "base_url": gone}})
    async with live.openai() as client:
        with pytest.raises(openai.InternalServerError) as caught:
            await client.chat.completions.create(model=GEMINI_MODEL, messages=[])
    assert caught.value.status_code == 502
    from byokey_provider import Timeouts
    from tests.fakes.server import Stall

    live.configure()
    live.http.timeouts = Timeouts(connect=0.1, first_byte=0.2, idle=5)  # limit: both
    live.up.lab.reply_with(Stall(10))
    async with live.openai() as client:
        with pytest.raises(openai.APIStatusError) as caught2:
            await client.chat.completions.create(model=LAB_MODEL, messages=[])
    assert caught2.value.status_code == 504


async def test_unknown_model_lists_close_matches_from_the_registry(live: Live) -> None:
    async with live.openai() as client:
        with pytest.raises(openai.NotFoundError) as caught:
            await client.chat.completions.create(model="gemini-2.0-flsh", messages=[])
    assert "gemini-2.0-flash" in str(caught.value)


# ------------------------------------------------------------------ Claude and Codex


async def test_anthropic_client_on_claude_streams_thinking_and_cache_usage(live: Live) -> None:
    usage = Usage(input_tokens=40, output_tokens=6, cache_read_tokens=30, cache_creation_tokens=8)
    live.up.claude.reply_with(answer(thinking("Deep thought."), "Done.", usage=usage))
    live.up.claude.shape_streams(split="random", seed=7)
    async with (
        live.anthropic() as client,
        client.messages.stream(
            model=CLAUDE_MODEL,
            max_tokens=2048,
            thinking={"type": "adaptive"},
            messages=[{"role": "user", "content": "think"}],
        ) as stream,
    ):
        message = await stream.get_final_message()
    thought, said = message.content
    assert thought.type == "thinking" and thought.thinking == "Deep thought."
    assert thought.signature  # kept for the next turn
    assert said.type == "text" and said.text == "Done."
    sent = live.up.claude.last_request
    assert sent.path == "/v1/messages"
    assert sent.headers.get("x-api-key") == CLAUDE_KEY
    assert sent.headers.get("anthropic-version") == "2023-06-01"
    assert sent.json()["thinking"] == {"type": "adaptive"}
    [rec] = await live.records()
    assert (rec.provider, rec.model, rec.account_id) == ("claude", CLAUDE_MODEL, "key-1")
    assert (rec.input_tokens, rec.output_tokens) == (40, 6)
    assert (rec.cache_read_tokens, rec.cache_write_tokens) == (30, 8)


async def test_openai_client_on_claude_with_tools_and_an_image(live: Live) -> None:
    live.up.claude.reply_with(answer(tool_call("get_weather", {"city": "Bern"}, id="toolu_b")))
    async with live.openai() as client:
        reply = await client.chat.completions.create(
            model=CLAUDE_MODEL,
            tools=[WEATHER],  # type: ignore[list-item]
            messages=[
                {"role": "system", "content": "Use tools."},
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                        {"type": "text", "text": "Weather here?"},
                    ],
                },
            ],
        )
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert (call.id, call.function.name) == ("toolu_b", "get_weather")  # type: ignore[union-attr]
    assert orjson.loads(call.function.arguments) == {"city": "Bern"}  # type: ignore[union-attr]
    body = live.up.claude.last_request.json()
    assert "Use tools." in orjson.dumps(body["system"]).decode()
    image = next(b for b in body["messages"][0]["content"] if b["type"] == "image")
    assert image["source"] == {"type": "base64", "media_type": "image/png", "data": PNG}
    assert body["tools"][0]["name"] == "get_weather"


async def test_responses_client_on_claude_sees_thinking_as_reasoning(live: Live) -> None:
    """Codex CLI on an Anthropic-format upstream: reasoning item, then the message."""
    live.up.claude.reply_with(answer(thinking("Weighing it."), "Yes."))
    kinds: list[str] = []
    async with live.openai() as client:
        stream = await client.responses.create(model=CLAUDE_MODEL, input="well?", stream=True)
        async for event in stream:
            kinds.append(event.type)
            if event.type == "response.completed":
                final = event.response
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output_text == "Yes."
    assert "response.reasoning_summary_text.delta" in kinds or any("reasoning" in k for k in kinds)
    assert live.up.claude.last_request.json()["messages"][0]["role"] == "user"


async def test_anthropic_client_on_codex_chatgpt_login_with_a_tool(live: Live) -> None:
    """Claude Code on a ChatGPT subscription: Messages in, Responses over SSE upstream."""
    live.up.codex.reply_with(answer("On it.", tool_call("get_weather", {"city": "Nice"})))
    async with (
        live.anthropic() as client,
        client.messages.stream(
            model=CODEX_MODEL,
            max_tokens=256,
            tools=[WEATHER_ANTHROPIC],  # type: ignore[list-item]
            messages=[{"role": "user", "content": "weather in Nice?"}],
        ) as stream,
    ):
        message = await stream.get_final_message()
    assert [b.type for b in message.content] == ["text", "tool_use"]
    assert message.content[1].input == {"city": "Nice"}  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"
    sent = live.up.codex.last_request
    assert sent.path == "/backend-api/codex/responses"
    assert sent.bearer() == CODEX_TOKEN
    assert sent.headers.get("chatgpt-account-id") == CODEX_ACCOUNT
    body = sent.json()
    assert body["stream"] is True and body["tools"][0]["name"] == "get_weather"
    [rec] = await live.records()
    assert (rec.provider, rec.model, rec.status) == ("codex", CODEX_MODEL, 200)


async def test_openai_and_responses_clients_on_codex(live: Live) -> None:
    """The backend only streams: a JSON client gets the events gathered into one answer."""
    live.up.codex.reply_with(answer("gathered"), answer("passed through"))
    async with live.openai() as client:
        reply = await client.chat.completions.create(
            model=CODEX_MODEL, messages=[{"role": "user", "content": "hi"}]
        )
        assert reply.choices[0].message.content == "gathered"
        text = ""
        stream = await client.responses.create(model=CODEX_MODEL, input="hi", stream=True)
        async for event in stream:
            if event.type == "response.output_text.delta":
                text += event.delta
    assert text == "passed through"
    assert [b["stream"] for b in live.up.codex.bodies] == [True, True]


# ------------------------------------------------------- Amp listener and management


async def test_amp_provider_routes_on_the_real_gateway(live: Live) -> None:
    live.up.kiro.reply_with(answer("via amp responses"))
    live.up.lab.reply_with(answer("via amp messages"))
    live.up.gemini.reply_with(answer("via amp google"))
    async with openai.AsyncOpenAI(
        base_url=f"{live.amp_url}/api/provider/openai/v1", api_key="amp", max_retries=0
    ) as client:
        reply = await client.responses.create(model=KIRO_MODEL, input="hi")
    assert reply.output_text == "via amp responses"
    async with anthropic.AsyncAnthropic(
        base_url=f"{live.amp_url}/api/provider/anthropic", api_key="amp", max_retries=0
    ) as aclient:
        message = await aclient.messages.create(
            model=LAB_MODEL, max_tokens=9, messages=[{"role": "user", "content": "hi"}]
        )
    assert message.content[0].text == "via amp messages"  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=live.amp_url) as http:
        google = await http.post(
            f"/api/provider/google/v1beta/models/{GEMINI_MODEL}:generateContent",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        )
    assert google.json()["candidates"][0]["content"]["parts"][0]["text"] == "via amp google"
    records = await live.records()
    assert [r.provider for r in records] == ["kiro", "lab", "gemini"]


async def test_count_tokens_and_management_on_the_real_gateway(live: Live) -> None:
    live.up.claude.response_headers = {"anthropic-ratelimit-requests-remaining": "41"}
    async with live.anthropic() as client:
        counted = await client.messages.count_tokens(
            model=CLAUDE_MODEL, messages=[{"role": "user", "content": "count these words"}]
        )
        await client.messages.create(
            model=CLAUDE_MODEL, max_tokens=5, messages=[{"role": "user", "content": "hi"}]
        )
    assert counted.input_tokens > 0
    async with httpx.AsyncClient(base_url=live.url) as http:
        gemini_count = await http.post(
            f"/v1beta/models/{GEMINI_MODEL}:countTokens",
            json={"contents": [{"role": "user", "parts": [{"text": "count"}]}]},
        )
        status = (await http.get("/v0/management/status")).json()
        accounts = (await http.get("/v0/management/accounts")).json()
        limits = (await http.get("/v0/management/ratelimits")).json()
        models = (await http.get("/v1/models")).json()
    assert gemini_count.json()["totalTokens"] > 0
    auth = {p["id"]: p["auth_status"] for p in status["providers"]}
    assert (auth["claude"], auth["gemini"], auth["kiro"], auth["codex"]) == ("valid",) * 4
    assert auth["qwen"] == "not_configured"
    by_provider = {p["id"]: p["accounts"] for p in accounts["providers"]}
    assert [a["account_id"] for a in by_provider["kiro"]] == ["default"]
    [claude] = [p for p in limits["providers"] if p["id"] == "claude"]
    headers = claude["accounts"][0]["snapshot"]["headers"]
    assert headers["anthropic-ratelimit-requests-remaining"] == "41"
    ids = {m["id"] for m in models["data"]}
    assert {LAB_MODEL, GEMINI_MODEL, KIRO_MODEL, CLAUDE_MODEL, CODEX_MODEL} <= ids


async def test_usage_means_the_same_whatever_the_client_format(live: Live) -> None:
    """One Claude answer with cache reads and writes, asked for by three client families:
    every record splits the prompt the same way (input excludes cached tokens)."""
    usage = Usage(input_tokens=40, output_tokens=6, cache_read_tokens=30, cache_creation_tokens=8)
    live.up.claude.reply_with(*[answer("same", usage=usage)] * 4)
    async with live.openai() as client:
        await client.chat.completions.create(
            model=CLAUDE_MODEL, messages=[{"role": "user", "content": "hi"}]
        )
        stream = await client.chat.completions.create(
            model=CLAUDE_MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        async for _ in stream:
            pass
        await client.responses.create(model=CLAUDE_MODEL, input="hi")
    async with live.anthropic() as aclient:
        await aclient.messages.create(
            model=CLAUDE_MODEL, max_tokens=8, messages=[{"role": "user", "content": "hi"}]
        )
    records = await live.records()
    split = {
        (r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens)
        for r in records
    }
    assert len(records) == 4
    assert split == {(40, 6, 30, 8)}


async def test_claude_code_and_an_openai_client_on_copilot(live: Live) -> None:
    """A GitHub login: token exchange, then Chat Completions with the VS Code identity."""
    live.up.copilot.chat.reply_with(answer("Copilot streams", input_tokens=12), "I see a PNG.")
    async with (
        live.anthropic() as client,
        client.messages.stream(
            model=COPILOT_MODEL, max_tokens=32, messages=[{"role": "user", "content": "hi"}]
        ) as stream,
    ):
        message = await stream.get_final_message()
    assert message.content[0].text == "Copilot streams"  # type: ignore[union-attr]
    async with live.openai() as oclient:
        reply = await oclient.chat.completions.create(
            model=COPILOT_MODEL,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "what?"},
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    ],
                }
            ],
        )
    assert reply.choices[0].message.content == "I see a PNG."
    [exchange] = live.up.copilot.exchanges  # one exchange serves both requests
    exchange.assert_header("authorization", f"token {GITHUB_TOKEN}")
    first, second = live.up.copilot.chats
    assert first.bearer() != GITHUB_TOKEN  # the exchanged Copilot token, not the login
    first.assert_header("copilot-integration-id", "vscode-chat")
    second.assert_header("copilot-vision-request", "true")
    records = await live.records()
    assert [(r.provider, r.model, r.status) for r in records] == [
        ("copilot", COPILOT_MODEL, 200),
        ("copilot", COPILOT_MODEL, 200),
    ]
