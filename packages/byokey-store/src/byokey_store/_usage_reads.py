"""The read side shared by both usage stores, built on one ``_aggregate`` primitive.

Each store implements ``_aggregate(UsageQuery)``; everything callers use — the
``UsageStore`` protocol's ``query``/``totals`` and the richer ``aggregate`` —
is defined once here, so the two stores cannot drift apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from byokey_store._usage_aggregation import UsageDimension, UsageQuery, UsageTotal
from byokey_types.provider import ProviderId
from byokey_types.usage import UsageBucket, UsageRecord

__all__ = ["UsageReads"]


class UsageReads(ABC):
    """Aggregation queries over stored usage records."""

    @abstractmethod
    async def _aggregate(self, query: UsageQuery) -> list[UsageTotal]: ...

    @abstractmethod
    async def record(self, record: UsageRecord) -> None: ...

    async def aggregate(
        self,
        *,
        start: int | None = None,
        end: int | None = None,
        group_by: Sequence[UsageDimension | str] = (UsageDimension.MODEL,),
        bucket_secs: int | None = None,
        provider: ProviderId | str | None = None,
        model: str | None = None,
        account_id: str | None = None,
    ) -> list[UsageTotal]:
        """Totals per group (and per time bucket when ``bucket_secs`` is given).

        Bounds are half-open and optional; filters narrow before grouping.
        Ordered by period, then provider, model, account.
        """
        query = UsageQuery.build(
            start=start,
            end=end,
            group_by=group_by,
            bucket_secs=bucket_secs,
            provider=provider,
            model=model,
            account_id=account_id,
        )
        return await self._aggregate(query)

    async def query(
        self, start: int, end: int, *, model: str | None = None, bucket_secs: int = 3600
    ) -> list[UsageBucket]:
        """History buckets of ``[start, end)`` per model (the original's ``query``)."""
        totals = await self.aggregate(start=start, end=end, model=model, bucket_secs=bucket_secs)
        return [t.to_bucket() for t in totals]

    async def totals(self, start: int | None = None, end: int | None = None) -> list[UsageBucket]:
        """All-time (or bounded) totals per model, ``period_start`` 0."""
        return [t.to_bucket() for t in await self.aggregate(start=start, end=end)]
