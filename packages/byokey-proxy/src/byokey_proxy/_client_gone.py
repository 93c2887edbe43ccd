"""Noticing that the client went away, so the upstream request stops at once.

ASGI servers report a vanished client as an ``http.disconnect`` message on
``receive`` but keep running the handler. Without a watcher, a client that
gives up on a slow non-streamed answer (or on a stream whose first event is
still being generated) leaves the upstream request running to the end, spending
the subscription for nobody. :class:`LeaveWatch` listens from the moment the
body has been read; if the client leaves while the gateway works, it cancels
the handler's own task (no second task for the work itself). When a stream
starts, its :class:`~byokey_proxy._sse_response.SSEResponse` takes the same
listener over, so a streamed request costs one listener in all.
"""

from __future__ import annotations

import asyncio

from starlette.types import Receive

__all__ = ["LeaveWatch", "wait_disconnect"]


async def wait_disconnect(receive: Receive) -> None:
    """Return when the client has gone (every other message is ignored)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class LeaveWatch:
    """Cancel the current task if the client disconnects before :meth:`disarm`.

    After the work returns, call :meth:`disarm`; then either hand :attr:`task`
    on (it still reports the disconnect) or :meth:`close` it.
    """

    __slots__ = ("_armed", "_cancelled", "_owner", "task")

    def __init__(self, receive: Receive) -> None:
        self._owner = asyncio.current_task()
        self._armed = True
        self._cancelled = False
        self.task: asyncio.Task[None] = asyncio.ensure_future(wait_disconnect(receive))
        self.task.add_done_callback(self._fired)

    def _fired(self, task: asyncio.Task[None]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        if self._armed and self._owner is not None:
            self._cancelled = True
            self._owner.cancel()

    def absorb(self) -> bool:
        """In an ``except CancelledError``: True (and the cancel undone) if it was ours."""
        if not self._cancelled or self._owner is None:
            return False
        self._cancelled = False
        self._owner.uncancel()
        return True

    def disarm(self) -> None:
        self._armed = False

    def close(self) -> None:
        self._armed = False
        self.task.cancel()
