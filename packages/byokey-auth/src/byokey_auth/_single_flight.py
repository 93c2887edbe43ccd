"""Merging concurrent calls for the same key into one piece of work.

A hundred requests that find the same token expired must cause one refresh, not a
hundred (and with refresh-token rotation, 99 of those would fail with
``invalid_grant``). The first caller starts the work as a task; everyone who asks
for the same key while it runs awaits that task and gets its result or its error.
The task is shielded, so a caller that gives up (a client disconnect cancels it)
does not cancel the refresh the others are waiting for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["SingleFlight"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """At most one running task per key; concurrent callers share it."""

    __slots__ = ("_flights",)

    def __init__(self) -> None:
        self._flights: dict[K, asyncio.Task[V]] = {}

    def in_flight(self, key: K) -> bool:
        return key in self._flights

    def start(self, key: K, work: Callable[[], Coroutine[Any, Any, V]]) -> asyncio.Task[V]:
        """The running task for ``key``, starting ``work()`` when there is none."""
        task = self._flights.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(work())
            self._flights[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    async def run(self, key: K, work: Callable[[], Coroutine[Any, Any, V]]) -> V:
        """Join (or start) the flight for ``key`` and return its outcome."""
        return await asyncio.shield(self.start(key, work))

    def _finished(self, key: K, task: asyncio.Task[V]) -> None:
        if self._flights.get(key) is task:
            del self._flights[key]
        if not task.cancelled():
            # Mark the exception retrieved: a flight whose callers all went away
            # must not print "exception was never retrieved".
            task.exception()

    async def aclose(self) -> None:
        """Cancel every running flight and wait for them to end."""
        tasks = list(self._flights.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def __repr__(self) -> str:
        return f"SingleFlight(in_flight={len(self._flights)})"
