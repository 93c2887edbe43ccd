"""Streams over the real gateway: mid-stream upstream failures in every client format,
client disconnects that cancel the upstream request, keep-alives, and usage written
off the request path for completed, streamed and interrupted requests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

import anthropic
import httpx
import openai
import orjson
import pytest
from proxy_fakes import RecordingUsageStore
from real_gateway import (
    GEMINI_KEY,
    GEMINI_MODEL,
    KIRO_MODEL,
    LAB_MODEL,
    FakeServers,
    Live,
    real_proxy,
)

from byokey_types import UsageRecord
from tests.fakes.content import answer
from tests.fakes.raw_wire import ScriptedUpstream

LONG = "one two three four five six seven eight nine ten eleven twelve"


def data_lines(raw: str) -> list[str]:
    return [line[6:] for line in raw.splitlines() if line.startswith("data: ")]


# ------------------------------------------------------------- mid-stream upstream failure


async def test_openai_client_gets_an_error_chunk_when_gemini_drops(live: Live) -> None:
    live.up.gemini.reply_with(answer(LONG, chunk_size=4))
    live.up.gemini.shape_streams(drop_after=2)
    seen = ""

    async def consume() -> None:
        nonlocal seen
        async with live.openai() as client:
            stream = await client.chat.completions.create(
                model=GEMINI_MODEL, messages=[{"role": "user", "content": "count"}], stream=True
            )
            async for chunk in stream:
                if chunk.choices:
                    seen += chunk.choices[0].delta.content or ""

    with pytest.raises(openai.APIError) as caught:
        await consume()
    assert seen and LONG.startswith(seen) and seen != LONG
    assert "gemini" in str(caught.value)
    [rec] = await live.records()
    assert (rec.provider, rec.success, rec.status) == ("gemini", False, 502)


async def test_anthropic_client_gets_event_error_when_the_openai_upstream_drops(
    live: Live,
) -> None:
    live.up.lab.reply_with(answer(LONG, chunk_size=3))
    live.up.lab.shape_streams(drop_after=4)
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{live.url}/v1/messages",
            json={
                "model": LAB_MODEL,
                "max_tokens": 20,
                "stream": True,
                "messages": [{"role": "user", "content": "count"}],
            },
        )
    assert reply.status_code == 200
    tail = reply.text.rstrip("\n").split("\n\n")[-1].split("\n")
    assert tail[0] == "event: error"
    error = orjson.loads(tail[1][6:])
    assert error["type"] == "error" and error["error"]["type"] == "api_error"
    assert "message_stop" not in reply.text

    async def sdk() -> None:
        async with (
            live.anthropic() as sdk_client,
            sdk_client.messages.stream(
                model=LAB_MODEL, max_tokens=20, messages=[{"role": "user", "content": "again"}]
            ) as stream,
        ):
            async for _ in stream:
                pass

    # The broken stream cooled the only credential down: the next call is refused at
    # once, in the Anthropic format, until the cooldown is reset over management.
    with pytest.raises(anthropic.APIStatusError) as refused:
        await sdk()
    assert refused.value.status_code == 503
    assert refused.value.response.headers.get("retry-after")
    async with httpx.AsyncClient() as client:
        reset = await client.post(f"{live.url}/v0/management/cooldowns/reset")
    assert reset.json()["reset"] == 1
    live.up.lab.reply_with(answer(LONG, chunk_size=3))
    with pytest.raises(anthropic.APIStatusError) as broken:
        await sdk()
    assert broken.value.status_code != 503  # raised from the in-band error event
    records = await live.records()
    assert [(r.provider, r.status) for r in records] == [("lab", 502), ("lab", 503), ("lab", 502)]


async def test_responses_client_gets_error_and_response_failed_when_kiro_drops(
    live: Live,
) -> None:
    live.up.kiro.reply_with(answer(LONG, chunk_size=5))
    live.up.kiro.shape_streams(drop_after=3)
    kinds: list[str] = []
    async with live.openai() as client:
        stream = await client.responses.create(model=KIRO_MODEL, input="count", stream=True)
        async for event in stream:
            kinds.append(event.type)
    assert kinds[0] == "response.created"
    assert kinds[-2:] == ["error", "response.failed"]
    assert "response.completed" not in kinds
    [rec] = await live.records()
    assert (rec.provider, rec.success, rec.status) == ("kiro", False, 502)


async def test_gemini_client_gets_a_google_error_when_gemini_drops(live: Live) -> None:
    """Same format end to end (passthrough), still a well-formed last event."""
    live.up.gemini.reply_with(answer(LONG, chunk_size=4))
    live.up.gemini.shape_streams(drop_after=2)
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{live.url}/v1beta/models/{GEMINI_MODEL}:streamGenerateContent?alt=sse",
            json={"contents": [{"role": "user", "parts": [{"text": "count"}]}]},
        )
    lines = data_lines(reply.text)
    first = orjson.loads(lines[0])
    assert first["candidates"][0]["content"]["parts"][0]["text"]
    error = orjson.loads(lines[-1])["error"]
    assert (error["code"], error["status"]) == (502, "INTERNAL")
    assert live.up.gemini.requests[-1].headers.get("x-goog-api-key") == GEMINI_KEY


# ------------------------------------------------------------------ client disconnect


class HangingChatUpstream(ScriptedUpstream):
    """An OpenAI-compatible upstream that answers part way, then waits for the caller to leave.

    ``head_only`` sends nothing but the SSE headers (a model still thinking
    before its first token); otherwise one chunk follows.
    ``tests.fakes.FakeServer`` notices a vanished client only when it next writes;
    this one blocks on reading instead, so it records the cancellation (``cancelled``,
    the connection closing) the moment the proxy closes the upstream connection.
    """

    def __init__(self, *, head_only: bool = False) -> None:
        super().__init__(self._answer)
        self.head_only = head_only
        self.cancelled = self.closed

    @property
    def url(self) -> str:
        return f"{super().url}/v1"

    async def _answer(
        self, _: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        chunk = {
            "id": "chatcmpl-h",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}],
        }
        event = b"data: " + orjson.dumps(chunk) + b"\n\n"
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        head += b"transfer-encoding: chunked\r\n\r\n"
        first = f"{len(event):x}\r\n".encode() + event + b"\r\n"
        writer.write(head if self.head_only else head + first)
        await writer.drain()
        while await reader.read(1024):  # the proxy never sends more; EOF = cancelled
            pass
        return False


def point_lab_at(live: Live, upstream: HangingChatUpstream) -> None:
    live.configure(
        openai_compatible=[
            {
                "name": "lab",
                "base_url": upstream.url,
                "api_keys": [{"api_key": "sk-hang-0123456789", "label": "hang"}],
                "models": [{"name": "qwen2.5:7b", "alias": "small"}],
                "prefix": "lab",
            }
        ]
    )


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages"])
async def test_client_disconnect_cancels_the_upstream_request(live: Live, path: str) -> None:
    async with HangingChatUpstream() as upstream:
        point_lab_at(live, upstream)
        body = {"model": LAB_MODEL, "max_tokens": 9, "stream": True, "messages": []}
        async with (
            httpx.AsyncClient() as client,
            client.stream("POST", live.url + path, json=body) as reply,
        ):
            assert reply.status_code == 200
            async for chunk in reply.aiter_raw():
                assert chunk
                break
        await asyncio.wait_for(upstream.cancelled.wait(), 10)
    assert len(upstream.requests) == 1
    [rec] = await live.records()
    assert (rec.provider, rec.account_id, rec.success, rec.status) == ("lab", "hang", False, 499)


@pytest.mark.parametrize("stream", [False, True])
async def test_client_leaving_before_the_first_byte_cancels_the_upstream(
    live: Live, stream: bool
) -> None:
    """A non-streamed answer, or a stream whose first event is still coming: the client
    gives up, and the upstream request must not run on for nobody."""
    async with HangingChatUpstream(head_only=True) as upstream:
        point_lab_at(live, upstream)
        body = {"model": LAB_MODEL, "messages": [], "stream": stream}
        async with httpx.AsyncClient() as client:
            waiting = asyncio.ensure_future(
                client.post(f"{live.url}/v1/chat/completions", json=body)
            )
            await asyncio.wait_for(upstream.received.wait(), 10)
            waiting.cancel()  # the client closes its connection
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
        await asyncio.wait_for(upstream.cancelled.wait(), 10)
    [rec] = await live.records()
    assert (rec.model, rec.success, rec.status) == (LAB_MODEL, False, 499)


# ----------------------------------------------------------------------------- keep-alive


async def test_keepalive_comments_while_the_real_upstream_is_quiet(live: Live) -> None:
    live.state.keepalive_seconds = 0.05
    live.up.lab.reply_with(answer("late words", chunk_size=20))
    live.up.lab.shape_streams(stall=1.0, stall_after=1)
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST",
            f"{live.url}/v1/chat/completions",
            json={"model": LAB_MODEL, "messages": [], "stream": True},
        ) as reply,
    ):
        raw = b"".join([chunk async for chunk in reply.aiter_raw()])
    text = raw.decode()
    assert ": keep-alive\n\n" in text
    assert text.index(": keep-alive") < text.index("late words")
    assert text.endswith("data: [DONE]\n\n")
    payloads = [orjson.loads(d) for d in data_lines(text) if d != "[DONE]"]
    assert (
        "".join(c["choices"][0]["delta"].get("content") or "" for c in payloads if c["choices"])
        == "late words"
    )


# ----------------------------------------------------------------- usage off the path


class GatedUsageStore(RecordingUsageStore):
    """A store whose writes wait until the test opens the gate (a slow database)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def record_many(self, records: Iterable[UsageRecord]) -> None:
        await self.gate.wait()
        await super().record_many(records)

    async def record(self, record: UsageRecord) -> None:
        await self.record_many([record])


