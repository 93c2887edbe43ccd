"""The official SDKs against the real server: same-format round trips, streams, tools."""

from __future__ import annotations

import anthropic
import openai
import pytest
from proxy_fakes import anthropic_body

from byokey_proxy import RoutedResponse
from byokey_types import ChatRequest, ChatResponse, WireFormat
from conftest import Running


def oa(server: Running, **kw: object) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, **kw)  # type: ignore[arg-type]


def an(server: Running) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=server.url, api_key="unused", max_retries=0)


async def test_openai_non_stream_records_usage(server: Running) -> None:
    async with oa(server) as client:
        reply = await client.chat.completions.create(
            model="gpt-5.1", messages=[{"role": "user", "content": "hi"}]
        )
    assert reply.choices[0].message.content == "Hello there"
    assert server.gateway.requests[0].format is WireFormat.OPENAI
    records = await server.settled_records()
    assert len(records) == 1
    rec = records[0]
    assert (rec.model, rec.provider, rec.account_id) == ("gpt-5.1", "codex", "acct-1")
    assert (rec.input_tokens, rec.output_tokens, rec.cache_read_tokens) == (8, 7, 3)  # 11 - 3
    assert rec.success and rec.status == 200 and rec.latency_ms is not None


async def test_openai_stream(server: Running) -> None:
    async with oa(server) as client:
        stream = await client.chat.completions.create(
            model="gpt-5.1", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = ""
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
    assert text == "Hello"
    rec = (await server.settled_records())[0]
    assert (rec.input_tokens, rec.output_tokens, rec.success) == (5, 3, True)


async def test_openai_tools_and_images_reach_the_gateway(server: Running) -> None:
    from proxy_fakes import openai_tool_body

    server.gateway.script = lambda req: RoutedResponse(
        ChatResponse(openai_tool_body(req.model)), "codex", req.model
    )
    tools = [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": {"type": "object"}},
        }
    ]
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    async with oa(server) as client:
        reply = await client.chat.completions.create(
            model="gpt-5.1",
            messages=[{"role": "user", "content": [{"type": "text", "text": "see"}, image]}],
            tools=tools,  # type: ignore[arg-type]
        )
    call = reply.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    sent = server.gateway.requests[0].body
    assert sent["tools"] == tools
    assert sent["messages"][0]["content"][1] == image


async def test_anthropic_non_stream_tools_images(server: Running) -> None:
    server.gateway.reply_format = WireFormat.ANTHROPIC
    content = [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"c": 1}}]
    server.gateway.script = lambda req: RoutedResponse(
        ChatResponse(anthropic_body(req.model, content), format=WireFormat.ANTHROPIC),
        "claude",
        req.model,
    )
    image = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBO"},
    }
    async with an(server) as client:
        msg = await client.messages.create(
            model="claude-opus-4-6",
            max_tokens=100,
            messages=[{"role": "user", "content": [image, {"type": "text", "text": "what?"}]}],
            tools=[{"name": "get_weather", "input_schema": {"type": "object"}}],
            extra_headers={"anthropic-beta": "tools-2024"},
        )
    assert msg.content[0].type == "tool_use"
    req: ChatRequest = server.gateway.requests[0]
    assert req.format is WireFormat.ANTHROPIC
    assert req.body["messages"][0]["content"][0] == image
    assert req.headers["anthropic-beta"] == "tools-2024"
    assert "x-api-key" not in req.headers
    rec = (await server.settled_records())[0]
    assert (rec.input_tokens, rec.output_tokens) == (20, 9)
    assert (rec.cache_read_tokens, rec.cache_write_tokens) == (4, 2)


async def test_anthropic_stream_with_thinking(server: Running) -> None:
    from proxy_fakes import anthropic_events, replay

    from byokey_types import ChatStream

    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(
            replay(anthropic_events(req.model, ["Hi", "!"], thinking=True)),
            format=WireFormat.ANTHROPIC,
        ),
        "claude",
        req.model,
    )
    async with (
        an(server) as client,
        client.messages.stream(
            model="claude-test-thinker",
            max_tokens=2000,
            thinking={"type": "enabled", "budget_tokens": 1024},
            messages=[{"role": "user", "content": "think"}],
        ) as stream,
    ):
        final = await stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[1].text == "Hi!"  # type: ignore[union-attr]
    assert server.gateway.requests[0].body["thinking"]["budget_tokens"] == 1024
    rec = (await server.settled_records())[0]
    assert (rec.input_tokens, rec.output_tokens, rec.cache_read_tokens) == (12, 8, 6)


async def test_responses_route_reaches_gateway_in_its_format(server: Running) -> None:
    body = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "gpt-5.1",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "id": "m1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": "ok", "annotations": []}],
            }
        ],
        "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4},
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
    }
    server.gateway.script = lambda req: RoutedResponse(
        ChatResponse(body, format=WireFormat.OPENAI_RESPONSES), "codex", req.model
    )
    async with oa(server) as client:
        reply = await client.responses.create(model="gpt-5.1", input="hi")
    assert reply.output_text == "ok"
    assert server.gateway.requests[0].format is WireFormat.OPENAI_RESPONSES
    rec = (await server.settled_records())[0]
    assert (rec.input_tokens, rec.output_tokens) == (3, 1)


async def test_models_listing(server: Running) -> None:
    async with oa(server) as client:
        models = [m.id async for m in client.models.list()]
    assert "claude-opus-4-6" in models


async def test_count_tokens(server: Running) -> None:
    async with an(server) as client:
        counted = await client.messages.count_tokens(
            model="claude-opus-4-6", messages=[{"role": "user", "content": "hello world"}]
        )
    assert counted.input_tokens > 0


@pytest.mark.parametrize("stream", [False, True])
async def test_gemini_native_route(server: Running, stream: bool) -> None:
    import httpx
    from proxy_fakes import replay

    from byokey_types import ChatStream, SSEEvent

    body = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}}],
        "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 2},
    }
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(replay([SSEEvent(None, body)]), format=WireFormat.GEMINI)
        if req.stream
        else ChatResponse(body, format=WireFormat.GEMINI),
        "gemini",
        req.model,
    )
    action = "streamGenerateContent?alt=sse" if stream else "generateContent"
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{server.url}/v1beta/models/gpt-5.1:{action}",
            json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        )
    assert reply.status_code == 200
    sent = server.gateway.requests[0]
    assert sent.format is WireFormat.GEMINI
    assert sent.body["model"] == "gpt-5.1"
    assert sent.stream is stream
    if stream:
        assert reply.headers["content-type"] == "text/event-stream"
        assert reply.text.startswith("data: {")
    else:
        assert reply.json() == body
    rec = (await server.settled_records())[0]
    assert (rec.input_tokens, rec.output_tokens) == (4, 2)
