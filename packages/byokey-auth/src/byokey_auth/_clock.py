"""Time sources for the token lifecycle.

Expiry checks need wall time (``expires_at`` is Unix seconds) while cooldowns and
device-code deadlines need a clock that never jumps; both, and the sleep the
refresh loop and device polling use, are injectable so tests run instantly.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock Unix time in seconds."""
        ...

    def monotonic(self) -> float:
        """A clock for measuring intervals; never goes backwards."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clocks and ``asyncio.sleep``."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to, or when something sleeps on it.

    ``sleep`` advances both clocks by the requested amount and yields to the loop
    once, so polling loops and the refresh loop make progress without real waiting.
    ``sleeps`` records every requested sleep so tests can check intervals.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self._wall = start
        self._mono = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)
