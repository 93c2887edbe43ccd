"""Opening the token store for one CLI command.

Every store-backed command (``login``, ``logout``, ``status``, ``accounts``,
``switch``, ``import``, ``doctor``) opens the SQLite database at ``--db`` (default
``~/.byokey/tokens.db``) for the duration of one ``asyncio.run`` and closes it again.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from byokey_cli._failures import CommandFailed
from byokey_daemon import DaemonPaths
from byokey_types import TokenStore


def database_path(db: Path | None) -> Path:
    return db.expanduser().absolute() if db is not None else DaemonPaths.from_environ().db_file


@asynccontextmanager
async def open_sql_token_store(db: Path | None) -> AsyncIterator[TokenStore]:
    path = database_path(db)
    store_module: Any = importlib.import_module("byokey_store")
    open_store = getattr(store_module, "open_store", None)
    if open_store is None:
        raise CommandFailed("this build of byokey has no SQL store (byokey_store.open_store)")
    store = await open_store(f"sqlite:///{path}")
    try:
        yield store.tokens
    finally:
        await store.aclose()
