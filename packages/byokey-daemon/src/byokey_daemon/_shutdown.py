"""Graceful shutdown: one signal to stop, and a registry of work to drain first.

SIGTERM, SIGINT and the control ``shutdown()`` all wake the same event (spec §4.3). The
server then stops accepting and calls ``drain(grace)``: in-flight requests and streams
registered with ``track()`` / ``track_stream()`` get ``grace`` seconds to finish, the
rest are cancelled so their own cleanup (usage recording) still runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TypeVar

_T = TypeVar("_T")

DEFAULT_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


class ShutdownCoordinator:
    """Owned by the server's event loop; only ``request_threadsafe`` may be called elsewhere."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._in_flight: dict[int, asyncio.Task[object] | None] = {}
        self._next_token = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._requested_elsewhere = threading.Event()
        self._signals: list[signal.Signals] = []
        self.reason: str | None = None

    # -- the shutdown signal -----------------------------------------------------------

    @property
    def requested(self) -> bool:
        return self._event.is_set() or self._requested_elsewhere.is_set()

    def attach(self) -> None:
        """Remember the running loop, so other threads can reach it."""
        self._loop = asyncio.get_running_loop()
        if self._requested_elsewhere.is_set():
            self._set("control")

    def request(self, reason: str = "request") -> None:
        """Ask for shutdown from the loop's thread (idempotent; the first reason sticks)."""
        self._set(reason)

    def request_threadsafe(self, reason: str = "control") -> None:
        """Ask for shutdown from any thread, e.g. an rpyc worker running ``shutdown()``."""
        self._requested_elsewhere.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._set, reason)

    async def wait(self) -> None:
        """Return once shutdown is requested; usable as hypercorn's ``shutdown_trigger``."""
        if self._loop is None:
            self.attach()
        if self._requested_elsewhere.is_set():
            self._set("control")
        await self._event.wait()

    def install_signal_handlers(self, signals: Iterable[signal.Signals] = DEFAULT_SIGNALS) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        for sig in signals:
            loop.add_signal_handler(sig, self._set, sig.name)
            self._signals.append(sig)

    def remove_signal_handlers(self) -> None:
        loop = self._loop
        while self._signals:
            sig = self._signals.pop()
            if loop is not None and not loop.is_closed():
                loop.remove_signal_handler(sig)

    def _set(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    # -- in-flight work ------------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @contextlib.contextmanager
    def track(self) -> Iterator[None]:
        """Count the enclosed work (and its task, for cancellation) as in flight."""
        token = self._next_token
        self._next_token += 1
        self._in_flight[token] = asyncio.current_task()
        self._idle.clear()
        try:
            yield
        finally:
            del self._in_flight[token]
            if not self._in_flight:
                self._idle.set()

    async def track_stream(self, stream: AsyncIterator[_T]) -> AsyncIterator[_T]:
        """Wrap a response body so the stream counts as in flight until it ends."""
        with self.track():
            async for item in stream:
                yield item

    async def drain(self, grace: float, *, cancel_stragglers: bool = True) -> int:
        """Wait up to ``grace`` seconds for in-flight work; return how much was left.

        Stragglers' tasks are cancelled (unless told not to) and awaited briefly, so
        their ``finally`` blocks run before the process exits.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)
        left = len(self._in_flight)
        if left and cancel_stragglers:
            current = asyncio.current_task()
            tasks = {t for t in self._in_flight.values() if t is not None and t is not current}
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=max(grace, 0.1))
        return left
