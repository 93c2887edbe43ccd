"""A per-key quiet period after a failed refresh, so a failing token endpoint is not hammered.

Keyed by ``(provider, account)``: one account's failed refresh must not block the
refresh of another account of the same provider (the original kept one timer per
provider). Measured on a monotonic clock so a wall-clock jump cannot shorten it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Cooldown"]

K = TypeVar("K", bound=Hashable)


class Cooldown(Generic[K]):
    """Remembers when each key last started an attempt."""

    __slots__ = ("_monotonic", "_period", "_started")

    def __init__(self, period: float, monotonic: Callable[[], float]) -> None:
        self._period = max(period, 0.0)
        self._monotonic = monotonic
        self._started: dict[K, float] = {}

    @property
    def period(self) -> float:
        return self._period

    def start(self, key: K) -> None:
        """An attempt for ``key`` begins now."""
        self._started[key] = self._monotonic()

    def remaining(self, key: K) -> float:
        """Seconds until ``key`` may try again (0 when it may try now)."""
        started = self._started.get(key)
        if started is None:
            return 0.0
        left = started + self._period - self._monotonic()
        if left <= 0:
            del self._started[key]
            return 0.0
        return left

    def active(self, key: K) -> bool:
        return self.remaining(key) > 0

    def clear(self, key: K) -> None:
        """Forget ``key`` (a fresh login replaces whatever failed)."""
        self._started.pop(key, None)

    def __repr__(self) -> str:
        return f"Cooldown(period={self._period}, keys={len(self._started)})"