@pytest.fixture
async def gated(fake_servers: FakeServers) -> AsyncIterator[tuple[Live, GatedUsageStore]]:
    store = GatedUsageStore()
    async with real_proxy(fake_servers, store=store) as running:
        try:
            yield running, store
        finally:
            store.gate.set()


async def test_usage_is_written_off_the_request_path(
    gated: tuple[Live, GatedUsageStore],
) -> None:
    live, store = gated
    live.up.lab.reply_with(answer("fast", input_tokens=3, output_tokens=1), answer("also fast"))
    async with live.openai() as client:
        first = await client.chat.completions.create(model=LAB_MODEL, messages=[])
        stream = await client.chat.completions.create(model=LAB_MODEL, messages=[], stream=True)
        streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    # Both answers arrived while the store could not write anything.
    assert (first.choices[0].message.content, streamed) == ("fast", "also fast")
    assert store.records == []
    usage = (await httpx.AsyncClient().get(f"{live.url}/v0/management/usage")).json()
    assert usage["total_requests"] == 2  # counted in memory at once
    store.gate.set()
    for _ in range(500):  # bounded wait for the background writer
        if len(store.records) == 2:
            break
        await asyncio.sleep(0.01)
    await live.state.usage.flush()
    assert [(r.provider, r.account_id, r.status) for r in store.records] == [
        ("lab", "lab-key", 200),
        ("lab", "lab-key", 200),
    ]
    assert store.records[0].input_tokens == 3
