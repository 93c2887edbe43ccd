"""Reading usage back out of the store: totals with successes and failures.

``byokey_types.UsageStore`` only promises the original's ``query``/``totals``,
whose buckets count requests without saying how many failed (so the original's
start-up preload turned every historical failure into a success). The stores of
``byokey_store`` also answer ``aggregate`` (grouped, optionally bucketed totals
with ``successes``); the proxy uses it whenever the store has it and falls back
to ``query``/``totals`` for any other ``UsageStore``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from byokey_types import ProviderId, UsageStore

if TYPE_CHECKING:  # byokey_store (SQLAlchemy) loads when usage is first read
    from byokey_store import UsageDimension, UsageTotal

__all__ = ["AggregatingUsageStore", "ModelTotal", "aggregating", "history_totals", "model_totals"]


@runtime_checkable
class AggregatingUsageStore(Protocol):
    """The part of ``byokey_store``'s usage stores the management API reads."""

    async def aggregate(
        self,
        *,
        start: int | None = None,
        end: int | None = None,
        group_by: Sequence[UsageDimension | str] = ("model",),
        bucket_secs: int | None = None,
        provider: ProviderId | str | None = None,
        model: str | None = None,
        account_id: str | None = None,
    ) -> list[UsageTotal]: ...


def aggregating(store: UsageStore | None) -> AggregatingUsageStore | None:
    """``store`` when it can aggregate, else None."""
    return store if isinstance(store, AggregatingUsageStore) else None


@dataclass(frozen=True, slots=True)
class ModelTotal:
    model: str
    requests: int
    successes: int
    input_tokens: int
    output_tokens: int


async def model_totals(store: UsageStore) -> list[ModelTotal]:
    """All-time totals per model; without ``aggregate`` every request counts as a success."""
    agg = aggregating(store)
    if agg is not None:
        from byokey_store import UsageDimension

        return [
            ModelTotal(t.model or "", t.requests, t.successes, t.input_tokens, t.output_tokens)
            for t in await agg.aggregate(group_by=(UsageDimension.MODEL,))
        ]
    return [
        ModelTotal(
            b["model"],
            b["request_count"],
            b["request_count"],
            b["input_tokens"],
            b["output_tokens"],
        )
        for b in await store.totals()
    ]


async def history_totals(
    store: UsageStore, start: int, end: int, *, model: str | None, bucket_secs: int
) -> list[UsageTotal]:
    """Buckets of ``[start, end)`` per model, with successes (zero-filled without ``aggregate``)."""
    agg = aggregating(store)
    if agg is not None:
        return await agg.aggregate(start=start, end=end, model=model, bucket_secs=bucket_secs)
    from byokey_store import UsageTotal

    return [
        UsageTotal(
            period_start=b["period_start"],
            provider=None,
            model=b["model"],
            account_id=None,
            requests=b["request_count"],
            successes=b["request_count"],
            input_tokens=b["input_tokens"],
            output_tokens=b["output_tokens"],
            cache_read_tokens=0,
            cache_write_tokens=0,
        )
        for b in await store.query(start, end, model=model, bucket_secs=bucket_secs)
    ]
