"""Usage accounting kept off the request path.

``record`` is synchronous and never waits: it bumps the in-memory counters that
``GET /v0/management/usage`` shows and puts the record on a bounded queue. One
background task drains the queue in batches into the persistent store, so a
slow disk or database never delays a response. When the queue is full the
record still counts in memory and the drop is logged (losing a history row is
better than stalling every client).

The writer lingers: after the first queued record it waits up to ``linger``
seconds (or until ``_BATCH`` records are queued) and writes them in one
transaction. At low concurrency a commit per request was most of the CPU a
request cost (docs/performance.md, item 5); with lingering it is at most one
commit per second. ``aclose`` still writes everything that is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from byokey_types import UsageRecord, UsageStore

from ._usage_aggregate import ModelTotal, model_totals

__all__ = ["ModelStats", "UsageRecorder", "UsageTotals"]

_log = logging.getLogger("byokey.proxy.usage")

_BATCH = 64
_LINGER_SECS = 1.0


@dataclass(slots=True)
class ModelStats:
    requests: int = 0
    success: int = 0
    failure: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(slots=True)
class UsageTotals:
    total_requests: int = 0
    success_requests: int = 0
    failure_requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    models: dict[str, ModelStats] = field(default_factory=dict)


class UsageRecorder:
    """In-memory counters plus a write-behind queue into an optional ``UsageStore``."""

    def __init__(
        self,
        store: UsageStore | None = None,
        *,
        max_pending: int = 10_000,
        linger: float = _LINGER_SECS,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        shared: bool = False,
    ) -> None:
        """``linger``/``sleep`` set how long the writer gathers a batch (tests inject ``sleep``).

        ``shared``: other processes write to the same store (``byokey serve
        --workers N``), so :meth:`current_totals` reads the store instead of
        this process's counters.
        """
        self.store = store
        self.shared = shared and store is not None
        self.totals = UsageTotals()
        self.dropped = 0
        self._queue: asyncio.Queue[UsageRecord] = asyncio.Queue(maxsize=max_pending)
        self._task: asyncio.Task[None] | None = None
        self._linger = linger
        self._sleep = sleep
        # Set when the queue holds a full batch, so the writer stops lingering early.
        self._full = asyncio.Event()
        self._held: UsageRecord | None = None
        self._loaded: asyncio.Event | None = None  # set once a background preload ended

    # --- recording (request path) ----------------------------------------------

    def record(self, rec: UsageRecord, *, persist: bool = True) -> None:
        """Count ``rec`` now; queue it for the store unless ``persist`` is false."""
        totals = self.totals
        stats = totals.models.setdefault(rec.model, ModelStats())
        totals.total_requests += 1
        stats.requests += 1
        if rec.success:
            totals.success_requests += 1
            stats.success += 1
        else:
            totals.failure_requests += 1
            stats.failure += 1
        totals.input_tokens += rec.input_tokens
        totals.output_tokens += rec.output_tokens
        stats.input_tokens += rec.input_tokens
        stats.output_tokens += rec.output_tokens
        if self.store is None or not persist:
            return
        try:
            self._queue.put_nowait(rec)
            if self._queue.qsize() >= _BATCH - 1:
                self._full.set()
        except asyncio.QueueFull:
            self.dropped += 1
            _log.warning("usage queue full; dropped a history record (%d so far)", self.dropped)

    # --- lifecycle ---------------------------------------------------------------

    async def preload(self) -> None:
        """Add the store's all-time totals to the counters (spec §6.3).

        Unlike the original, historical failures stay failures when the store
        can aggregate (``byokey_store``'s stores can).
        """
        if self.store is None:
            return
        try:
            rows = await model_totals(self.store)
        except Exception as exc:  # a broken store must not stop the server
            _log.warning("usage preload failed: %s", exc)
            return
        _add_rows(self.totals, rows)

    async def current_totals(self) -> UsageTotals:
        """The totals the management API shows.

        This process's counters, or — when the store is ``shared`` — the
        store's all-time totals after writing what this process still holds
        (another worker's last second of records may not be there yet).
        """
        await self.loaded()
        if not self.shared or self.store is None:
            return self.totals
        await self.flush()
        totals = UsageTotals()
        _add_rows(totals, await model_totals(self.store))
        return totals

    def start(self, *, preload: bool = False) -> None:
        """Start the writer; with ``preload`` it first runs :meth:`preload`.

        Preloading in the writer task lets the listeners open before the store
        has (``byokey serve`` opens it in the background), and no record is
        written before the totals are read, so none is counted twice. Records
        meanwhile wait in the queue; :meth:`loaded` waits for the preload.
        """
        if self.store is not None and self._task is None:
            self._loaded = asyncio.Event() if preload else None
            self._task = asyncio.create_task(
                self._preload_then_drain() if preload else self._drain_forever(),
                name="byokey-usage-writer",
            )

    async def loaded(self) -> None:
        """Return once a preload started by ``start(preload=True)`` has ended."""
        if self._loaded is not None:
            await self._loaded.wait()

    async def flush(self) -> None:
        """Write everything queued so far (tests and shutdown), after the preload."""
        await self.loaded()
        await self._write_batch(drain_all=True)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush()

    @property
    def pending(self) -> int:
        return self._queue.qsize() + (self._held is not None)

    # --- the writer ----------------------------------------------------------------

    async def _preload_then_drain(self) -> None:
        try:
            await self.preload()
        finally:  # also when cancelled: ``aclose`` then flushes what is queued
            if self._loaded is not None:
                self._loaded.set()
        await self._drain_forever()

    async def _drain_forever(self) -> None:
        while True:
            # While lingering the first record is held, not lost: a cancel
            # (``aclose``) leaves it for ``flush``, which writes it first.
            self._held = await self._queue.get()
            if self._linger > 0 and self._queue.qsize() < _BATCH - 1:
                await self._wait_for_batch()
            self._full.clear()
            await self._write(self._take(_BATCH))

    async def _wait_for_batch(self) -> None:
        """Return after ``linger`` seconds or as soon as a full batch is queued."""
        self._full.clear()
        sleeper = asyncio.ensure_future(self._sleep(self._linger))
        filled = asyncio.ensure_future(self._full.wait())
        try:
            await asyncio.wait({sleeper, filled}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            filled.cancel()

    def _take(self, limit: int) -> list[UsageRecord]:
        batch: list[UsageRecord] = []
        if self._held is not None:
            batch.append(self._held)
            self._held = None
        while len(batch) < limit:
            try:
                batch.append(self._queue.get_nowait())
            except asyncio.QueueEmpty:
                break
        return batch

    async def _write_batch(self, *, drain_all: bool) -> None:
        while True:
            batch = self._take(_BATCH)
            if not batch:
                return
            await self._write(batch)
            if not drain_all:
                return

    async def _write(self, batch: list[UsageRecord]) -> None:
        """One transaction per batch when the store offers ``record_many``.

        If the batch write fails, records are retried one by one so a single bad
        record costs only itself.
        """
        store = self.store
        if store is None:
            return
        many = getattr(store, "record_many", None)
        if callable(many) and len(batch) > 1:
            try:
                await many(batch)
                return
            except Exception as exc:
                _log.warning("usage batch write failed, retrying one by one: %s", exc)
        for rec in batch:
            try:
                await store.record(rec)
            except Exception as exc:  # logged only: history is best-effort
                _log.warning("usage write failed: %s", exc)


def _add_rows(totals: UsageTotals, rows: Iterable[ModelTotal]) -> None:
    for row in rows:
        stats = totals.models.setdefault(row.model, ModelStats())
        failures = max(0, row.requests - row.successes)
        totals.total_requests += row.requests
        totals.success_requests += row.successes
        totals.failure_requests += failures
        totals.input_tokens += row.input_tokens
        totals.output_tokens += row.output_tokens
        stats.requests += row.requests
        stats.success += row.successes
        stats.failure += failures
        stats.input_tokens += row.input_tokens
        stats.output_tokens += row.output_tokens
