"""Errors in each client's format, mid-stream failures, disconnects and keep-alives."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import anthropic
import httpx
import openai
import pytest
from proxy_fakes import anthropic_events, openai_events, replay

from byokey_proxy import RoutedResponse
from byokey_types import (
    ChatStream,
    RateLimited,
    SSEEvent,
    TransportError,
    UpstreamError,
    UpstreamTimeout,
    WireFormat,
)
from conftest import Running


def oa(server: Running) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def an(server: Running) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=server.url, api_key="unused", max_retries=0)


async def test_unknown_model_is_404_with_close_matches(server: Running) -> None:
    async with oa(server) as client:
        with pytest.raises(openai.NotFoundError) as caught:
            await client.chat.completions.create(
                model="gpt-5.2", messages=[{"role": "user", "content": "hi"}]
            )
    assert "did you mean: gpt-5.1" in str(caught.value)
    async with an(server) as aclient:
        with pytest.raises(anthropic.NotFoundError) as caught2:
            await aclient.messages.create(
                model="claude-opus-4-7", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    assert caught2.value.body["error"]["type"] == "not_found_error"  # type: ignore[index]
    records = await server.settled_records()
    assert [r.success for r in records] == [False, False]


@pytest.mark.parametrize(
    ("error", "status", "sdk_error"),
    [
        (RateLimited("slow down", retry_after=7), 429, openai.RateLimitError),
        (UpstreamError(503, "overloaded"), 502, openai.InternalServerError),
        (TransportError("connection refused"), 502, openai.InternalServerError),
        (UpstreamTimeout("no answer"), 504, openai.InternalServerError),
        (UpstreamError(401, "bad key"), 401, openai.AuthenticationError),
    ],
)
async def test_upstream_errors_map_to_statuses(
    server: Running, error: Exception, status: int, sdk_error: type[Exception]
) -> None:
    def fail(req: object) -> RoutedResponse:
        raise error

    server.gateway.script = fail
    async with oa(server) as client:
        with pytest.raises(sdk_error) as caught:
            await client.chat.completions.create(
                model="gpt-5.1", messages=[{"role": "user", "content": "hi"}]
            )
    response = caught.value.response  # type: ignore[attr-defined]
    assert response.status_code == status
    if status == 429:
        assert response.headers["retry-after"] == "7"
    assert response.headers["x-request-id"]


async def test_429_without_hint_still_says_when(server: Running) -> None:
    def fail(req: object) -> RoutedResponse:
        raise RateLimited("no hint")

    server.gateway.script = fail
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{server.url}/v1/messages",
            json={"model": "claude-opus-4-6", "messages": [], "max_tokens": 1},
        )
    assert reply.status_code == 429
    assert reply.headers["retry-after"] == "30"
    assert reply.json()["type"] == "error"
    assert reply.json()["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize(
    ("path", "body", "status", "fragment"),
    [
        ("/v1/chat/completions", b"{not json", 400, "malformed JSON"),
        ("/v1/chat/completions", b"[1]", 400, "JSON object"),
        ("/v1/chat/completions", b'{"messages": []}', 400, "model"),
        ("/v1/chat/completions", b'{"model": "gpt-5.1"}', 400, "messages"),
        ("/v1/messages", b'{"messages": []}', 400, "model"),
    ],
)
async def test_bad_requests(
    server: Running, path: str, body: bytes, status: int, fragment: str
) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            server.url + path, content=body, headers={"content-type": "application/json"}
        )
    assert reply.status_code == status
    data = reply.json()
    message = data["error"]["message"]
    assert fragment in message
    if path == "/v1/messages":
        assert data["type"] == "error"


async def test_wrong_content_type_is_415(server: Running) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{server.url}/v1/chat/completions", content=b"x")
    assert reply.status_code == 415


async def test_body_limit_413_declared_and_chunked(server: Running) -> None:
    big = b'{"model": "gpt-5.1", "pad": "' + b"x" * (70 * 1024) + b'"}'

    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    async with httpx.AsyncClient() as client:
        declared = await client.post(
            f"{server.url}/v1/messages", content=big, headers={"content-type": "application/json"}
        )
        chunked = await client.post(
            f"{server.url}/v1/chat/completions",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    assert declared.status_code == 413
    assert declared.json()["error"]["type"] == "request_too_large"
    assert chunked.status_code == 413
    assert "too large" in chunked.json()["error"]["message"]


async def test_openai_mid_stream_failure_is_an_error_event(server: Running) -> None:
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(
            replay(
                openai_events(req.model, ["a", "b", "c"]),
                fail_after=2,
                error=TransportError("connection reset"),
            )
        ),
        "codex",
        req.model,
    )
    seen: list[str] = []

    async def consume() -> None:
        async with oa(server) as client:
            stream = await client.chat.completions.create(
                model="gpt-5.1", messages=[{"role": "user", "content": "hi"}], stream=True
            )
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    seen.append(chunk.choices[0].delta.content)

    with pytest.raises(openai.APIError) as caught:
        await consume()
    assert seen == ["a"]
    assert "connection reset" in str(caught.value)
    rec = (await server.settled_records())[0]
    assert (rec.success, rec.status) == (False, 502)


async def test_anthropic_mid_stream_failure_is_an_error_event(server: Running) -> None:
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(
            replay(
                anthropic_events(req.model, ["x", "y"]),
                fail_after=3,
                error=UpstreamError(529, "overloaded"),
            ),
            format=WireFormat.ANTHROPIC,
        ),
        "claude",
        req.model,
    )

    async def consume() -> None:
        async with (
            an(server) as client,
            client.messages.stream(
                model="claude-opus-4-6", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            ) as stream,
        ):
            async for _ in stream:
                pass

    with pytest.raises(anthropic.APIStatusError):
        await consume()
    rec = (await server.settled_records())[0]
    assert rec.success is False
    assert rec.input_tokens == 12  # usage seen before the failure is kept


async def test_client_disconnect_cancels_upstream_and_records(server: Running) -> None:
    gate = asyncio.Event()
    closed: list[bool] = []
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(replay(openai_events(req.model, ["a"]), gate=gate, closed=closed)),
        "codex",
        req.model,
    )
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            f"{server.url}/v1/chat/completions",
            json={"model": "gpt-5.1", "messages": [], "stream": True},
        ) as reply,
    ):
        async for chunk in reply.aiter_raw():
            assert chunk.startswith(b"data: ")
            break
    for _ in range(1000):
        if closed:
            break
        await asyncio.sleep(0.01)
    assert closed == [True]
    assert not gate.is_set()
    rec = (await server.settled_records())[0]
    assert (rec.success, rec.status) == (False, 499)


async def test_keepalive_comments_while_upstream_is_quiet(server: Running) -> None:
    server.state.keepalive_seconds = 0.02
    gate = asyncio.Event()
    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(replay(openai_events(req.model, ["a"]), gate=gate)), "codex", req.model
    )
    received = b""
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            f"{server.url}/v1/chat/completions",
            json={"model": "gpt-5.1", "messages": [], "stream": True},
        ) as reply,
    ):
        assert reply.headers["cache-control"] == "no-cache"
        assert reply.headers["x-accel-buffering"] == "no"
        async for chunk in reply.aiter_raw():
            received += chunk
            if b": keep-alive\n\n" in received:
                gate.set()
    assert received.endswith(b"data: [DONE]\n\n")
    assert received.index(b": keep-alive") < received.index(b'"content":"a"')


async def test_disconnect_closes_the_upstream_through_translation(server: Running) -> None:
    """A fast upstream and a client that leaves: the provider's stream is closed at once."""
    closed: list[bool] = []

    async def endless(model: str) -> AsyncIterator[SSEEvent]:
        base = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": model}
        try:
            for i in range(100_000):
                yield SSEEvent(
                    None, {**base, "choices": [{"index": 0, "delta": {"content": f"{i} "}}]}
                )
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    server.gateway.script = lambda req: RoutedResponse(
        ChatStream(endless(req.model)), "codex", req.model
    )
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            f"{server.url}/v1/messages",
            json={"model": "gpt-5.1", "max_tokens": 5, "messages": [], "stream": True},
        ) as reply,
    ):
        async for chunk in reply.aiter_raw():
            assert chunk.startswith(b"event: message_start")
            break
    for _ in range(1000):
        if closed:
            break
        await asyncio.sleep(0.01)
    assert closed == [True]
    rec = (await server.settled_records())[0]
    assert (rec.success, rec.status) == (False, 499)


