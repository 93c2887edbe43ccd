"""What only the SQL store has: the file, its pragmas, URLs, errors, cross-process views."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from byokey_store import BUSY_TIMEOUT_MS, SqlStore, default_database_url, open_store
from byokey_types.errors import StorageError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken
from byokey_types.usage import UsageRecord

CLAUDE = ProviderId.CLAUDE


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_new_file_and_parent_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh-dir" / "tokens.db"
    old = os.umask(0)  # even a permissive umask must not widen the file
    try:
        store = await SqlStore.open(f"sqlite:///{path}")
    finally:
        os.umask(old)
    await store.tokens.save(CLAUDE, OAuthToken("secret"))
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    wal = path.with_name("tokens.db-wal")
    assert wal.exists() and mode(wal) == 0o600
    await store.aclose()


async def test_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    async with await open_store(tmp_path / "t.db") as store:
        assert await store.sqlite_settings() == {
            "journal_mode": "wal",
            "busy_timeout": BUSY_TIMEOUT_MS,
            "foreign_keys": 1,
        }
    with sqlite3.connect(tmp_path / "t.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # persistent
    async with await open_store("sqlite://") as memory:
        settings = await memory.sqlite_settings()
        assert settings["journal_mode"] == "memory" and settings["foreign_keys"] == 1


async def test_writer_waits_for_another_process_lock(tmp_path: Path) -> None:
    """A write while another connection holds the write lock waits instead of failing."""
    path = tmp_path / "busy.db"
    async with await open_store(path) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO usage_records (model, provider) VALUES ('other', 'codex')")
        write = asyncio.create_task(store.usage.record(UsageRecord("mine", "claude")))
        await asyncio.sleep(0.3)  # let the store's writer run into the lock
        other.execute("COMMIT")
        other.close()
        await write
        models = sorted(t.model or "" for t in await store.usage.aggregate())
    assert models == ["mine", "other"]


def test_default_url_follows_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_database_url() == f"sqlite:///{tmp_path}/.byokey/tokens.db"
    store = SqlStore.open_blocking()
    assert (tmp_path / ".byokey" / "tokens.db").exists()
    assert store.target.sqlite_file == tmp_path / ".byokey" / "tokens.db"
    monkeypatch.delenv("HOME")
    with pytest.raises(StorageError, match="home directory"):
        default_database_url()


async def test_tilde_and_plain_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    async with await open_store("sqlite:///~/a/tokens.db") as store:
        assert store.target.sqlite_file == tmp_path / "a" / "tokens.db"
    async with await open_store("~/b.db") as store:
        assert store.target.sqlite_file == tmp_path / "b.db"
    with pytest.raises(StorageError, match=r"not a (usable )?database URL"):
        await open_store("nodriver://")


async def test_memory_databases_are_private() -> None:
    async with await open_store("sqlite://") as one, await open_store("sqlite:///:memory:") as two:
        await one.tokens.save(CLAUDE, OAuthToken("one"))
        assert await two.tokens.load(CLAUDE) is None
        assert one.target.is_memory and two.target.is_memory


async def test_no_stale_cache_across_processes(tmp_path: Path) -> None:
    """Decision on spec §2.5.1: no cache, so a server sees the CLI's ``switch`` at once."""
    path = tmp_path / "shared.db"
    async with await open_store(path) as server, await open_store(path) as cli:
        await server.tokens.save_account(CLAUDE, "a", None, OAuthToken("a"))
        await server.tokens.save_account(CLAUDE, "b", None, OAuthToken("b"))
        assert await server.tokens.load(CLAUDE) == OAuthToken("a")
        await cli.tokens.set_active(CLAUDE, "b")
        assert await server.tokens.load(CLAUDE) == OAuthToken("b")
        await cli.tokens.remove(CLAUDE)
        assert await server.tokens.load(CLAUDE) is None


