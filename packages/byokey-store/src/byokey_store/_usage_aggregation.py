"""Usage aggregation: the question (``UsageQuery``) and the typed answer (``UsageTotal``).

Both usage stores answer the same ``UsageQuery``: the SQL store in SQL, the
in-memory store with :func:`aggregate_in_memory`. Keeping validation, ordering
and the result type here is what makes their answers identical (the shared
contract suite checks it).

The management API needs three shapes, all one query each:

* totals per model (what ``GET /v0/management/usage`` preloads at startup —
  with success and failure counts, so a restart no longer turns failures into
  successes);
* totals per provider, per account (``group_by=(PROVIDER, ACCOUNT)``);
* history buckets over a time range (``bucket_secs``; pick it from the span
  with :func:`history_bucket_secs`, the original's HTTP rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from byokey_types.errors import InvalidRequest
from byokey_types.provider import ProviderId
from byokey_types.usage import UsageBucket, UsageRecord

__all__ = [
    "UsageDimension",
    "UsageQuery",
    "UsageTotal",
    "aggregate_in_memory",
    "history_bucket_secs",
]

_HOUR = 3600
_DAY = 86_400


def history_bucket_secs(span_secs: int) -> int:
    """Bucket width for a history range: ≤ 1 day → 1 h, ≤ 7 days → 6 h, else 1 day."""
    if span_secs <= _DAY:
        return _HOUR
    if span_secs <= 7 * _DAY:
        return 6 * _HOUR
    return _DAY


class UsageDimension(StrEnum):
    """What usage can be grouped by (besides time)."""

    PROVIDER = "provider"
    MODEL = "model"
    ACCOUNT = "account_id"


_DIMENSION_ORDER = (UsageDimension.PROVIDER, UsageDimension.MODEL, UsageDimension.ACCOUNT)


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """A validated aggregation request; build it with :meth:`build`.

    Time bounds are half-open (``start <= created_at < end``), each optional.
    ``bucket_secs`` None means no time buckets (``period_start`` is 0).
    """

    start: int | None
    end: int | None
    group_by: tuple[UsageDimension, ...]
    bucket_secs: int | None
    provider: str | None
    model: str | None
    account_id: str | None

    @classmethod
    def build(
        cls,
        *,
        start: int | None = None,
        end: int | None = None,
        group_by: Sequence[UsageDimension | str] = (UsageDimension.MODEL,),
        bucket_secs: int | None = None,
        provider: ProviderId | str | None = None,
        model: str | None = None,
        account_id: str | None = None,
    ) -> UsageQuery:
        if bucket_secs is not None and (isinstance(bucket_secs, bool) or bucket_secs <= 0):
            raise InvalidRequest("bucket_secs must be a positive number of seconds")
        try:
            wanted = {UsageDimension(d) for d in group_by}
        except ValueError:
            names = ", ".join(d.value for d in UsageDimension)
            raise InvalidRequest(f"usage can be grouped by {names} only") from None
        return cls(
            start=start,
            end=end,
            group_by=tuple(d for d in _DIMENSION_ORDER if d in wanted),
            bucket_secs=bucket_secs,
            provider=None if provider is None else str(provider),
            model=model,
            account_id=account_id,
        )

    def includes(self, created_at: int, record: UsageRecord) -> bool:
        """Whether a stored record falls inside this query's range and filters."""
        return (
            (self.start is None or created_at >= self.start)
            and (self.end is None or created_at < self.end)
            and (self.provider is None or record.provider == self.provider)
            and (self.model is None or record.model == self.model)
            and (self.account_id is None or record.account_id == self.account_id)
        )

    def period_of(self, created_at: int) -> int:
        return 0 if self.bucket_secs is None else created_at // self.bucket_secs * self.bucket_secs


@dataclass(frozen=True, slots=True)
class UsageTotal:
    """Aggregated usage of one group (and one time bucket when bucketed).

    A dimension not grouped by is None. When grouped by account, None means the
    requests carried no account (API keys).
    """

    period_start: int
    provider: str | None
    model: str | None
    account_id: str | None
    requests: int
    """Every request, failed ones included (the original's ``request_count``)."""
    successes: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int

    @property
    def failures(self) -> int:
        return self.requests - self.successes

    def to_bucket(self) -> UsageBucket:
        """The original's ``UsageBucket`` JSON shape (model ``""`` when not grouped by it)."""
        return {
            "period_start": self.period_start,
            "model": self.model or "",
            "request_count": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with only the grouped dimensions."""
        out: dict[str, Any] = {"period_start": self.period_start}
        for name in ("provider", "model", "account_id"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(
            requests=self.requests,
            successes=self.successes,
            failures=self.failures,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_read_tokens=self.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens,
        )
        return out


def sort_key(total: UsageTotal) -> tuple[Any, ...]:
    """Period, then provider, model, account; None first (SQLite's NULL order)."""
    return (
        total.period_start,
        *((v is not None, v or "") for v in (total.provider, total.model, total.account_id)),
    )


def aggregate_in_memory(
    rows: Iterable[tuple[int, UsageRecord]], query: UsageQuery
) -> list[UsageTotal]:
    """Aggregate ``(created_at, record)`` pairs exactly as the SQL store does."""
    groups: dict[tuple[int, str | None, str | None, str | None], list[int]] = {}
    dims = set(query.group_by)
    for created_at, rec in rows:
        if not query.includes(created_at, rec):
            continue
        key = (
            query.period_of(created_at),
            rec.provider if UsageDimension.PROVIDER in dims else None,
            rec.model if UsageDimension.MODEL in dims else None,
            rec.account_id if UsageDimension.ACCOUNT in dims else None,
        )
        acc = groups.setdefault(key, [0, 0, 0, 0, 0, 0])
        acc[0] += 1
        acc[1] += 1 if rec.success else 0
        acc[2] += rec.input_tokens
        acc[3] += rec.output_tokens
        acc[4] += rec.cache_read_tokens
        acc[5] += rec.cache_write_tokens
    totals = [UsageTotal(*key, *acc) for key, acc in groups.items()]
    return sorted(totals, key=sort_key)
