"""With ``shared`` (``serve --workers N``) the management totals come from the store,
so every worker's requests count, whichever worker is asked."""

from __future__ import annotations

from byokey_proxy import UsageRecorder
from byokey_store import InMemoryUsageStore
from byokey_types import UsageRecord


def _rec(model: str, ok: bool = True) -> UsageRecord:
    return UsageRecord(
        model=model, provider="lab", input_tokens=3, output_tokens=2, success=ok, status=200
    )


async def test_each_worker_sees_every_workers_requests() -> None:
    store = InMemoryUsageStore()
    one = UsageRecorder(store, shared=True)
    two = UsageRecorder(store, shared=True)
    one.record(_rec("a"))
    one.record(_rec("a", ok=False))
    two.record(_rec("b"))
    await two.flush()  # the other worker's writer ran
    seen = await one.current_totals()  # flushes its own queue first
    assert (seen.total_requests, seen.success_requests, seen.failure_requests) == (3, 2, 1)
    assert (seen.input_tokens, seen.output_tokens) == (9, 6)
    assert {m: s.requests for m, s in seen.models.items()} == {"a": 2, "b": 1}
    assert (await two.current_totals()).total_requests == 3


async def test_a_single_process_shows_its_own_counters() -> None:
    recorder = UsageRecorder(InMemoryUsageStore())
    recorder.record(_rec("a"))
    assert await recorder.current_totals() is recorder.totals
    assert recorder.totals.total_requests == 1


async def test_shared_without_a_store_is_the_counters() -> None:
    recorder = UsageRecorder(None, shared=True)
    recorder.record(_rec("a"))
    assert (await recorder.current_totals()).total_requests == 1
