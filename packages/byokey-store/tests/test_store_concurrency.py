"""Concurrent writers lose nothing; a crash or a cancellation mid-write leaves no half-write."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from byokey_store import SqlStore, open_store
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken
from byokey_types.usage import UsageRecord

WRITERS = 50
PER_WRITER = 10


async def _writer(store: SqlStore, n: int) -> None:
    for i in range(PER_WRITER):
        await store.usage.record(
            UsageRecord(f"model-{n % 5}", "claude", input_tokens=i, output_tokens=1)
        )


async def test_fifty_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    """Fifty tasks over two stores (two engines, as a server and a CLI would be) on one file."""
    path = tmp_path / "busy.db"
    async with await open_store(path) as first, await open_store(path) as second:
        await asyncio.gather(*(_writer(first if n % 2 else second, n) for n in range(WRITERS)))
        totals = await first.usage.aggregate(group_by=())
    [total] = totals
    assert total.requests == WRITERS * PER_WRITER
    assert total.output_tokens == WRITERS * PER_WRITER
    assert total.input_tokens == WRITERS * sum(range(PER_WRITER))
    with sqlite3.connect(path) as raw:
        ids = [r[0] for r in raw.execute("SELECT id FROM usage_records ORDER BY id")]
    assert ids == list(range(1, WRITERS * PER_WRITER + 1))


async def test_fifty_concurrent_writers_on_shared_memory_database() -> None:
    async with await open_store("sqlite://") as store:
        await asyncio.gather(*(_writer(store, n) for n in range(WRITERS)))
        per_model = {t.model: t.requests for t in await store.usage.aggregate()}
    assert per_model == {f"model-{k}": WRITERS // 5 * PER_WRITER for k in range(5)}


async def test_concurrent_first_saves_across_two_engines(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    async with await open_store(path) as a, await open_store(path) as b:
        await asyncio.gather(
            *(
                (a if i % 2 else b).tokens.save_account(
                    ProviderId.CLAUDE, f"acc{i:02d}", None, OAuthToken(str(i))
                )
                for i in range(20)
            )
        )
        accounts = await a.tokens.list_accounts(ProviderId.CLAUDE)
    assert len(accounts) == 20
    assert sum(x.is_active for x in accounts) == 1


async def test_cancelled_caller_never_stops_a_transaction_half_way(tmp_path: Path) -> None:
    path = tmp_path / "cancel.db"
    store = await open_store(path)
    batch = [UsageRecord("m", "claude", input_tokens=1) for _ in range(100)]
    task = asyncio.create_task(store.usage.record_many(batch))
    await asyncio.sleep(0)  # the batch is now submitted to the worker thread
    task.cancel()
    cancelled: Any = None
    try:
        await task
    except asyncio.CancelledError as exc:
        cancelled = exc
    assert cancelled is not None
    await store.aclose()  # waits for the worker to finish its transaction
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM usage_records").fetchone() == (100,)


_KILL_MID_BATCH = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    from sqlalchemy import Engine, event
    import byokey_store
    from byokey_types.usage import UsageRecord

    async def main():
        store = await byokey_store.open_store(sys.argv[1])
        await store.usage.record_many([UsageRecord("kept", "claude")] * 5)

        @event.listens_for(Engine, "after_cursor_execute")
        def die(conn, cursor, statement, params, context, executemany):
            if statement.startswith("INSERT INTO usage_records"):
                os.kill(os.getpid(), signal.SIGKILL)  # rows written, COMMIT not yet

        await store.usage.record_many([UsageRecord("lost", "claude")] * 200)

    asyncio.run(main())
    """
)


async def test_killed_mid_write_leaves_database_consistent(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", _KILL_MID_BATCH, str(path)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    async with await open_store(path) as store:
        per_model = {t.model: t.requests for t in await store.usage.aggregate()}
        await store.usage.record(UsageRecord("after", "claude"))
        after = {t.model: t.requests for t in await store.usage.aggregate()}
    assert per_model == {"kept": 5}
    assert after == {"after": 1, "kept": 5}
