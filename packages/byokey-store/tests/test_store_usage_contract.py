"""The usage-store contract (spec store §2.6 plus the port's aggregation), on every backend."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byokey_store import (
    InMemoryUsageStore,
    SqlStore,
    UsageDimension,
    UsageTotal,
    history_bucket_secs,
)
from byokey_types.errors import InvalidRequest
from byokey_types.protocols import UsageStore
from byokey_types.usage import UsageRecord

T0 = 1_760_000_400  # a multiple of 3600 plus 400 s
HOUR = 3600


def rec(model: str = "m1", provider: str = "claude", **kw: Any) -> UsageRecord:
    return UsageRecord(model=model, provider=provider, **kw)


async def record_at(store: Any, clock: Any, at: int, *records: UsageRecord) -> None:
    clock.now = at
    for r in records:
        await store.record(r)


async def test_implements_protocol(usage_store: Any) -> None:
    assert isinstance(usage_store, UsageStore)


async def test_empty_store_answers_empty(usage_store: Any) -> None:
    assert await usage_store.totals() == []
    assert await usage_store.query(0, 2**40) == []
    assert await usage_store.aggregate(group_by=()) == []


async def test_query_buckets_are_half_open_and_ordered(usage_store: Any, clock: Any) -> None:
    base = T0 - T0 % HOUR
    await record_at(usage_store, clock, base, rec("m2", input_tokens=1, output_tokens=2))
    await record_at(usage_store, clock, base + 10, rec("m1", input_tokens=3))
    await record_at(usage_store, clock, base + HOUR - 1, rec("m1", output_tokens=5))
    await record_at(usage_store, clock, base + HOUR, rec("m1", input_tokens=7))
    await record_at(usage_store, clock, base + 2 * HOUR, rec("m1", input_tokens=100))

    buckets = await usage_store.query(base, base + 2 * HOUR, bucket_secs=HOUR)
    assert buckets == [
        {
            "period_start": base,
            "model": "m1",
            "request_count": 2,
            "input_tokens": 3,
            "output_tokens": 5,
        },
        {
            "period_start": base,
            "model": "m2",
            "request_count": 1,
            "input_tokens": 1,
            "output_tokens": 2,
        },
        {
            "period_start": base + HOUR,
            "model": "m1",
            "request_count": 1,
            "input_tokens": 7,
            "output_tokens": 0,
        },
    ]
    only_m2 = await usage_store.query(base, base + 2 * HOUR, model="m2", bucket_secs=HOUR)
    assert [b["model"] for b in only_m2] == ["m2"]
    # The start bound is inclusive.
    assert len(await usage_store.query(base + HOUR, base + HOUR + 1, bucket_secs=60)) == 1


async def test_failures_are_counted_as_requests(usage_store: Any, clock: Any) -> None:
    await record_at(usage_store, clock, T0, rec(success=False), rec(success=True))
    [bucket] = await usage_store.totals()
    assert bucket["request_count"] == 2
    [total] = await usage_store.aggregate()
    assert (total.requests, total.successes, total.failures) == (2, 1, 1)


async def test_totals_respect_each_bound(usage_store: Any, clock: Any) -> None:
    await record_at(usage_store, clock, 100, rec("b"))
    await record_at(usage_store, clock, 200, rec("a"), rec("b"))
    await record_at(usage_store, clock, 300, rec("a"))

    def counts(buckets: list[Any]) -> dict[str, int]:
        assert all(b["period_start"] == 0 for b in buckets)
        assert [b["model"] for b in buckets] == sorted(b["model"] for b in buckets)
        return {b["model"]: b["request_count"] for b in buckets}

    assert counts(await usage_store.totals()) == {"a": 2, "b": 2}
    assert counts(await usage_store.totals(200)) == {"a": 2, "b": 1}
    assert counts(await usage_store.totals(None, 300)) == {"a": 1, "b": 2}
    assert counts(await usage_store.totals(200, 300)) == {"a": 1, "b": 1}
    assert counts(await usage_store.totals(301, None)) == {}


async def test_non_positive_bucket_is_rejected(usage_store: Any) -> None:
    for width in (0, -60):
        with pytest.raises(InvalidRequest):
            await usage_store.query(0, 10, bucket_secs=width)


async def test_unknown_dimension_is_rejected(usage_store: Any) -> None:
    with pytest.raises(InvalidRequest):
        await usage_store.aggregate(group_by=["colour"])


async def test_totals_per_provider_and_account(usage_store: Any, clock: Any) -> None:
    await record_at(
        usage_store,
        clock,
        T0,
        rec("m1", "claude", account_id="work", input_tokens=10, cache_read_tokens=4),
        rec("m2", "claude", account_id="work", output_tokens=3, success=False),
        rec("m1", "claude", account_id="home", input_tokens=1, cache_write_tokens=2),
        rec("gpt", "codex", input_tokens=5),
    )
    per_account = await usage_store.aggregate(
        group_by=[UsageDimension.PROVIDER, UsageDimension.ACCOUNT]
    )
    assert per_account == [
        UsageTotal(0, "claude", None, "home", 1, 1, 1, 0, 0, 2),
        UsageTotal(0, "claude", None, "work", 2, 1, 10, 3, 4, 0),
        UsageTotal(0, "codex", None, None, 1, 1, 5, 0, 0, 0),
    ]
    assert per_account[1].to_dict() == {
        "period_start": 0,
        "provider": "claude",
        "account_id": "work",
        "requests": 2,
        "successes": 1,
        "failures": 1,
        "input_tokens": 10,
        "output_tokens": 3,
        "cache_read_tokens": 4,
        "cache_write_tokens": 0,
    }
    per_provider = await usage_store.aggregate(group_by=["provider"])
    assert [(t.provider, t.requests) for t in per_provider] == [("claude", 3), ("codex", 1)]
    work_only = await usage_store.aggregate(provider="claude", account_id="work")
    assert [(t.model, t.requests) for t in work_only] == [("m1", 1), ("m2", 1)]
    [everything] = await usage_store.aggregate(group_by=())
    assert (everything.model, everything.requests, everything.input_tokens) == (None, 4, 16)


async def test_history_buckets_by_day_per_provider(usage_store: Any, clock: Any) -> None:
    day = 86_400
    start = 20_000 * day
    await record_at(usage_store, clock, start + 5, rec("m", "claude"), rec("m", "codex"))
    await record_at(usage_store, clock, start + day + 5, rec("m", "claude"))
    width = history_bucket_secs(30 * day)
    history = await usage_store.aggregate(
        start=start, end=start + 30 * day, bucket_secs=width, group_by=["provider"]
    )
    assert [(t.period_start, t.provider, t.requests) for t in history] == [
        (start, "claude", 1),
        (start, "codex", 1),
        (start + day, "claude", 1),
    ]


def test_history_bucket_rule() -> None:
    day = 86_400
    assert [history_bucket_secs(s) for s in (0, day, day + 1, 7 * day, 7 * day + 1)] == [
        3600,
        3600,
        21_600,
        21_600,
        86_400,
    ]


async def test_malformed_batch_stores_nothing(usage_store: Any) -> None:
    bad = rec(input_tokens="12")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest) as err:
        await usage_store.record_many([rec(), rec(), bad])
    assert "input_tokens" in str(err.value)
    with pytest.raises(InvalidRequest):
        await usage_store.record(rec(model=""))
    with pytest.raises(InvalidRequest):
        await usage_store.record(rec(output_tokens=-1))
    assert await usage_store.totals() == []
    await usage_store.record_many([rec(), rec()])
    assert [b["request_count"] for b in await usage_store.totals()] == [2]


async def test_repr_is_safe(usage_store: Any) -> None:
    await usage_store.record(rec())
    assert "Usage" in repr(usage_store)


# --- the SQL answers equal the in-memory reference, for arbitrary data --------------------

_records = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10 * HOUR),
        st.builds(
            UsageRecord,
            model=st.sampled_from(["a", "b", "c"]),
            provider=st.sampled_from(["claude", "codex"]),
            input_tokens=st.integers(0, 1000),
            output_tokens=st.integers(0, 1000),
            success=st.booleans(),
            account_id=st.sampled_from([None, "x", "y"]),
            cache_read_tokens=st.integers(0, 50),
            cache_write_tokens=st.integers(0, 50),
        ),
    ),
    max_size=25,
)
_dimensions = st.lists(st.sampled_from(list(UsageDimension)), unique=True, max_size=3)


@settings(max_examples=30)
@given(
    records=_records,
    group_by=_dimensions,
    bucket=st.sampled_from([None, 1, 600, HOUR, 7 * HOUR]),
    bounds=st.tuples(st.none() | st.integers(0, 10 * HOUR), st.none() | st.integers(0, 10 * HOUR)),
    model=st.sampled_from([None, "a"]),
)
def test_sql_aggregation_matches_reference(
    records: list[tuple[int, UsageRecord]],
    group_by: list[UsageDimension],
    bucket: int | None,
    bounds: tuple[int | None, int | None],
    model: str | None,
) -> None:
    async def run() -> tuple[list[UsageTotal], list[UsageTotal]]:
        now = [0]
        sql = await SqlStore.open("sqlite://", clock=lambda: now[0])
        memory = InMemoryUsageStore(clock=lambda: now[0])
        try:
            for at, r in records:
                now[0] = T0 + at
                await sql.usage.record(r)
                await memory.record(r)
            kwargs: dict[str, Any] = {
                "group_by": group_by,
                "bucket_secs": bucket,
                "start": None if bounds[0] is None else T0 + bounds[0],
                "end": None if bounds[1] is None else T0 + bounds[1],
                "model": model,
            }
            return await sql.usage.aggregate(**kwargs), await memory.aggregate(**kwargs)
        finally:
            await sql.aclose()

    got, expected = asyncio.run(run())
    assert got == expected
    assert sum(t.requests for t in got) == sum(
        1
        for at, r in records
        if (bounds[0] is None or at >= bounds[0])
        and (bounds[1] is None or at < bounds[1])
        and (model is None or r.model == model)
    )
    keys = [(t.period_start, t.provider, t.model, t.account_id) for t in got]
    assert len(keys) == len(set(keys))
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
