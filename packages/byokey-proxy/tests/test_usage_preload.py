"""``start(preload=True)``: the totals preload runs in the writer task, in the background.

``byokey serve`` opens its store after the listeners accept, so the preload may wait
for it. Records counted meanwhile are queued and written only after the store's
totals were read (none counted twice), the management totals wait for the preload,
and a shutdown during the preload still writes everything queued.
"""

from __future__ import annotations

import asyncio

from byokey_proxy import UsageRecorder
from byokey_types import UsageRecord


class _GatedTotalsStore:
    """A ``UsageStore`` whose ``totals`` (the preload's read) waits for the test."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.read = asyncio.Event()
        self.written: list[UsageRecord] = []
        self.written_before_read = 0

    async def record(self, rec: UsageRecord) -> None:
        await self.record_many([rec])

    async def record_many(self, recs: list[UsageRecord]) -> None:
        if not self.read.is_set():
            self.written_before_read += len(recs)
        self.written.extend(recs)

    async def query(self, *args: object, **kwargs: object) -> list[object]:
        return []

    async def totals(self, *args: object, **kwargs: object) -> list[dict[str, object]]:
        await self.gate.wait()
        self.read.set()
        bucket = {"period_start": 0, "model": "old", "request_count": 2}
        return [bucket | {"input_tokens": 5, "output_tokens": 1}]


async def _settle() -> None:
    for _ in range(20):  # bounded: let the writer task run what is runnable
        await asyncio.sleep(0)


async def test_records_during_the_preload_are_written_after_it_and_counted_once() -> None:
    store = _GatedTotalsStore()
    recorder = UsageRecorder(store, linger=0)  # type: ignore[arg-type]
    recorder.start(preload=True)
    try:
        recorder.record(UsageRecord(model="new", provider="codex", input_tokens=3))
        shown = asyncio.ensure_future(recorder.current_totals())
        await _settle()
        assert recorder.totals.total_requests == 1, "counted at once"
        assert store.written == [], "nothing written before the totals are read"
        assert not shown.done(), "the management totals wait for the preload"
        store.gate.set()
        totals = await asyncio.wait_for(shown, 5)
        assert totals.total_requests == 3
        assert totals.input_tokens == 8
        assert sorted(totals.models) == ["new", "old"]
        await asyncio.wait_for(recorder.flush(), 5)
        assert [r.model for r in store.written] == ["new"]
        assert store.written_before_read == 0
    finally:
        await recorder.aclose()


async def test_a_shutdown_during_the_preload_still_writes_the_queue() -> None:
    store = _GatedTotalsStore()
    recorder = UsageRecorder(store, linger=0)  # type: ignore[arg-type]
    recorder.start(preload=True)
    recorder.record(UsageRecord(model="late", provider="claude"))
    await _settle()
    await asyncio.wait_for(recorder.aclose(), 5)
    assert [r.model for r in store.written] == ["late"]
    assert recorder.pending == 0


async def test_without_preload_nothing_waits() -> None:
    store = _GatedTotalsStore()  # its totals would block forever: never called
    recorder = UsageRecorder(store, linger=0)  # type: ignore[arg-type]
    recorder.start()
    try:
        recorder.record(UsageRecord(model="m", provider="claude"))
        totals = await asyncio.wait_for(recorder.current_totals(), 5)
        assert totals.total_requests == 1
        await asyncio.wait_for(recorder.flush(), 5)
        assert [r.model for r in store.written] == ["m"]
    finally:
        await recorder.aclose()
