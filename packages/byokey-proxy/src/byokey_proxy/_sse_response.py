"""The streaming reply: keep-alives, client disconnects and mid-stream failures.

Starlette's ``StreamingResponse`` only forwards chunks; a gateway also has to
(1) send a comment when the upstream is quiet so idle-timeouts in clients and
reverse proxies do not fire, (2) stop the upstream request the moment the
client goes away, and (3) turn an upstream failure into a well-formed error
event in the client's format. A producer task pulls frames into a small queue;
the writer waits on the queue, the keep-alive timer and the disconnect
listener at once. Whatever ends the stream, ``on_finish`` runs exactly once
with what happened, so usage is recorded for interrupted streams too.
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

_QUEUE_SIZE = 16

CLIENT_CLOSED = 499
"""Status recorded when the client went away first (nginx's convention)."""


class _End:
    pass


_END = _End()


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
        queue: asyncio.Queue[bytes | _End] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        producer = asyncio.create_task(self._produce(queue, outcome))
        disconnect = self.disconnect or asyncio.ensure_future(wait_disconnect(receive))
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            await self._write(queue, disconnect, send, outcome)
        except OSError:
            outcome.disconnected = True
        finally:
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

    async def _write(
        self,
        queue: asyncio.Queue[bytes | _End],
        disconnect: asyncio.Task[None],
        send: Send,
        outcome: StreamOutcome,
    ) -> None:
        while True:
            if disconnect.done():
                outcome.disconnected = True
                return
            if queue.empty():
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait(
                    {getter, disconnect},
                    timeout=self.keepalive,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if getter not in done:
                    getter.cancel()
                    if disconnect in done:
                        outcome.disconnected = True
                        return
                    await send(
                        {"type": "http.response.body", "body": KEEPALIVE_FRAME, "more_body": True}
                    )
                    continue
                item = getter.result()
            else:
                item = queue.get_nowait()
            if isinstance(item, _End):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send({"type": "http.response.body", "body": item, "more_body": True})

    async def _produce(self, queue: asyncio.Queue[bytes | _End], outcome: StreamOutcome) -> None:
        frames = self.frames
        try:
            async for frame in frames:
                await queue.put(frame)
            outcome.completed = True
        except ByokError as err:
            outcome.error = err
            await queue.put(error_frame(err, self.client_format))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _log.warning("stream failed: %s", type(exc).__name__)
            broken = TransportError(f"stream interrupted: {type(exc).__name__}")
            outcome.error = broken
            await queue.put(error_frame(broken, self.client_format))
        finally:
            aclose = getattr(frames, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(Exception):
                    await aclose()
        await queue.put(_END)