async def test_keepalive_interval_comes_from_settings_unless_overridden(server: Running) -> None:
    server.box.set(**{"streaming.keepalive_seconds": 15})
    assert server.state.keepalive_interval() == 15.0
    server.state.keepalive_seconds = 0.5
    assert server.state.keepalive_interval() == 0.5


@pytest.mark.parametrize("stream", [False, True])
async def test_client_leaving_before_the_answer_cancels_the_gateway_call(
    server: Running, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    """The gateway is still waiting for its upstream when the client gives up: the
    call is cancelled (which is what aborts the upstream request) and 499 recorded."""
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow_chat(request: object) -> RoutedResponse:
        started.set()
        try:
            await asyncio.Event().wait()  # an upstream that never answers
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    monkeypatch.setattr(server.gateway, "chat", slow_chat)
    body = {"model": "gpt-5.1", "messages": [], "stream": stream}
    async with httpx.AsyncClient() as client:
        waiting = asyncio.ensure_future(client.post(f"{server.url}/v1/chat/completions", json=body))
        await asyncio.wait_for(started.wait(), 10)
        waiting.cancel()  # the client closes its connection
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
    await asyncio.wait_for(cancelled.wait(), 10)
    rec = (await server.settled_records())[0]
    assert (rec.model, rec.success, rec.status) == ("gpt-5.1", False, 499)
    # the server is unharmed: the next request is answered
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{server.url}/healthz")
    assert reply.status_code == 200
