"""A lock on one account's refresh, shared by every process using the same store.

A refresh spends the refresh token; Claude, Codex, Qwen and iFlow rotate it,
so two processes refreshing the same account at once (``byokey serve
--workers N``) would have the slower one present a token the provider has
already retired: ``invalid_grant``, and a login lost. In-process callers
already share one refresh (``SingleFlight``); across processes an exclusive
``flock`` on a per-account file under ``directory`` serialises the refresh,
and the manager re-reads the store once it holds the lock, so the second
process finds the new token instead of refreshing again.

The lock file names are a hash of provider and account (no account text on
disk); the files are empty and left in place. Waiting happens in a worker
thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

__all__ = ["RefreshLocks"]


class RefreshLocks:
    """Per-account exclusive file locks in ``directory`` (created on first use)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, provider: str, account_id: str) -> Path:
        digest = hashlib.sha256(f"{provider}\0{account_id}".encode()).hexdigest()[:32]
        return self.directory / f"refresh-{digest}.lock"

    @contextlib.asynccontextmanager
    async def hold(self, provider: str, account_id: str) -> AsyncIterator[None]:
        """Hold the account's lock for the body (released even when it raises)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._path(provider, account_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
