"""Migrations: fresh databases, and databases the Rust original left behind (spec §2.3).

The legacy databases are built here with raw ``sqlite3`` exactly as the
original's sea-orm migrations (or its pre-migration hand-written schema, or the
pre-0.4 single-account ``tokens`` table) left them: same DDL, ``unixepoch()``
defaults, and a ``seaql_migrations`` bookkeeping table.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from byokey_store import BASELINE_REVISIONS, SqlStore, UsageDimension, head_revision
from byokey_store._migrate import _config
from byokey_store._tables import store_metadata
from byokey_types.provider import ProviderId
from byokey_types.token import AccountInfo, OAuthToken

# --- the original's DDL, restated (sea-orm's SQLite output) ---------------------------

RUST_ACCOUNTS = """
CREATE TABLE IF NOT EXISTS "accounts" (
  "provider" text NOT NULL, "account_id" text NOT NULL, "label" text NULL,
  "is_active" boolean NOT NULL DEFAULT 1, "token_json" text NOT NULL,
  "created_at" bigint NOT NULL DEFAULT (unixepoch()),
  "updated_at" bigint NOT NULL DEFAULT (unixepoch()),
  PRIMARY KEY ("provider", "account_id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_active_account" ON "accounts" ("provider")
  WHERE is_active = 1;
"""
RUST_CONVERSATIONS = """
CREATE TABLE IF NOT EXISTS "conversations" (
  "id" text NOT NULL PRIMARY KEY, "title" text NULL, "model" text NOT NULL,
  "provider" text NOT NULL, "created_at" bigint NOT NULL DEFAULT (unixepoch()),
  "updated_at" bigint NOT NULL DEFAULT (unixepoch()));
"""
RUST_MESSAGES = """
CREATE TABLE IF NOT EXISTS "messages" (
  "id" text NOT NULL PRIMARY KEY, "conversation_id" text NOT NULL, "role" text NOT NULL,
  "content" text NOT NULL DEFAULT '', "input_tokens" bigint NULL, "output_tokens" bigint NULL,
  "model" text NULL, "finish_reason" text NULL, "duration_ms" bigint NULL,
  "extra_json" text NULL, "created_at" bigint NOT NULL DEFAULT (unixepoch()),
  CONSTRAINT "fk_messages_conversation" FOREIGN KEY ("conversation_id")
    REFERENCES "conversations" ("id") ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS "idx_messages_conversation"
  ON "messages" ("conversation_id", "created_at");
"""
RUST_USAGE = """
CREATE TABLE IF NOT EXISTS "usage_records" (
  "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "model" text NOT NULL,
  "provider" text NOT NULL, "input_tokens" bigint NOT NULL DEFAULT 0,
  "output_tokens" bigint NOT NULL DEFAULT 0, "success" boolean NOT NULL DEFAULT 1,
  "created_at" bigint NOT NULL DEFAULT (unixepoch()));
CREATE INDEX IF NOT EXISTS "idx_usage_created" ON "usage_records" ("created_at");
CREATE INDEX IF NOT EXISTS "idx_usage_model_created" ON "usage_records" ("model", "created_at");
"""
SEAQL = """
CREATE TABLE IF NOT EXISTS "seaql_migrations" (
  "version" varchar NOT NULL PRIMARY KEY, "applied_at" bigint NOT NULL);
"""
LEGACY_TOKENS = 'CREATE TABLE "tokens" ("provider" text PRIMARY KEY, "token_json" text NOT NULL);'

RUST_STEPS = [RUST_ACCOUNTS, None, RUST_CONVERSATIONS, RUST_MESSAGES, RUST_USAGE]

CLAUDE_JSON = (
    '{"access_token":"sk-ant-oat-claude","refresh_token":"rt-claude",'
    '"expires_at":1760000000,"token_type":"Bearer","future_field":{"x":1}}'
)
CODEX_JSON = '{"access_token":"codex-at"}'


def bare(access_token: str) -> OAuthToken:
    """What ``{"access_token": ...}`` reads back as (no token type stored)."""
    return OAuthToken(access_token=access_token, token_type=None)


def rust_database(path: Path, *, applied: int, tracked: bool = True) -> sqlite3.Connection:
    """A database as the Rust build leaves it after its first ``applied`` migrations."""
    db = sqlite3.connect(path)
    if tracked:
        db.executescript(SEAQL)
    for number, (name, ddl) in enumerate(zip(BASELINE_REVISIONS, RUST_STEPS, strict=True), 1):
        if number > applied:
            break
        if ddl is not None:
            db.executescript(ddl)
        if tracked:
            db.execute("INSERT INTO seaql_migrations VALUES (?, unixepoch())", (name,))
    db.commit()
    return db


def tables_and_indexes(path: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchall()
    return {(t, n) for t, n in rows}


def version_of(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT version_num FROM alembic_version")]


EXPECTED_SCHEMA = {
    ("table", "accounts"),
    ("table", "conversations"),
    ("table", "messages"),
    ("table", "usage_records"),
    ("table", "alembic_version"),
    ("index", "idx_active_account"),
    ("index", "idx_messages_conversation"),
    ("index", "idx_usage_created"),
    ("index", "idx_usage_model_created"),
    ("index", "idx_usage_account_created"),
}


async def test_fresh_database_gets_every_table_index_and_fk(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    store = await SqlStore.open(path)
    await store.aclose()
    assert tables_and_indexes(path) == EXPECTED_SCHEMA
    assert version_of(path) == [head_revision()]
    with sqlite3.connect(path) as db:
        fks = db.execute("PRAGMA foreign_key_list(messages)").fetchall()
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'messages'").fetchone()[0]
        usage_cols = {r[1] for r in db.execute("PRAGMA table_info(usage_records)")}
    assert [(f[2], f[3], f[4], f[6]) for f in fks] == [
        ("conversations", "conversation_id", "id", "CASCADE")
    ]
    assert "fk_messages_conversation" in sql
    assert {"account_id", "cache_read_tokens", "latency_ms", "status"} <= usage_cols


def test_revision_ids_fit_alembic_version_column() -> None:
    assert all(len(rev) <= 32 for rev in BASELINE_REVISIONS.values())
    assert len(head_revision()) <= 32


def test_tables_module_matches_the_migrations(tmp_path: Path) -> None:
    """The SQLModel tables and the migration scripts describe the same schema."""
    path = tmp_path / "cmp.db"
    SqlStore.open_blocking(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store_metadata)
    engine.dispose()
    assert diff == []


async def test_legacy_tokens_table_becomes_active_default_accounts(tmp_path: Path) -> None:
    path = tmp_path / "legacy.db"
    with sqlite3.connect(path) as db:
        db.execute(LEGACY_TOKENS)
        db.executemany(
            "INSERT INTO tokens VALUES (?, ?)", [("claude", CLAUDE_JSON), ("codex", CODEX_JSON)]
        )
    async with await SqlStore.open(path) as store:
        claude = await store.tokens.load(ProviderId.CLAUDE)
        assert claude == OAuthToken(
            access_token="sk-ant-oat-claude", refresh_token="rt-claude", expires_at=1_760_000_000
        )
        assert await store.tokens.load(ProviderId.CODEX) == bare("codex-at")
        assert await store.tokens.list_accounts(ProviderId.CLAUDE) == [
            AccountInfo("default", None, True)
        ]
    assert ("table", "tokens") not in tables_and_indexes(path)
    with sqlite3.connect(path) as db:
        raw = db.execute("SELECT token_json FROM accounts WHERE provider = 'claude'").fetchone()
    assert raw[0] == CLAUDE_JSON  # copied verbatim: fields this build ignores survive


async def test_rust_database_with_all_five_migrations_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "rust.db"
    db = rust_database(path, applied=5)
    db.executemany(
        "INSERT INTO accounts (provider, account_id, label, is_active, token_json)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            ("claude", "default", None, 0, CLAUDE_JSON),
            ("claude", "work", "Work", 1, '{"access_token":"work-at"}'),
            ("codex", "default", None, 1, CODEX_JSON),
        ],
    )
    db.executemany(
        "INSERT INTO usage_records (model, provider, input_tokens, output_tokens, success,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [("m", "claude", 10, 20, 1, 1000), ("m", "claude", 1, 2, 0, 1001)],
    )
    db.commit()
    db.close()

    async with await SqlStore.open(path) as store:
        assert await store.tokens.load(ProviderId.CLAUDE) == bare("work-at")
        assert await store.tokens.list_accounts(ProviderId.CLAUDE) == [
            AccountInfo("work", "Work", True),
            AccountInfo("default", None, False),
        ]
        assert await store.tokens.load_account(ProviderId.CLAUDE, "default") == (
            OAuthToken.from_json(CLAUDE_JSON)
        )
        assert await store.tokens.load(ProviderId.CODEX) == bare("codex-at")
        [total] = await store.usage.aggregate(group_by=[UsageDimension.ACCOUNT])
        assert (total.requests, total.successes, total.input_tokens) == (2, 1, 11)
    assert version_of(path) == [head_revision()]
    with sqlite3.connect(path) as db:
        # The Rust build can still open the file (its bookkeeping is intact) and insert
        # usage without knowing the port's columns.
        assert db.execute("SELECT count(*) FROM seaql_migrations").fetchone()[0] == 5
        db.execute("INSERT INTO usage_records (model, provider) VALUES ('rust', 'codex')")
    async with await SqlStore.open(path) as store:
        models = {t.model: t.requests for t in await store.usage.aggregate()}
    assert models == {"m": 2, "rust": 1}


async def test_rust_database_part_way_is_stamped_and_finished(tmp_path: Path) -> None:
    path = tmp_path / "rust3.db"
    db = rust_database(path, applied=3)
    db.execute(
        "INSERT INTO accounts (provider, account_id, token_json) VALUES ('kimi', 'default', ?)",
        (CODEX_JSON,),
    )
    db.commit()
    db.close()
    async with await SqlStore.open(path) as store:
        assert await store.tokens.load(ProviderId.KIMI) == bare("codex-at")
        await store.history.create_conversation("c1", "m", "kimi")
    assert tables_and_indexes(path) >= EXPECTED_SCHEMA


async def test_pre_migration_rust_database_keeps_every_token(tmp_path: Path) -> None:
    """Hand-made schema (no tracking table), accounts only, plus a leftover ``tokens`` table."""
    path = tmp_path / "pre.db"
    db = rust_database(path, applied=1, tracked=False)
    db.executemany(
        "INSERT INTO accounts (provider, account_id, label, is_active, token_json)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            ("claude", "work", "Work", 1, '{"access_token":"work-at"}'),
            ("claude", "default", None, 0, '{"access_token":"newer-default"}'),
        ],
    )
    db.execute(LEGACY_TOKENS)
    db.executemany(
        "INSERT INTO tokens VALUES (?, ?)",
        [("claude", '{"access_token":"stale-legacy"}'), ("qwen", '{"access_token":"qwen-at"}')],
    )
    db.commit()
    db.close()

    async with await SqlStore.open(path) as store:
        # An existing default row wins over the legacy copy; the active account stays active.
        assert await store.tokens.load(ProviderId.CLAUDE) == bare("work-at")
        assert await store.tokens.load_account(ProviderId.CLAUDE, "default") == bare(
            "newer-default"
        )
        # A provider only the legacy table knew is copied, active.
        assert await store.tokens.load(ProviderId.QWEN) == bare("qwen-at")
        # Tables an old build never had are created.
        await store.usage.aggregate()
    schema = tables_and_indexes(path)
    assert schema >= EXPECTED_SCHEMA
    assert ("table", "tokens") not in schema


async def test_opening_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    async with await SqlStore.open(path) as store:
        await store.tokens.save_account(ProviderId.CLAUDE, "a", "A", OAuthToken("x"))
    before = tables_and_indexes(path)
    async with await SqlStore.open(path) as store:
        assert await store.tokens.list_accounts(ProviderId.CLAUDE) == [AccountInfo("a", "A", True)]
    assert tables_and_indexes(path) == before
    assert version_of(path) == [head_revision()]


def test_downgrading_the_legacy_copy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "down.db"
    SqlStore.open_blocking(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        cfg = _config(conn)
        command.downgrade(cfg, "20260415_02")  # revision 6 .. 3 are reversible
        with pytest.raises(NotImplementedError, match="irreversible"):
            command.downgrade(cfg, "20260415_01")
    engine.dispose()


_KILL_AFTER_DROP = textwrap.dedent(
    """
    import os, signal, sys
    from sqlalchemy import Engine, event
    import byokey_store

    @event.listens_for(Engine, "after_cursor_execute")
    def die(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("DROP TABLE TOKENS"):
            os.kill(os.getpid(), signal.SIGKILL)

    byokey_store.SqlStore.open_blocking(sys.argv[1])
    """
)


def test_crash_during_legacy_migration_loses_no_token(tmp_path: Path) -> None:
    """Killed after the copy and the DROP but before COMMIT: nothing half-done remains."""
    path = tmp_path / "crash.db"
    with sqlite3.connect(path) as db:
        db.execute(LEGACY_TOKENS)
        db.execute("INSERT INTO tokens VALUES ('claude', ?)", (CLAUDE_JSON,))
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_AFTER_DROP, str(path)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT token_json FROM tokens").fetchall() == [(CLAUDE_JSON,)]
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "accounts" not in names and "alembic_version" not in names
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = SqlStore.open_blocking(path)
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT account_id, is_active, token_json FROM accounts").fetchone()
    assert row == ("default", 1, CLAUDE_JSON)
    assert json.loads(row[2])["refresh_token"] == "rt-claude"
    del store


def test_head_revision_constant_matches_the_shipped_migrations() -> None:
    from byokey_store._migrate import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_opening_a_database_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    db = tmp_path / "head.db"
    code = (
        "import asyncio, sys\n"
        "from byokey_store import open_store\n"
        "async def main():\n"
        "    s = await open_store(sys.argv[1])\n"
        "    await s.aclose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=120
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "True"  # a new database is migrated by alembic
    second = subprocess.run(
        [sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "False"
