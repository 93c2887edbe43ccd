"""The streaming reply: keep-alives, client disconnects and mid-stream failures.

Starlette's ``StreamingResponse`` only forwards chunks; a gateway also has to
(1) send a comment when the upstream is quiet so idle-timeouts in clients and
reverse proxies do not fire, (2) stop the upstream request the moment the
client goes away, and (3) turn an upstream failure into a well-formed error
event in the client's format. Whatever ends the stream, ``on_finish`` runs
exactly once with what happened, so usage is recorded for interrupted streams too.

Per event this costs as little as possible (issue 9): one producer task per
stream appends encoded frames to a :class:`_FramePipe`; the writer (the
request's own task) sleeps on one plain future, not a Task plus
``asyncio.wait`` per event. When it wakes it sends everything already queued
as one ``http.response.body`` (never waiting for more, so latency is
unchanged): one pass through the middleware and one socket write for a burst
of events. Keep-alives come from one timer re-armed lazily against the time
of the last write, and the disconnect listener wakes the writer through a
done-callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from byokey_types import ByokError, TransportError, WireFormat

from ._client_gone import wait_disconnect
from ._sse_frames import KEEPALIVE_FRAME, error_frame

__all__ = ["CLIENT_CLOSED", "SSE_HEADERS", "SSEResponse", "StreamOutcome"]

_log = logging.getLogger("byokey.proxy.stream")

SSE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
)

_HIGH_WATER = 64 * 1024
"""Queued bytes at which the producer waits for the writer (and the most one write carries, about)."""

CLIENT_CLOSED = 499
"""Status recorded when the client went away first (nginx's convention)."""


@dataclass(slots=True)
class StreamOutcome:
    """How a stream ended: completed, failed upstream, or abandoned by the client."""

    completed: bool = False
    disconnected: bool = False
    error: ByokError | None = None

    @property
    def status(self) -> int:
        if self.completed:
            return 200
        if self.error is not None:
            return self.error.status
        return CLIENT_CLOSED


class SSEResponse(Response):
    """An ASGI response streaming ``frames`` (already encoded) to the client.

    ``disconnect`` is the request's ``http.disconnect`` listener when the
    handler already runs one (``LeaveWatch``); otherwise one is started here.
    """

    def __init__(
        self,
        frames: AsyncIterator[bytes],
        *,
        client_format: WireFormat,
        keepalive_seconds: float,
        on_finish: Callable[[StreamOutcome], None],
        status: int = 200,
        headers: dict[str, str] | None = None,
        disconnect: asyncio.Task[None] | None = None,
    ) -> None:
        self.frames = frames
        self.disconnect = disconnect
        self.client_format = client_format
        self.keepalive = keepalive_seconds if keepalive_seconds > 0 else None
        self.on_finish = on_finish
        self.status_code = status
        self.background = None
        self.raw_headers = [*SSE_HEADERS]
        for name, value in (headers or {}).items():
            self.raw_headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        outcome = StreamOutcome()
        pipe = _FramePipe(asyncio.get_running_loop(), self.keepalive)
        disconnect = self.disconnect or asyncio.ensure_future(wait_disconnect(receive))
        disconnect.add_done_callback(pipe.client_gone)
        producer = asyncio.create_task(self._produce(pipe, outcome))
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            await self._write(pipe, send, outcome)
        except OSError:
            outcome.disconnected = True
        finally:
            disconnect.remove_done_callback(pipe.client_gone)
            pipe.close()
            for task in (producer, disconnect):
                task.cancel()
            for task in (producer, disconnect):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if outcome.disconnected:
                outcome.completed = False
            try:
                self.on_finish(outcome)
            except Exception:
                _log.exception("stream completion hook failed")

    @staticmethod
    async def _write(pipe: _FramePipe, send: Send, outcome: StreamOutcome) -> None:
        while True:
            if not pipe.frames and not pipe.ended and not pipe.gone:
                await pipe.wait()
            if pipe.gone:
                outcome.disconnected = True
                return
            if pipe.frames:
                body = pipe.take()
                more = not (pipe.ended and not pipe.frames)
                await send({"type": "http.response.body", "body": body, "more_body": more})
                if not more:
                    return
            elif pipe.ended:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            else:
                await send(
                    {"type": "http.response.body", "body": KEEPALIVE_FRAME, "more_body": True}
                )
            pipe.wrote()

    async def _produce(self, pipe: _FramePipe, outcome: StreamOutcome) -> None:
        frames = self.frames
        try:
            async for frame in frames:
                if pipe.put(frame):
                    await pipe.room()
            outcome.completed = True
        except ByokError as err:
            outcome.error = err
            pipe.put(error_frame(err, self.client_format))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.warning("stream failed: %s", type(exc).__name__)
            broken = TransportError(f"stream interrupted: {type(exc).__name__}")
            outcome.error = broken
            pipe.put(error_frame(broken, self.client_format))
        finally:
            aclose = getattr(frames, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        pipe.end()


class _FramePipe:
    """Frames between the producer task and the writer, woken without a Task per event.

    The writer waits on one future at a time; ``put``, ``end``, the disconnect
    callback and a due keep-alive resolve it. The keep-alive timer is not
    re-armed per frame: when it fires early (frames went out meanwhile) it
    re-arms itself for the time still left.
    """

    __slots__ = (
        "_keepalive",
        "_last_write",
        "_loop",
        "_room",
        "_size",
        "_timer",
        "_waiter",
        "ended",
        "frames",
        "gone",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, keepalive: float | None) -> None:
        self._loop = loop
        self._keepalive = keepalive
        self._last_write = loop.time()
        self._waiter: asyncio.Future[None] | None = None
        self._room: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._size = 0
        self.frames: list[bytes] = []
        self.ended = False
        self.gone = False

    def put(self, frame: bytes) -> bool:
        """Queue ``frame``; True when the producer should wait for :meth:`room`."""
        self.frames.append(frame)
        self._size += len(frame)
        self._wake()
        return self._size >= _HIGH_WATER

    def room(self) -> asyncio.Future[None]:
        self._room = self._loop.create_future()
        return self._room

    def end(self) -> None:
        self.ended = True
        self._wake()

    def client_gone(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        self.gone = True
        self._wake()

    def take(self) -> bytes:
        frames = self.frames
        body = frames[0] if len(frames) == 1 else b"".join(frames)
        self.frames = []
        self._size = 0
        room, self._room = self._room, None
        if room is not None and not room.done():
            room.set_result(None)
        return body

    def wrote(self) -> None:
        self._last_write = self._loop.time()

    def wait(self) -> asyncio.Future[None]:
        self._waiter = self._loop.create_future()
        if self._keepalive is not None and self._timer is None:
            self._timer = self._loop.call_at(self._last_write + self._keepalive, self._tick)
        return self._waiter

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _tick(self) -> None:
        self._timer = None
        assert self._keepalive is not None
        due = self._last_write + self._keepalive
        if self._waiter is None:
            return  # the writer is sending; its next wait() re-arms the timer
        if self._loop.time() < due:
            self._timer = self._loop.call_at(due, self._tick)
            return
        self._wake()
