"""The generic OpenAI-compatible executor against the OpenAI fake on 127.0.0.1."""

from __future__ import annotations

from typing import Any

from byokey_config import OpenAICompatibleModel, OpenAICompatibleProvider, Settings
from byokey_provider import ConfigCredentials, ProviderGateway, UpstreamHttp
from byokey_types import ChatRequest, ChatResponse, ChatStream, SSEEvent, WireFormat
from tests.fakes.content import answer, tool_call
from tests.fakes.openai import OpenAIFake


def compat_settings(fake: OpenAIFake, make_keys: Any, *names: str, **extra: Any) -> Settings:
    upstream = OpenAICompatibleProvider(
        name="lab",
        base_url=fake.base_url,
        api_keys=make_keys(*names),
        models=(
            OpenAICompatibleModel("qwen2.5:7b", alias="small"),
            OpenAICompatibleModel("llama3.1:70b"),
        ),
        prefix="lab",
        headers={"x-org": "acme"},
        **extra,
    )
    return Settings(openai_compatible=(upstream,))


def gateway(settings: Settings, pool: UpstreamHttp) -> ProviderGateway:
    return ProviderGateway(settings, ConfigCredentials(settings), pool, executors={})


def chat(model: str, *, stream: bool = False, **extra: Any) -> ChatRequest:
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}], **extra}
    if stream:
        body["stream"] = True
    return ChatRequest(body)


async def collect(stream: ChatStream) -> list[SSEEvent]:
    return [event async for event in stream.events]


async def test_json_request_url_headers_body_and_answer(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    openai_fake.reply_with(answer("Hello there", input_tokens=7, output_tokens=3))
    gw = gateway(compat_settings(openai_fake, make_keys, "k1"), pool)
    routed = await gw.chat(chat("lab/small", temperature=0.2))
    assert (routed.provider, routed.model, routed.account_id) == ("lab", "lab/small", "k1")
    resp = routed.response
    assert isinstance(resp, ChatResponse) and resp.format is WireFormat.OPENAI
    assert resp.body["choices"][0]["message"]["content"] == "Hello there"
    assert resp.body["usage"]["prompt_tokens"] == 7
    req = openai_fake.last_request
    assert req.method == "POST" and req.path == "/v1/chat/completions"
    assert req.bearer() == "sk-k1-secretvalue"
    req.assert_header("x-org", "acme")
    req.assert_header("accept", "application/json")
    req.assert_header("accept-encoding", "identity")
    req.assert_header("content-type", "application/json")
    for browser_header in ("sec-ch-ua", "sec-fetch-mode", "upgrade-insecure-requests"):
        req.assert_no_header(browser_header)
    body = req.json()
    assert body["model"] == "qwen2.5:7b" and body["temperature"] == 0.2
    assert body["stream"] is False and "stream_options" not in body


async def test_sse_split_at_every_byte_with_multibyte_text(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    text = "héllo wörld ✓ — 日本語 🚀"
    openai_fake.reply_with(answer(text, tool_call("get_weather", {"city": "Zürich"})))
    openai_fake.shape_streams(split="every_byte")
    gw = gateway(compat_settings(openai_fake, make_keys, "k1"), pool)
    routed = await gw.chat(chat("lab/llama3.1:70b", stream=True))
    assert isinstance(routed.response, ChatStream)
    events = await collect(routed.response)
    assert events[-1].data == "[DONE]"
    chunks = [e.data for e in events if isinstance(e.data, dict)]
    content = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices")
    )
    assert content == text
    args = "".join(
        tc["function"].get("arguments", "")
        for c in chunks
        if c.get("choices")
        for tc in c["choices"][0]["delta"].get("tool_calls") or []
    )
    assert args == '{"city":"Zürich"}'
    assert chunks[-1]["usage"]["total_tokens"] == 15
    body = openai_fake.last_request.json()
    assert body["model"] == "llama3.1:70b"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    openai_fake.last_request.assert_header("accept", "text/event-stream")


async def test_anthropic_client_gets_anthropic_answers(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    gw = gateway(compat_settings(openai_fake, make_keys, "k1"), pool)
    body = {
        "model": "lab/small",
        "max_tokens": 64,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hi"}],
    }
    openai_fake.reply_with(answer("Short."))
    routed = await gw.chat(ChatRequest(body, format=WireFormat.ANTHROPIC))
    resp = routed.response
    assert isinstance(resp, ChatResponse) and resp.format is WireFormat.ANTHROPIC
    assert resp.body["type"] == "message"
    assert resp.body["content"][0] == {"type": "text", "text": "Short."}
    sent = openai_fake.last_request.json()
    assert sent["messages"][0]["role"] == "system" and sent["max_tokens"] == 64
    openai_fake.reply_with(answer("Streamed."))
    openai_fake.shape_streams(chunk_sizes=[7, 3])
    routed = await gw.chat(ChatRequest({**body, "stream": True}, format=WireFormat.ANTHROPIC))
    assert isinstance(routed.response, ChatStream)
    events = await collect(routed.response)
    names = [e.event for e in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    text = "".join(
        e.data["delta"].get("text", "")
        for e in events
        if e.event == "content_block_delta" and isinstance(e.data, dict)
    )
    assert text == "Streamed."


async def test_responses_client_is_served_by_chat_completions(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    gw = gateway(compat_settings(openai_fake, make_keys, "k1"), pool)
    openai_fake.reply_with(answer("From chat."))
    request = ChatRequest({"model": "lab/small", "input": "Hi"}, format=WireFormat.OPENAI_RESPONSES)
    resp = (await gw.chat(request)).response
    assert isinstance(resp, ChatResponse) and resp.format is WireFormat.OPENAI_RESPONSES
    assert resp.body["object"] == "response"
    assert openai_fake.last_request.path == "/v1/chat/completions"
    assert openai_fake.last_request.json()["messages"][0]["content"] in (
        "Hi",
        [{"type": "text", "text": "Hi"}],
    )


async def test_keyless_upstream_sends_no_authorization(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    openai_fake.require_auth = False
    gw = gateway(compat_settings(openai_fake, make_keys), pool)
    routed = await gw.chat(chat("lab/small"))
    assert routed.account_id == "anonymous"
    openai_fake.last_request.assert_no_header("authorization")


async def test_thinking_suffix_reaches_the_upstream_body(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    gw = gateway(compat_settings(openai_fake, make_keys, "k1"), pool)
    routed = await gw.chat(chat("lab/small(high)"))
    assert routed.model == "lab/small"
    body = openai_fake.last_request.json()
    assert body["model"] == "qwen2.5:7b" and body["reasoning_effort"] == "high"


async def test_one_pooled_session_is_reused(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    gw = gateway(compat_settings(openai_fake, make_keys, "k1", "k2"), pool)
    for _ in range(4):
        await gw.chat(chat("lab/small"))
    assert len(openai_fake.requests) == 4
    assert pool.session_count == 1
    assert openai_fake.server.connections_opened == 1
    assert gw.executor("lab") is gw.executor("lab")


async def test_rate_limit_headers_are_kept_per_key(
    openai_fake: OpenAIFake, pool: UpstreamHttp, make_keys: Any
) -> None:
    openai_fake.response_headers = {"x-ratelimit-remaining-requests": "49", "set-cookie": "a=b"}
    gw = gateway(compat_settings(openai_fake, make_keys, "k1", "k2"), pool)
    await gw.chat(chat("lab/small"))
    snap = gw.ratelimits.get("lab", "k1")
    assert snap is not None and snap.headers == {"x-ratelimit-remaining-requests": "49"}
    assert gw.ratelimits.get("lab", "k2") is None
