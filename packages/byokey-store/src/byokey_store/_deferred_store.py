"""A ``SqlStore`` that opens in the background, with stores that wait until it is open.

Why: opening a store imports SQLAlchemy, SQLModel/pydantic and, when a migration is
due, alembic — most of ``byokey serve``'s start-up time and a third of its memory —
although answering ``GET /v1/models`` needs none of it. ``DeferredStore`` hands out
``tokens`` and ``usage`` at once; each call on them waits for the open (started by
:meth:`DeferredStore.start`, or by the first call) and then runs on the real store.

Nothing is lost while it opens: a write simply waits, so the proxy's usage queue
keeps its records until the store can take them, and ``aclose`` waits for an open
in progress before closing it. An open that fails raises the same ``StorageError``
from :meth:`ready` and from every call, so the server can stop with that error.

This module imports no SQLAlchemy: the SQL modules load in the opening thread.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from byokey_store._usage_aggregation import UsageQuery, UsageTotal
from byokey_store._usage_reads import UsageReads
from byokey_types.provider import ProviderId
from byokey_types.token import AccountInfo, OAuthToken
from byokey_types.usage import UsageRecord

if TYPE_CHECKING:
    from byokey_store._sql_store import SqlStore

__all__ = ["DeferredStore", "DeferredTokenStore", "DeferredUsageStore"]

_Opened = Callable[[], Awaitable["SqlStore"]]


class DeferredStore:
    """``SqlStore.open(url)`` run in the background; ``tokens``/``usage`` usable at once.

    ::

        store = DeferredStore("sqlite:///tokens.db")
        store.start()                      # on the running loop; opening begins
        await store.tokens.load(provider)  # waits for the open, then reads
        sql_store = await store.ready()    # the opened SqlStore (history, sqlite_settings)
        await store.aclose()
    """

    def __init__(
        self,
        url: str | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], int] | None = None,
    ) -> None:
        """``url`` and ``clock`` as for ``SqlStore.open``; nothing is opened yet."""
        self._url = url
        self._clock = clock
        self._opening: asyncio.Future[SqlStore] | None = None
        self.tokens = DeferredTokenStore(self.ready)
        self.usage = DeferredUsageStore(self.ready)

    @property
    def started(self) -> bool:
        return self._opening is not None

    @property
    def is_open(self) -> bool:
        """True once the open has finished successfully."""
        opening = self._opening
        return opening is not None and opening.done() and opening.exception() is None

    def start(self) -> None:
        """Begin opening in a worker thread (idempotent; needs a running loop)."""
        if self._opening is None:
            self._opening = asyncio.ensure_future(asyncio.to_thread(self._open_blocking))

    async def ready(self) -> SqlStore:
        """The opened store, starting the open if nobody has; raises its ``StorageError``."""
        self.start()
        assert self._opening is not None
        # Shielded: a cancelled caller must not cancel the open for everyone else.
        return await asyncio.shield(self._opening)

    def _open_blocking(self) -> SqlStore:
        from byokey_store._sql_store import SqlStore

        if self._clock is None:
            return SqlStore.open_blocking(self._url)
        return SqlStore.open_blocking(self._url, clock=self._clock)

    async def aclose(self) -> None:
        """Close the store; an open in progress is waited for first. Idempotent."""
        opening = self._opening
        if opening is None:
            return
        try:
            store = await asyncio.shield(opening)
        except Exception:  # a failed open has nothing to close
            return
        await store.aclose()

    def __repr__(self) -> str:
        state = "open" if self.is_open else ("opening" if self.started else "not started")
        return f"DeferredStore({state})"


class DeferredTokenStore:
    """``TokenStore`` (plus ``load_active``) forwarding to the store once it is open."""

    def __init__(self, opened: _Opened) -> None:
        self._opened = opened

    async def load_active(self, provider: ProviderId | str) -> tuple[str, OAuthToken] | None:
        return await (await self._opened()).tokens.load_active(provider)

    async def load(self, provider: ProviderId | str) -> OAuthToken | None:
        return await (await self._opened()).tokens.load(provider)

    async def save(self, provider: ProviderId | str, token: OAuthToken) -> None:
        await (await self._opened()).tokens.save(provider, token)

    async def remove(self, provider: ProviderId | str) -> None:
        await (await self._opened()).tokens.remove(provider)

    async def load_account(self, provider: ProviderId | str, account_id: str) -> OAuthToken | None:
        return await (await self._opened()).tokens.load_account(provider, account_id)

    async def save_account(
        self,
        provider: ProviderId | str,
        account_id: str,
        label: str | None,
        token: OAuthToken,
    ) -> None:
        await (await self._opened()).tokens.save_account(provider, account_id, label, token)

    async def remove_account(self, provider: ProviderId | str, account_id: str) -> None:
        await (await self._opened()).tokens.remove_account(provider, account_id)

    async def list_accounts(self, provider: ProviderId | str) -> list[AccountInfo]:
        return await (await self._opened()).tokens.list_accounts(provider)

    async def set_active(self, provider: ProviderId | str, account_id: str) -> None:
        await (await self._opened()).tokens.set_active(provider, account_id)

    async def load_all_tokens(self, provider: ProviderId | str) -> list[tuple[str, OAuthToken]]:
        return await (await self._opened()).tokens.load_all_tokens(provider)

    def __repr__(self) -> str:
        return "DeferredTokenStore()"


class DeferredUsageStore(UsageReads):
    """``UsageStore`` (plus ``record_many`` and ``aggregate``) once the store is open."""

    def __init__(self, opened: _Opened) -> None:
        self._opened = opened

    async def record(self, record: UsageRecord) -> None:
        await (await self._opened()).usage.record(record)

    async def record_many(self, records: Iterable[UsageRecord]) -> None:
        await (await self._opened()).usage.record_many(records)

    async def _aggregate(self, query: UsageQuery) -> list[UsageTotal]:
        return await (await self._opened()).usage._aggregate(query)

    def __repr__(self) -> str:
        return "DeferredUsageStore()"
