"""Opening a database: engine, migrations, and the three stores over it.

Opening is the only blocking step that may happen before an event loop is
busy, but ``SqlStore.open`` still runs it in a thread so that ``serve`` can
open (and migrate) the database from inside its loop without stalling it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.engine import URL, Connection

from byokey_store._database import DatabaseTarget, create_store_engine, resolve_target
from byokey_store._migrate import migrate
from byokey_store._sql_history_store import SqlHistoryStore
from byokey_store._sql_token_store import SqlTokenStore
from byokey_store._sql_usage_store import SqlUsageStore
from byokey_store._sync_bridge import SyncBridge
from byokey_types.errors import StorageError

__all__ = ["SqlStore", "open_store"]

_WORKERS = 4


def _now() -> int:
    return int(time.time())


class SqlStore:
    """One database with its token, usage and history stores.

    Use ``await SqlStore.open(url)`` (or ``open_store``) and ``await
    store.aclose()``, or ``async with await SqlStore.open(url) as store``.
    """

    def __init__(
        self, bridge: SyncBridge, target: DatabaseTarget, *, clock: Callable[[], int] = _now
    ) -> None:
        self._bridge = bridge
        self.target = target
        self.tokens = SqlTokenStore(bridge, clock=clock)
        self.usage = SqlUsageStore(bridge, clock=clock)
        self.history = SqlHistoryStore(bridge, clock=clock)

    @classmethod
    async def open(
        cls,
        url: str | URL | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], int] = _now,
    ) -> SqlStore:
        """Open (creating and migrating as needed) the database at ``url``.

        ``None`` means ``sqlite:///$HOME/.byokey/tokens.db``; a path means an
        SQLite file; ``sqlite://`` is a private in-memory database. ``clock``
        (Unix seconds) stamps every write; tests inject it.
        """
        return await asyncio.to_thread(cls.open_blocking, url, clock=clock)

    @classmethod
    def open_blocking(
        cls,
        url: str | URL | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], int] = _now,
    ) -> SqlStore:
        """``open`` for code without an event loop (scripts, the CLI's sync paths)."""
        target = resolve_target(url)
        engine = create_store_engine(target)
        bridge = SyncBridge(engine, serialise_reads=target.is_memory, workers=_WORKERS)
        try:
            bridge.run_blocking(migrate)
        except StorageError:
            engine.dispose()
            raise
        except Exception as exc:  # alembic's own errors: keep the message, drop the SQL
            engine.dispose()
            raise StorageError(f"cannot migrate the database: {type(exc).__name__}") from None
        return cls(bridge, target, clock=clock)

    async def sqlite_settings(self) -> dict[str, str | int]:
        """``journal_mode``, ``busy_timeout`` and ``foreign_keys`` as a connection sees them.

        For diagnostics (``byokey doctor``) and tests; empty for non-SQLite databases.
        """
        if not self.target.is_sqlite:
            return {}

        def work(conn: Connection) -> dict[str, str | int]:
            return {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("journal_mode", "busy_timeout", "foreign_keys")
            }

        return await self._bridge.read(work)

    def __repr__(self) -> str:
        return f"SqlStore(url={self.target.url.render_as_string(hide_password=True)!r})"

    async def aclose(self) -> None:
        """Wait for queued work, then close every connection. Idempotent."""
        await self._bridge.aclose()

    async def __aenter__(self) -> SqlStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def open_store(
    url: str | URL | os.PathLike[str] | None = None, *, clock: Callable[[], int] = _now
) -> SqlStore:
    """Shorthand for ``SqlStore.open``."""
    return await SqlStore.open(url, clock=clock)
