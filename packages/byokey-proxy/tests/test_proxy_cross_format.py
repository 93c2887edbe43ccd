"""Any client format on top of any provider format, through the real server and SDKs.

The fake gateway answers in a chosen provider format; the proxy must hand the
client its own format (bodies and streams), read usage from the provider's
events, and end a failed stream with an error the client's SDK understands.
"""

from __future__ import annotations

import anthropic
import httpx
import openai
import orjson
import pytest
from proxy_fakes import (
    anthropic_body,
    anthropic_events,
    openai_body,
    openai_events,
    openai_tool_body,
    replay,
)

from byokey_proxy import RoutedResponse
from byokey_types import (
    ChatResponse,
    ChatStream,
    SSEEvent,
    TransportError,
    UpstreamError,
    WireFormat,
)
from conftest import Running


def oa(live: Running) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="k", max_retries=0)


def an(live: Running) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=live.url, api_key="k", max_retries=0)


def answer_openai(live: Running, *, tools: bool = False) -> None:
    live.gateway.script = lambda req: RoutedResponse(
        ChatStream(replay(openai_events(req.model, ["Hel", "lo"])))
        if req.stream
        else ChatResponse(openai_tool_body(req.model) if tools else openai_body(req.model)),
        "codex",
        req.model,
        "acct-9",
    )


def answer_anthropic(live: Running, *, thinking: bool = False) -> None:
    live.gateway.script = lambda req: RoutedResponse(
        ChatStream(
            replay(anthropic_events(req.model, ["Hi", " there"], thinking=thinking)),
            format=WireFormat.ANTHROPIC,
        )
        if req.stream
        else ChatResponse(anthropic_body(req.model), format=WireFormat.ANTHROPIC),
        "claude",
        req.model,
        "acct-c",
    )


async def test_claude_code_on_an_openai_provider_with_tools(server: Running) -> None:
    answer_openai(server, tools=True)
    async with an(server) as client:
        msg = await client.messages.create(
            model="gpt-5.1",
            max_tokens=100,
            tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
            messages=[{"role": "user", "content": "weather?"}],
        )
    assert msg.stop_reason == "tool_use"
    block = msg.content[0]
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("get_weather", {"city": "Paris"})
    assert server.gateway.requests[0].format is WireFormat.ANTHROPIC
    rec = (await server.settled_records())[0]
    assert (rec.provider, rec.account_id, rec.input_tokens, rec.output_tokens) == (
        "codex",
        "acct-9",
        8,  # 11 prompt tokens, 3 read from the cache
        7,
    )


async def test_claude_code_streams_from_an_openai_provider(server: Running) -> None:
    answer_openai(server)
    async with (
        an(server) as client,
        client.messages.stream(
            model="gpt-5.1", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream,
    ):
        final = await stream.get_final_message()
    assert final.content[0].text == "Hello"  # type: ignore[union-attr]
    rec = (await server.settled_records())[0]
    assert (rec.input_tokens, rec.output_tokens, rec.success) == (5, 3, True)


async def test_openai_client_on_claude_stream_and_body(server: Running) -> None:
    answer_anthropic(server, thinking=True)
    async with oa(server) as client:
        body = await client.chat.completions.create(
            model="claude-opus-4-6", messages=[{"role": "user", "content": "hi"}]
        )
        stream = await client.chat.completions.create(
            model="claude-opus-4-6", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = ""
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
    assert body.choices[0].message.content == "Hello from Claude"
    assert body.usage is not None and body.usage.prompt_tokens >= 20
    assert text == "Hi there"
    records = await server.settled_records()
    assert [(r.input_tokens, r.output_tokens) for r in records] == [(20, 9), (12, 8)]
    assert (records[1].cache_read_tokens, records[0].cache_write_tokens) == (6, 2)


async def test_codex_cli_on_claude(server: Running) -> None:
    answer_anthropic(server)
    async with oa(server) as client:
        async with client.responses.stream(model="claude-opus-4-6", input="hi") as stream:
            final = await stream.get_final_response()
        plain = await client.responses.create(model="claude-opus-4-6", input="hi")
    assert final.output_text == "Hi there"
    assert plain.output_text == "Hello from Claude"
    assert server.gateway.requests[0].format is WireFormat.OPENAI_RESPONSES
    rec = (await server.settled_records())[0]
    assert (rec.provider, rec.input_tokens, rec.output_tokens) == ("claude", 12, 8)


@pytest.mark.parametrize("stream", [False, True])
async def test_gemini_client_on_an_openai_provider(server: Running, stream: bool) -> None:
    answer_openai(server)
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{server.url}/v1beta/models/gpt-5.1:{action}",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        )
    assert reply.status_code == 200
    if stream:
        events = [
            orjson.loads(line[6:]) for line in reply.text.splitlines() if line.startswith("data: ")
        ]
        text = "".join(
            p.get("text", "")
            for e in events
            for c in e.get("candidates", [])
            for p in c["content"]["parts"]
        )
        assert text == "Hello"
        assert "[DONE]" not in reply.text
    else:
        parts = reply.json()["candidates"][0]["content"]["parts"]
        assert parts[0]["text"] == "Hello there"


async def test_gemini_count_tokens(server: Running) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{server.url}/v1beta/models/gemini-2.5-pro:countTokens",
            json={"contents": [{"role": "user", "parts": [{"text": "hello"}]}]},
        )
    assert reply.status_code == 200
    assert isinstance(reply.json()["totalTokens"], int)
    assert server.gateway.requests == []  # counting is not a chat


async def test_same_format_stream_passes_events_unchanged(server: Running) -> None:
    events = openai_events("gpt-5.1", ["a", "b"])
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(replay(events)), "codex", req.model
    )
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{server.url}/v1/chat/completions",
            json={"model": "gpt-5.1", "messages": [], "stream": True},
        )
    sent = [line[6:] for line in reply.text.split("\n\n") if line.startswith("data: ")]
    assert sent[-1] == "[DONE]"
    assert [orjson.loads(s) for s in sent[:-1]] == [e.data for e in events[:-1]]
    assert reply.text.count("[DONE]") == 1


