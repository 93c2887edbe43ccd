"""A primed stream's two views (decoded events, raw bytes) both replay what priming read."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byokey_provider._stream_views import guarded, primed
from byokey_translate import SSEDecoder
from byokey_types import ByokError, ChatStream, SSEEvent, TransportError, UpstreamError

_BODY = (
    b": hello\n\n"
    + b"".join(b'data: {"n":%d}\n\n' % n for n in range(6))
    + b"event: end\ndata: [DONE]\n\n"
)


class _Source:
    """Raw chunks that remember whether they were closed and may fail after some."""

    def __init__(self, chunks: list[bytes], fail_after: int | None = None) -> None:
        self.chunks = chunks
        self.fail_after = fail_after
        self.closed = False

    async def iterate(self) -> AsyncIterator[bytes]:
        try:
            for i, chunk in enumerate(self.chunks):
                if self.fail_after is not None and i == self.fail_after:
                    raise TransportError("upstream: connection dropped")
                yield chunk
        finally:
            self.closed = True

    def stream(self) -> ChatStream:
        async def never() -> AsyncIterator[SSEEvent]:
            raise AssertionError("the events view of the source is not read")
            yield SSEEvent(None, "")  # pragma: no cover

        return ChatStream(never(), raw=self.iterate())


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


def _no_check(event: SSEEvent) -> None:
    return None


def _decoded(body: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    return [*decoder.feed(body), *decoder.finish()]


@settings(max_examples=100, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=20))
async def test_raw_view_replays_every_byte(cuts: list[int]) -> None:
    source = _Source(_split(_BODY, cuts))
    stream = await primed(source.stream(), "lab", _no_check)
    assert stream.raw is not None
    assert b"".join([c async for c in stream.raw]) == _BODY
    assert source.closed


@settings(max_examples=100, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=20))
async def test_events_view_decodes_the_whole_body(cuts: list[int]) -> None:
    source = _Source(_split(_BODY, cuts))
    stream = await primed(source.stream(), "lab", _no_check)
    assert [e async for e in stream.events] == _decoded(_BODY)
    assert source.closed


async def test_an_in_band_error_first_raises_and_closes_the_body() -> None:
    source = _Source([b'event: error\ndata: {"type":"error"}\n\n', b"data: {}\n\n"])

    def check(event: SSEEvent) -> ByokError | None:
        return UpstreamError(529, "overloaded") if event.event == "error" else None

    with pytest.raises(UpstreamError):
        await primed(source.stream(), "claude", check)
    assert source.closed


async def test_a_stream_without_any_event_is_a_transport_error() -> None:
    source = _Source([b": only a comment\n\n"])
    with pytest.raises(TransportError, match="before any event"):
        await primed(source.stream(), "lab", _no_check)
    assert source.closed


async def test_a_last_unterminated_event_still_primes() -> None:
    source = _Source([b'data: {"n":1}'])
    stream = await primed(source.stream(), "lab", _no_check)
    assert stream.raw is not None
    assert b"".join([c async for c in stream.raw]) == b'data: {"n":1}'


async def test_guarded_reports_a_mid_stream_failure_in_the_raw_view() -> None:
    source = _Source([b'data: {"n":1}\n\n', b'data: {"n":2}\n\n'], fail_after=1)
    seen: list[ByokError] = []
    stream = guarded(await primed(source.stream(), "lab", _no_check), seen.append)
    assert stream.raw is not None
    raw = stream.raw
    got: list[bytes] = []

    async def drain() -> None:
        async for chunk in raw:
            got.append(chunk)

    with pytest.raises(TransportError):
        await drain()
    assert got == [b'data: {"n":1}\n\n']
    assert [type(e) for e in seen] == [TransportError]


async def test_guarded_keeps_no_raw_view_when_there_is_none() -> None:
    async def events() -> AsyncIterator[SSEEvent]:
        yield SSEEvent(None, {"n": 1})

    stream = guarded(ChatStream(events()), lambda err: None)
    assert stream.raw is None
    assert [e async for e in stream.events] == [SSEEvent(None, {"n": 1})]
