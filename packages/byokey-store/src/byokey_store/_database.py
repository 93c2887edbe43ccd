"""Turning a database URL into a configured SQLAlchemy engine.

SQLite is the store's home, and it needs care that SQLAlchemy does not give by
default:

* the file holds plaintext OAuth tokens, so it is created ``0600`` (its parent
  ``0700``) before SQLite touches it; the ``-wal``/``-shm`` side files inherit
  the mode from it;
* the CLI and the server open the same file at once, so every connection runs
  in WAL mode with a busy timeout, and foreign keys are switched on (the
  original's driver did that implicitly; SQLite does not);
* pysqlite's own transaction handling never wraps DDL and always begins
  lazily, which would make migrations non-atomic and let two writers deadlock
  on lock upgrades. The driver's handling is switched off and the engine emits
  ``BEGIN`` itself, ``BEGIN IMMEDIATE`` for connections marked as writers;
* ``:memory:`` is one database per connection, so it gets a single shared
  connection (``StaticPool``).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from byokey_types.errors import StorageError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "WRITE_OPTION",
    "DatabaseTarget",
    "create_store_engine",
    "default_database_url",
    "resolve_target",
]

BUSY_TIMEOUT_MS = 5_000
"""How long a connection waits for another process's write lock before failing."""

POOL_SIZE = 8
"""The original's pool size; reads run in parallel up to this many threads."""

WRITE_OPTION = "byokey_write"
"""Execution option that makes a connection's transactions ``BEGIN IMMEDIATE``."""


def default_database_url() -> str:
    """``sqlite:///$HOME/.byokey/tokens.db``, read from ``HOME`` at call time (spec §0.1)."""
    home = os.environ.get("HOME")
    if not home:
        raise StorageError("cannot determine home directory")
    return f"sqlite:///{Path(home) / '.byokey' / 'tokens.db'}"


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """A parsed URL plus what the store needs to know about it."""

    url: URL
    sqlite_file: Path | None
    """The database file for on-disk SQLite, else None."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_memory(self) -> bool:
        """SQLite in memory: one shared connection, so every operation is serialised."""
        return self.is_sqlite and self.sqlite_file is None


def resolve_target(url: str | URL | os.PathLike[str] | None) -> DatabaseTarget:
    """Parse ``url``; a path (anything without ``://``) means an SQLite file; ``~`` expands."""
    if url is None:
        url = default_database_url()
    if isinstance(url, os.PathLike) or (isinstance(url, str) and "://" not in url):
        url = f"sqlite:///{Path(url).expanduser().absolute()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(
            "not a database URL (expected e.g. sqlite:///path/to/tokens.db)"
        ) from None
    if parsed.get_backend_name() != "sqlite":
        return DatabaseTarget(url=parsed, sqlite_file=None)
    database = parsed.database or ""
    if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
        return DatabaseTarget(url=parsed.set(database=":memory:"), sqlite_file=None)
    path = Path(database).expanduser().absolute()
    return DatabaseTarget(url=parsed.set(database=str(path)), sqlite_file=path)


def _create_private_file(path: Path) -> None:
    """Create the database file 0600 (and missing parents 0700) if it does not exist."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StorageError(f"cannot create database file {path}: {exc.strerror}") from None
    os.close(fd)
    os.chmod(path, 0o600)  # the umask may have masked bits off; never on


def create_store_engine(target: DatabaseTarget) -> Engine:
    """An engine for ``target`` with the pragmas and transaction handling above."""
    if not target.is_sqlite:
        try:
            return create_engine(target.url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            scheme = target.url.drivername
            raise StorageError(
                f"not a usable database URL (scheme {scheme!r}): {type(exc).__name__}"
            ) from None
    if target.sqlite_file is not None:
        _create_private_file(target.sqlite_file)
        engine = create_engine(
            target.url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=POOL_SIZE,
            max_overflow=0,
        )
    else:
        engine = create_engine(
            target.url,
            connect_args={"check_same_thread": False},
            poolclass=StaticPool,
        )
    _install_sqlite_hooks(engine, wal=target.sqlite_file is not None)
    return engine


def _install_sqlite_hooks(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Autocommit at the driver level: the "begin" hook below owns transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        writer = bool(conn.get_execution_options().get(WRITE_OPTION, False))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")