async def test_responses_mid_stream_failure_ends_with_failed_event(server: Running) -> None:
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(
            replay(
                anthropic_events(req.model, ["x", "y"]),
                fail_after=4,
                error=UpstreamError(529, "overloaded"),
            ),
            format=WireFormat.ANTHROPIC,
        ),
        "claude",
        req.model,
    )
    kinds: list[str] = []
    async with oa(server) as client:
        stream = await client.responses.create(model="claude-opus-4-6", input="hi", stream=True)
        async for event in stream:
            kinds.append(event.type)
    assert kinds[-2:] == ["error", "response.failed"]
    assert "response.completed" not in kinds
    rec = (await server.settled_records())[0]
    assert (rec.success, rec.status, rec.input_tokens) == (False, 502, 12)


async def test_gemini_mid_stream_failure_is_a_google_error(server: Running) -> None:
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(
            replay(
                openai_events(req.model, ["a", "b"]), fail_after=2, error=TransportError("reset")
            )
        ),
        "codex",
        req.model,
    )
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{server.url}/v1beta/models/gpt-5.1:streamGenerateContent?alt=sse",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        )
    last = [line for line in reply.text.splitlines() if line.startswith("data: ")][-1]
    error = orjson.loads(last[6:])["error"]
    assert (error["code"], error["status"]) == (502, "INTERNAL")
    assert "reset" in error["message"]


def openai_tool_events(model: str) -> list[SSEEvent]:
    base = {"id": "chatcmpl-t", "object": "chat.completion.chunk", "created": 1, "model": model}

    def chunk(delta: dict[str, object], finish: str | None = None) -> SSEEvent:
        return SSEEvent(
            None, {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        )

    call = {"index": 0, "id": "call_9", "type": "function"}
    return [
        chunk({"role": "assistant"}),
        chunk({"tool_calls": [{**call, "function": {"name": "get_weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}),
        chunk({}, "tool_calls"),
        SSEEvent(
            None, {**base, "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}}
        ),
        SSEEvent(None, "[DONE]"),
    ]


async def test_claude_code_streams_a_tool_call_from_an_openai_provider(server: Running) -> None:
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(replay(openai_tool_events(req.model))), "copilot", req.model
    )
    async with (
        an(server) as client,
        client.messages.stream(
            model="gpt-4o",
            max_tokens=50,
            tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
            messages=[{"role": "user", "content": "weather?"}],
        ) as stream,
    ):
        final = await stream.get_final_message()
    assert final.stop_reason == "tool_use"
    block = final.content[0]
    assert block.type == "tool_use"
    assert (block.id, block.name, block.input) == ("call_9", "get_weather", {"city": "Oslo"})
    rec = (await server.settled_records())[0]
    assert (rec.provider, rec.input_tokens, rec.output_tokens) == ("copilot", 9, 4)


async def test_openai_client_sees_claude_thinking_as_reasoning(server: Running) -> None:
    answer_anthropic(server, thinking=True)
    reasoning = ""
    async with oa(server) as client:
        stream = await client.chat.completions.create(
            model="claude-test-thinker",
            messages=[{"role": "user", "content": "think"}],
            stream=True,
        )
        async for chunk in stream:
            if chunk.choices:
                reasoning += getattr(chunk.choices[0].delta, "reasoning_content", None) or ""
    assert reasoning == "Let me think."


async def test_codex_cli_sees_claude_thinking_as_a_reasoning_item(server: Running) -> None:
    answer_anthropic(server, thinking=True)
    async with (
        oa(server) as client,
        client.responses.stream(model="claude-test-thinker", input="think") as stream,
    ):
        kinds = [event.type async for event in stream]
        final = await stream.get_final_response()
    assert "response.reasoning_summary_text.delta" in kinds
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.output_text == "Hi there"


async def test_claude_code_gets_an_anthropic_429_from_an_openai_provider(server: Running) -> None:
    from byokey_types import RateLimited

    def limited(req: object) -> RoutedResponse:
        raise RateLimited("slow", retry_after=3)

    server.gateway.script = limited
    async with an(server) as client:
        with pytest.raises(anthropic.RateLimitError) as caught:
            await client.messages.create(
                model="gpt-5.1", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    assert caught.value.response.headers["retry-after"] == "3"
    assert caught.value.body["error"]["type"] == "rate_limit_error"  # type: ignore[index]
