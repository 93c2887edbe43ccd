"""One chat request, any client format to any provider.

Every chat route (OpenAI, Anthropic, Responses, Gemini native, and the Amp
provider routes) funnels into :func:`run_chat`: build a ``ChatRequest`` in the
client's format, let the gateway route it, then answer in the client's format.

Hot path: when the provider answered in the client's format the body is sent
as is, and a stream whose executor left it untouched (``ChatStream.raw``) is
forwarded as the upstream's own bytes, cut only at event boundaries; usage is
sniffed from those bytes (:mod:`._usage_sniffer`) without decoding the events
that carry none. Other streams are decoded events, re-framed or translated in
one generator that also reads their usage (one async-generator hop per event).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from byokey_types import (
    ByokError,
    ChatRequest,
    ChatResponse,
    SSEEvent,
    UnsupportedModel,
    UsageRecord,
    WireFormat,
)

from ._client_gone import LeaveWatch
from ._gateway import Routed
from ._http_errors import ModelNotFound
from ._responses import error_response, json_response
from ._sse_frames import encode_event
from ._sse_response import CLIENT_CLOSED, SSEResponse, StreamOutcome
from ._state import ProxyState
from ._stream_closing import closing
from ._translation import StreamTranslator, stream_translator, translate_body
from ._usage_extract import TokenCounts, usage_from_body, usage_from_event
from ._usage_sniffer import event_boundary, sniff_usage

__all__ = ["FORWARDED_HEADER_PREFIXES", "answer_error", "run_chat"]

_log = logging.getLogger("byokey.proxy.chat")

FORWARDED_HEADER_PREFIXES = ("anthropic-", "openai-", "x-stainless-helper")
"""Client headers the provider layer may need (betas, API versions); never credentials."""


def client_headers(request: Request) -> dict[str, str]:
    return {
        name: value
        for name, value in request.headers.items()
        if name.startswith(FORWARDED_HEADER_PREFIXES)
    }


def answer_error(state: ProxyState, err: ByokError, fmt: WireFormat) -> Response:
    if isinstance(err, UnsupportedModel) and not isinstance(err, ModelNotFound):
        known = [m.id for m in state.gateway.list_models()]
        err = ModelNotFound(err.model, known)
    return error_response(err, fmt, retry_default=state.settings().routing.cooldown_seconds)


def _record(
    state: ProxyState,
    *,
    model: str,
    provider: str,
    account: str | None,
    counts: TokenCounts,
    started: float,
    status: int,
) -> None:
    config = state.settings().usage
    if not config.enabled:
        return
    state.usage.record(
        UsageRecord(
            model=model or "unknown",
            provider=provider,
            input_tokens=counts.input_tokens,
            output_tokens=counts.output_tokens,
            success=200 <= status < 300,
            account_id=account,
            cache_read_tokens=counts.cache_read_tokens,
            cache_write_tokens=counts.cache_write_tokens,
            latency_ms=int((time.monotonic() - started) * 1000),
            status=status,
        ),
        persist=config.persist,
    )


async def run_chat(
    state: ProxyState, request: Request, body: dict[str, Any], fmt: WireFormat
) -> Response:
    started = time.monotonic()
    try:
        chat = ChatRequest(body, format=fmt, headers=client_headers(request))
    except ByokError as err:
        return answer_error(state, err, fmt)
    watch = LeaveWatch(request.receive)
    try:
        routed = await state.gateway.chat(chat)
    except asyncio.CancelledError:
        if not watch.absorb():
            watch.close()
            raise
        # The client left before the answer: the upstream request was cancelled with us.
        _record_failure(state, chat.model, "unknown", started, CLIENT_CLOSED)
        return Response(status_code=CLIENT_CLOSED)
    except ByokError as err:
        watch.close()
        _record_failure(state, chat.model, getattr(err, "provider", "unknown"), started, err.status)
        return answer_error(state, err, fmt)
    finally:
        watch.disarm()
    if isinstance(routed.response, ChatResponse):
        watch.close()
        return _complete(state, routed, routed.response, fmt, started)
    return _stream(state, routed, fmt, started, watch.task)


def _record_failure(
    state: ProxyState, model: str, provider: str, started: float, status: int
) -> None:
    _record(
        state,
        model=model,
        provider=provider,
        account=None,
        counts=TokenCounts(),
        started=started,
        status=status,
    )


def _complete(
    state: ProxyState, routed: Routed, resp: ChatResponse, fmt: WireFormat, started: float
) -> Response:
    counts = TokenCounts()
    usage_from_body(counts, resp.body, resp.format)
    try:
        body = translate_body(resp.body, resp.format, fmt)
    except ByokError as err:
        _record_routed(state, routed, counts, started, err.status)
        return answer_error(state, err, fmt)
    status = resp.status if 200 <= resp.status < 300 else 200
    _record_routed(state, routed, counts, started, status)
    return json_response(body, status)


def _record_routed(
    state: ProxyState, routed: Routed, counts: TokenCounts, started: float, status: int
) -> None:
    _record(
        state,
        model=routed.model,
        provider=routed.provider,
        account=routed.account_id,
        counts=counts,
        started=started,
        status=status,
    )


def _stream(
    state: ProxyState,
    routed: Routed,
    fmt: WireFormat,
    started: float,
    disconnect: asyncio.Task[None],
) -> Response:
    resp = routed.response
    assert not isinstance(resp, ChatResponse)
    counts = TokenCounts()

    def finished(outcome: StreamOutcome) -> None:
        _record_routed(state, routed, counts, started, outcome.status)

    converter: StreamTranslator | None = None
    if resp.format is not fmt:
        try:
            converter = stream_translator(resp.format, fmt)
        except ByokError as err:
            disconnect.cancel()
            _record_routed(state, routed, counts, started, err.status)
            return answer_error(state, err, fmt)
    frames = (
        _raw_frames(resp.raw, resp.format, counts, fmt)
        if converter is None and resp.raw is not None
        else _client_frames(resp.events, resp.format, counts, converter, fmt)
    )
    return SSEResponse(
        frames,
        client_format=fmt,
        keepalive_seconds=state.keepalive_interval(),
        on_finish=finished,
        status=resp.status if 200 <= resp.status < 300 else 200,
        disconnect=disconnect,
    )


async def _client_frames(
    events: AsyncIterator[SSEEvent],
    source: WireFormat,
    counts: TokenCounts,
    converter: StreamTranslator | None,
    target: WireFormat,
) -> AsyncIterator[bytes]:
    """The provider's events as client frames, usage folded into ``counts`` on the way.

    One generator for the whole path (usage tap, translation, framing): each
    hop through an async generator costs a resumption per event, and a stream
    has dozens of events per request. A translated event's frames go out as
    one chunk. ``"[DONE]"`` from a different-format upstream is dropped: the
    converter's ``finish`` ends the client's stream.
    """
    done_seen = False
    async with closing(events):
        async for event in events:
            data = event.data
            if isinstance(data, str):
                if converter is None:
                    done_seen = done_seen or data == "[DONE]"
                    yield encode_event(event.event, data)
                continue
            usage_from_event(counts, event.event, data, source)
            if converter is None:
                yield encode_event(event.event, data)
                continue
            frames = converter.feed(event.event, data)
            if frames:
                done_seen = done_seen or any(out == "[DONE]" for _, out in frames)
                yield b"".join([encode_event(name, out) for name, out in frames])
    if converter is not None:
        frames = converter.finish()
        if frames:
            done_seen = done_seen or any(out == "[DONE]" for _, out in frames)
            yield b"".join([encode_event(name, out) for name, out in frames])
    if target is WireFormat.OPENAI and not done_seen:
        yield b"data: [DONE]\n\n"


_RAW_BUFFER_LIMIT = 1 << 20
"""Bytes held while waiting for an event to end; past it they are forwarded anyway."""


async def _raw_frames(
    chunks: AsyncIterator[bytes], source: WireFormat, counts: TokenCounts, target: WireFormat
) -> AsyncIterator[bytes]:
    """The upstream's SSE bytes as they come, each piece ending at an event boundary.

    Cutting at boundaries is what lets the response put a keep-alive or an
    error event between two pieces without splitting an event. A last event
    the upstream left unterminated is terminated; an OpenAI stream that never
    sent ``[DONE]`` gets one, as on the decoded path.
    """
    done_seen = target is not WireFormat.OPENAI
    rest = b""
    async with closing(chunks):
        async for chunk in chunks:
            data = rest + chunk if rest else chunk
            cut = event_boundary(data)
            if not cut and len(data) < _RAW_BUFFER_LIMIT:
                rest = data
                continue
            if cut and cut < len(data):
                data, rest = data[:cut], data[cut:]
            else:
                rest = b""
            sniff_usage(counts, data, source)
            done_seen = done_seen or _has_done(data)
            yield data
    if rest.strip():
        data = rest + b"\n\n"
        sniff_usage(counts, data, source)
        done_seen = done_seen or _has_done(data)
        yield data
    if not done_seen:
        yield b"data: [DONE]\n\n"


def _has_done(data: bytes) -> bool:
    return b"data: [DONE]" in data or b"data:[DONE]" in data
