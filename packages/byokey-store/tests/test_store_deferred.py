"""``DeferredStore``: calls made while the database is still opening wait, and nothing is lost.

The open is held back the way a real server meets it: another connection holds the
SQLite write lock, so the migration's ``BEGIN IMMEDIATE`` waits (within the busy
timeout) until the test lets go.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from byokey_store import DeferredStore, SqlStore, UsageDimension
from byokey_types import OAuthToken, ProviderId, StorageError, UsageRecord

# Long enough that a wrongly unblocked call would have finished; the lock, not this
# pause, is what keeps the open waiting (well inside the 5 s busy timeout).
_BLOCKED_PAUSE = 0.3


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the database file from a foreign connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@pytest.fixture
async def db_file(tmp_path: Path, clock: Callable[[], int]) -> Path:
    """A database already at head (so opening it takes the write lock only to check)."""
    path = tmp_path / "tokens.db"
    store = await SqlStore.open(path, clock=clock)
    await store.aclose()
    return path


async def test_a_record_written_while_opening_is_persisted(
    db_file: Path, clock: Callable[[], int]
) -> None:
    deferred = DeferredStore(db_file, clock=clock)
    with write_locked(db_file):
        deferred.start()
        write = asyncio.ensure_future(
            deferred.usage.record_many([UsageRecord("early", "claude", input_tokens=7)])
        )
        await asyncio.sleep(_BLOCKED_PAUSE)
        assert not deferred.is_open
        assert not write.done(), "the write waits for the open instead of failing"
    await write
    assert deferred.is_open
    await deferred.aclose()

    reopened = await SqlStore.open(db_file, clock=clock)
    try:
        rows = await reopened.usage.aggregate(group_by=(UsageDimension.MODEL,))
    finally:
        await reopened.aclose()
    assert [(r.model, r.requests, r.input_tokens) for r in rows] == [("early", 1, 7)]


async def test_a_usage_read_waits_for_the_open(db_file: Path, clock: Callable[[], int]) -> None:
    before = await SqlStore.open(db_file, clock=clock)
    await before.usage.record(UsageRecord("old", "codex", output_tokens=3))
    await before.aclose()

    deferred = DeferredStore(db_file, clock=clock)
    try:
        with write_locked(db_file):
            read = asyncio.ensure_future(deferred.usage.totals())  # starts the open itself
            await asyncio.sleep(_BLOCKED_PAUSE)
            assert deferred.started and not read.done()
        buckets = await read
    finally:
        await deferred.aclose()
    assert [(b["model"], b["request_count"], b["output_tokens"]) for b in buckets] == [
        ("old", 1, 3)
    ]


async def test_a_cancelled_caller_does_not_cancel_the_open(db_file: Path) -> None:
    deferred = DeferredStore(db_file)
    try:
        with write_locked(db_file):
            waiter = asyncio.ensure_future(deferred.tokens.load(ProviderId.CLAUDE))
            await asyncio.sleep(0)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        token = OAuthToken(access_token="at-1")
        await deferred.tokens.save(ProviderId.CLAUDE, token)
        assert await deferred.tokens.load(ProviderId.CLAUDE) == token
    finally:
        await deferred.aclose()


async def test_a_failed_open_fails_every_call_with_its_error(tmp_path: Path) -> None:
    deferred = DeferredStore(tmp_path)  # a directory is no database file
    deferred.start()
    with pytest.raises(StorageError) as opened:
        await deferred.ready()
    with pytest.raises(StorageError) as loaded:
        await deferred.tokens.load(ProviderId.CLAUDE)
    with pytest.raises(StorageError):
        await deferred.usage.record(UsageRecord("m", "claude"))
    assert str(loaded.value) == str(opened.value)
    assert not deferred.is_open
    await deferred.aclose()  # nothing to close, no error


async def test_aclose_waits_for_an_open_in_progress_and_closes_it(db_file: Path) -> None:
    deferred = DeferredStore(db_file)
    with write_locked(db_file):
        deferred.start()
        closing = asyncio.ensure_future(deferred.aclose())
        await asyncio.sleep(_BLOCKED_PAUSE)
        assert not closing.done()
    await closing
    with pytest.raises(StorageError, match="closed"):
        await deferred.tokens.list_accounts(ProviderId.CLAUDE)


async def test_aclose_of_a_store_never_started_opens_nothing(tmp_path: Path) -> None:
    path = tmp_path / "never.db"
    deferred = DeferredStore(path)
    await deferred.aclose()
    assert not deferred.started
    assert not path.exists()


def test_import_and_construction_load_no_sqlalchemy(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "import byokey_store\n"
        f"byokey_store.DeferredStore({str(tmp_path / 'x.db')!r})\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
