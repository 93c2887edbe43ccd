"""The usage writer lingers after the first record and writes a batch in one call.

The linger is an injected ``sleep`` that returns only when the test releases it,
so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio

from byokey_proxy import UsageRecorder
from byokey_types import UsageRecord


class _CountingStore:
    """A ``UsageStore`` that records every call (and offers ``record_many``)."""

    def __init__(self) -> None:
        self.batches: list[list[UsageRecord]] = []
        self.singles: list[UsageRecord] = []
        self.wrote = asyncio.Event()

    async def record(self, rec: UsageRecord) -> None:
        self.singles.append(rec)
        self.wrote.set()

    async def record_many(self, recs: list[UsageRecord]) -> None:
        self.batches.append(list(recs))
        self.wrote.set()

    async def query(self, *args: object, **kwargs: object) -> list[object]:
        return []

    async def totals(self, *args: object, **kwargs: object) -> list[object]:
        return []

    @property
    def calls(self) -> int:
        return len(self.batches) + len(self.singles)


class _GatedSleep:
    """``asyncio.sleep`` stand-in: every sleep ends when the test opens the gate."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.started = asyncio.Event()
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.started.set()
        await self.gate.wait()


def _rec(i: int) -> UsageRecord:
    return UsageRecord(model=f"m{i % 3}", provider="codex", input_tokens=i)


async def _settle() -> None:
    for _ in range(20):  # bounded: let the writer task run what is runnable
        await asyncio.sleep(0)


async def test_records_queued_while_lingering_become_one_write() -> None:
    store = _CountingStore()
    sleep = _GatedSleep()
    recorder = UsageRecorder(store, linger=1.0, sleep=sleep)  # type: ignore[arg-type]
    recorder.start()
    try:
        recorder.record(_rec(0))
        await asyncio.wait_for(sleep.started.wait(), 5)
        for i in range(1, 10):
            recorder.record(_rec(i))
        await _settle()
        assert store.calls == 0  # still lingering
        assert recorder.totals.total_requests == 10  # counters are immediate
        assert recorder.pending == 10
        sleep.gate.set()
        await asyncio.wait_for(store.wrote.wait(), 5)
        await _settle()
        assert store.calls == 1
        assert [r.input_tokens for r in store.batches[0]] == list(range(10))
        assert sleep.delays == [1.0]
    finally:
        await recorder.aclose()


async def test_a_full_batch_is_written_without_waiting_for_the_linger() -> None:
    store = _CountingStore()
    sleep = _GatedSleep()  # never opened
    recorder = UsageRecorder(store, sleep=sleep)  # type: ignore[arg-type]
    recorder.start()
    try:
        recorder.record(_rec(0))
        await asyncio.wait_for(sleep.started.wait(), 5)
        for i in range(1, 64):
            recorder.record(_rec(i))
        await asyncio.wait_for(store.wrote.wait(), 5)
        await _settle()
        assert store.calls == 1
        assert len(store.batches[0]) == 64
        assert recorder.pending == 0
    finally:
        await recorder.aclose()


async def test_aclose_while_lingering_writes_everything() -> None:
    store = _CountingStore()
    sleep = _GatedSleep()  # never opened: aclose must not wait for it
    recorder = UsageRecorder(store, sleep=sleep)  # type: ignore[arg-type]
    recorder.start()
    recorder.record(_rec(0))
    await asyncio.wait_for(sleep.started.wait(), 5)
    for i in range(1, 100):
        recorder.record(_rec(i))
    await recorder.aclose()
    written = [r.input_tokens for batch in store.batches for r in batch] + [
        r.input_tokens for r in store.singles
    ]
    assert written == list(range(100))
    assert recorder.pending == 0
