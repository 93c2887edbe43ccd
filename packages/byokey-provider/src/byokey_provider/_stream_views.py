"""A streamed upstream body as both decoded events and raw bytes.

The proxy forwards a stream whose format is the client's own as the
upstream's bytes (no decode, no re-encode per event), but the executor still
has to look at the first event — an in-band error there is a failure the
router may retry on another credential — and any consumer that translates
needs events. So a stream carries two views of one body (``ChatStream.events``
and ``ChatStream.raw``), of which exactly one is iterated.

:func:`primed` reads just far enough for the first event, holding the bytes it
read, and returns a stream whose two views both start from the beginning
again: the events view replays the decoded events and decodes the rest, the
raw view replays the held chunks and forwards the rest. Neither view reads
anything until it is iterated, and closing the one that was iterated closes
the upstream body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from byokey_translate import SSEDecoder
from byokey_types import ByokError, ChatStream, SSEEvent, TransportError

__all__ = ["guarded", "primed"]


async def _close(iterator: AsyncIterator[object]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


async def primed(
    stream: ChatStream, upstream: str, check: Callable[[SSEEvent], ByokError | None]
) -> ChatStream:
    """``stream`` once its first event is in hand; ``check`` turns it into a failure or None.

    Raises ``TransportError`` when the stream ends before any event, and what
    ``check`` returns for the first event (the upstream body closed first).
    """
    if stream.raw is None:
        return await _primed_events(stream, upstream, check)
    chunks = stream.raw.__aiter__()
    decoder = SSEDecoder()
    held: list[bytes] = []
    first: list[SSEEvent] = []
    try:
        while not first:
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                first = decoder.finish()
                break
            held.append(chunk)
            first = decoder.feed(chunk)
        if not first:
            raise TransportError(f"{upstream}: stream ended before any event")
        failure = check(first[0])
        if failure is not None:
            raise failure
    except BaseException:
        await _close(chunks)
        raise

    async def events() -> AsyncIterator[SSEEvent]:
        try:
            for event in first:
                yield event
            async for chunk in chunks:
                for event in decoder.feed(chunk):
                    yield event
            for event in decoder.finish():
                yield event
        finally:
            await _close(chunks)

    async def raw() -> AsyncIterator[bytes]:
        try:
            for chunk in held:
                yield chunk
            held.clear()
            async for chunk in chunks:
                yield chunk
        finally:
            await _close(chunks)

    return ChatStream(
        events(), format=stream.format, status=stream.status, headers=stream.headers, raw=raw()
    )


async def _primed_events(
    stream: ChatStream, upstream: str, check: Callable[[SSEEvent], ByokError | None]
) -> ChatStream:
    events = stream.events.__aiter__()
    try:
        first = await events.__anext__()
    except StopAsyncIteration:
        raise TransportError(f"{upstream}: stream ended before any event") from None
    failure = check(first)
    if failure is not None:
        await _close(events)
        raise failure

    async def replay() -> AsyncIterator[SSEEvent]:
        try:
            yield first
            async for event in events:
                yield event
        finally:
            await _close(events)

    return ChatStream(replay(), format=stream.format, status=stream.status, headers=stream.headers)


def guarded(stream: ChatStream, on_error: Callable[[ByokError], None]) -> ChatStream:
    """``stream`` with ``on_error`` told of a ``ByokError`` raised mid-way, in either view.

    Each view closes what it reads from when it stops, whichever way it stops.
    """

    async def events() -> AsyncIterator[SSEEvent]:
        try:
            async for event in stream.events:
                yield event
        except ByokError as err:
            on_error(err)
            raise
        finally:
            await _close(stream.events)

    raw: AsyncIterator[bytes] | None = None
    if stream.raw is not None:
        source = stream.raw

        async def chunks() -> AsyncIterator[bytes]:
            try:
                async for chunk in source:
                    yield chunk
            except ByokError as err:
                on_error(err)
                raise
            finally:
                await _close(source)

        raw = chunks()
    return ChatStream(
        events(), format=stream.format, status=stream.status, headers=stream.headers, raw=raw
    )
