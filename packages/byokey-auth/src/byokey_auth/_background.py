"""The background refresh loop: sleep, refresh whatever is about to expire, repeat.

It renews tokens before a request finds them expired, so no request waits on a
token endpoint. ``serve`` runs it for the life of the process; it stops cleanly
(``async with`` or ``start``/``stop``) and survives any error of one scan.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sized
from types import TracebackType

__all__ = ["RefreshLoop"]

log = logging.getLogger(__name__)


class RefreshLoop:
    """Calls ``scan()`` every ``interval`` seconds (sleeping first, as the original).

    ``sleep`` is injectable so tests drive the loop with a manual clock. An
    ``interval`` of 0 or less disables the loop (``auth.refresh_interval_seconds: 0``).
    """

    def __init__(
        self,
        scan: Callable[[], Awaitable[Sized]],
        *,
        interval: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._scan = scan
        self._interval = interval
        self._sleep = sleep
        self._task: asyncio.Task[None] | None = None
        self.scans = 0
        """How many scans have completed (for status output and tests)."""

    @property
    def interval(self) -> float:
        return self._interval

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop on the running event loop; a no-op when running or disabled."""
        if self.running or self._interval <= 0:
            return
        self._task = asyncio.get_running_loop().create_task(self._run(), name="byokey-refresh")

    async def stop(self) -> None:
        """Cancel the loop and wait until it has stopped (idempotent)."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await self._sleep(self._interval)
            try:
                results = await self._scan()
            except Exception:
                log.exception("token refresh scan failed")
            else:
                if len(results):
                    log.debug("token refresh scan touched %d account(s)", len(results))
            self.scans += 1

    async def __aenter__(self) -> RefreshLoop:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        return f"RefreshLoop(interval={self._interval}, running={self.running}, scans={self.scans})"
