"""A usage store in a list, for tests and embedding, with the SQL store's semantics.

Records get ``created_at`` from the injected clock (the caller cannot supply
it, like the original); aggregation is :func:`aggregate_in_memory`, which the
contract suite holds to the SQL store's answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from byokey_store._usage_aggregation import UsageQuery, UsageTotal, aggregate_in_memory
from byokey_store._usage_reads import UsageReads
from byokey_store._usage_rows import usage_row
from byokey_types.usage import UsageRecord

__all__ = ["InMemoryUsageStore"]


def _now() -> int:
    return int(time.time())


class InMemoryUsageStore(UsageReads):
    """``UsageStore`` over a process-local list."""

    def __init__(self, *, clock: Callable[[], int] = _now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._rows: list[tuple[int, UsageRecord]] = []

    def __repr__(self) -> str:
        return f"InMemoryUsageStore(records={len(self._rows)})"

    async def record(self, record: UsageRecord) -> None:
        await self.record_many([record])

    async def record_many(self, records: Iterable[UsageRecord]) -> None:
        """Store every record or none (a malformed one raises ``InvalidRequest``)."""
        batch = list(records)
        now = self._clock()
        for rec in batch:
            usage_row(rec, now)
        with self._lock:
            self._rows.extend((now, r) for r in batch)

    async def _aggregate(self, query: UsageQuery) -> list[UsageTotal]:
        with self._lock:
            rows = list(self._rows)
        return aggregate_in_memory(rows, query)
