"""Running blocking database work off the event loop.

Why a sync engine in threads rather than SQLAlchemy's asyncio extension: the
locked SQLAlchemy (2.1) needs ``greenlet`` for asyncio and that is not in the
lock, while SQLite itself is a blocking C library that every async driver wraps
in a thread anyway. Running a whole unit of work (a transaction of several
statements) in one worker hop is simpler and cheaper than one hop per
statement, and the transaction logic stays plain synchronous code.

Rules enforced here:

* every unit of work is one transaction, committed on success and rolled back
  on any exception, so a failure never leaves half a change behind;
* writers in this process take one lock, so they queue here rather than
  spinning on SQLite's busy handler; other processes are covered by
  ``BEGIN IMMEDIATE`` plus the busy timeout;
* a cancelled caller does not cancel the worker: the transaction still runs to
  its commit or rollback, never stopping in the middle;
* database errors become ``StorageError`` carrying the driver's message only
  (SQLAlchemy's own text includes bound parameters, i.e. tokens).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from byokey_store._database import WRITE_OPTION
from byokey_types.errors import ByokError, SerializationError, StorageError

__all__ = ["SyncBridge", "storage_error"]

T = TypeVar("T")
Work = Callable[[Connection], T]


def storage_error(exc: Exception) -> StorageError:
    """A client-safe ``StorageError`` for a failure inside a unit of work."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return StorageError(str(exc.orig))
    if isinstance(exc, SerializationError):
        return StorageError(exc.message)
    return StorageError(type(exc).__name__)


class SyncBridge:
    """Runs units of work on a private thread pool, one transaction each."""

    def __init__(self, engine: Engine, *, serialise_reads: bool, workers: int) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="byokey-store")
        self._write_lock = threading.Lock()
        self._read_lock: threading.Lock | None = self._write_lock if serialise_reads else None
        self._closed = False

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` in a deferred (read) transaction."""
        return await self._submit(self._run_read, work)

    async def write(self, work: Work[T]) -> T:
        """Run ``work`` in an immediate (write) transaction, one writer at a time."""
        return await self._submit(self._run_write, work)

    async def _submit(self, runner: Callable[[Work[T]], T], work: Work[T]) -> T:
        if self._closed:
            raise StorageError("the store is closed")
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, runner, work)
        # Shield: cancellation reaches the caller, never the half-done transaction.
        return await asyncio.shield(future)

    def _run_read(self, work: Work[T]) -> T:
        lock = self._read_lock if self._read_lock is not None else contextlib.nullcontext()
        with lock:
            return self._transaction(work, writer=False)

    def _run_write(self, work: Work[T]) -> T:
        with self._write_lock:
            return self._transaction(work, writer=True)

    def _transaction(self, work: Work[T], *, writer: bool) -> T:
        try:
            with self.engine.connect() as conn:
                if writer:
                    conn = conn.execution_options(**{WRITE_OPTION: True})
                with conn.begin():
                    return work(conn)
        except ByokError as exc:
            if isinstance(exc, SerializationError):
                raise storage_error(exc) from None
            raise
        except SQLAlchemyError as exc:
            raise storage_error(exc) from None

    def run_blocking(self, work: Work[T], *, writer: bool = True) -> T:
        """Run ``work`` on the calling thread (opening, before any loop is involved)."""
        with self._write_lock:
            return self._transaction(work, writer=writer)

    async def aclose(self) -> None:
        """Finish queued work, then release the pool and every connection."""
        if self._closed:
            return
        self._closed = True
        await asyncio.to_thread(self._executor.shutdown, wait=True)
        await asyncio.to_thread(self.engine.dispose)