async def test_partial_unique_index_rejects_a_second_active_row(tmp_path: Path) -> None:
    path = tmp_path / "idx.db"
    async with await open_store(path) as store:
        await store.tokens.save_account(CLAUDE, "a", None, OAuthToken("a"))
    with sqlite3.connect(path) as raw, pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        raw.execute(
            "INSERT INTO accounts (provider, account_id, is_active, token_json)"
            " VALUES ('claude', 'b', 1, '{}')"
        )


async def test_unparsable_token_row_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    async with await open_store(path) as store:
        await store.tokens.save(CLAUDE, OAuthToken("a"))
        with sqlite3.connect(path) as raw:
            raw.execute("UPDATE accounts SET token_json = 'not json'")
        with pytest.raises(StorageError) as err:
            await store.tokens.load(CLAUDE)
        assert str(err.value).startswith("storage error: token record is not JSON")
        with pytest.raises(StorageError):
            await store.tokens.load_all_tokens(CLAUDE)


async def test_timestamps_on_insert_and_update(tmp_path: Path) -> None:
    now = [1000]
    path = tmp_path / "ts.db"
    async with await SqlStore.open(path, clock=lambda: now[0]) as store:
        await store.tokens.save_account(CLAUDE, "a", "A", OAuthToken("a1"))
        now[0] = 2000
        await store.tokens.save_account(CLAUDE, "a", None, OAuthToken("a2"))
    with sqlite3.connect(path) as raw:
        row = raw.execute(
            "SELECT created_at, updated_at, label, token_json FROM accounts"
        ).fetchone()
    assert row[:3] == (1000, 2000, "A")
    assert row[3] == '{"access_token":"a2","token_type":"Bearer"}'


async def test_errors_carry_no_secrets_and_no_sql_chain(tmp_path: Path) -> None:
    async with await open_store(tmp_path / "e.db") as store:
        await store.history.create_conversation("c1", "m", "claude", title="sk-secret-title")
        with pytest.raises(StorageError) as err:
            await store.history.create_conversation("c1", "m", "claude", title="sk-secret-title")
    text = str(err.value)
    assert "UNIQUE constraint failed: conversations.id" in text
    assert "sk-secret" not in text and "INSERT" not in text
    assert err.value.__cause__ is None and err.value.__suppress_context__


async def test_reprs_hide_everything_secret(tmp_path: Path) -> None:
    async with await open_store("sqlite://") as store:
        await store.tokens.save(CLAUDE, OAuthToken("sk-very-secret-123456789"))
        for obj in (store, store.tokens, store.usage):
            assert "secret" not in repr(obj)


async def test_closed_store_refuses_work_and_close_is_idempotent() -> None:
    store = await open_store("sqlite://")
    await store.aclose()
    await store.aclose()
    with pytest.raises(StorageError, match="closed"):
        await store.tokens.load(CLAUDE)


async def test_exception_inside_a_transaction_rolls_all_of_it_back(tmp_path: Path) -> None:
    """``set_active`` fails after deactivating the old account: the old one stays active."""
    async with await open_store(tmp_path / "rb.db") as store:
        await store.tokens.save_account(CLAUDE, "a", None, OAuthToken("a"))
        await store.tokens.save_account(CLAUDE, "b", None, OAuthToken("b"))

        def explode(*args: object) -> None:
            statement = str(args[2])
            if statement.startswith("UPDATE accounts SET is_active") and "!=" in statement:
                raise RuntimeError("disk on fire")  # after the old account was deactivated

        event.listen(Engine, "after_cursor_execute", explode)
        try:
            with pytest.raises(RuntimeError, match="disk on fire"):
                await store.tokens.set_active(CLAUDE, "b")
        finally:
            event.remove(Engine, "after_cursor_execute", explode)
        assert await store.tokens.load(CLAUDE) == OAuthToken("a")
        assert [a.is_active for a in await store.tokens.list_accounts(CLAUDE)] == [True, False]
