"""``TokenStore`` over the ``accounts`` table.

Same contract as ``InMemoryTokenStore`` (one suite tests both), with two fixes
to the original written down in the CHANGELOG:

* ``save`` writes the **active** account (``default`` only when none is
  active), so a refresh updates the account it refreshed;
* there is no per-process cache of the active token: an indexed read is cheap,
  and a cache made a running server ignore ``byokey switch``/``logout`` done
  by the CLI in another process.

Every read-check-write (is there an active account? does this row exist?) runs
in one ``BEGIN IMMEDIATE`` transaction, so two concurrent first saves cannot
both make themselves active, and deletes always name the exact row.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Table, delete, insert, select, true, update
from sqlalchemy.engine import Connection

from byokey_store._account_errors import account_not_found
from byokey_store._provider_name import canonical_provider
from byokey_store._sync_bridge import SyncBridge
from byokey_store._tables import store_metadata
from byokey_types.provider import ProviderId
from byokey_types.token import DEFAULT_ACCOUNT, AccountInfo, OAuthToken

__all__ = ["SqlTokenStore"]

_accounts: Table = store_metadata.tables["accounts"]
_c = _accounts.c
_ORDER = (_c.is_active.desc(), _c.account_id.asc())


def _now() -> int:
    return int(time.time())


def _active_id(conn: Connection, provider: str) -> str | None:
    row = conn.execute(
        select(_c.account_id).where(_c.provider == provider, _c.is_active == true())
    ).first()
    return None if row is None else str(row[0])


def _upsert(
    conn: Connection, provider: str, account_id: str, label: str | None, token: OAuthToken, now: int
) -> None:
    """Insert (active iff nothing is) or update (token, ``updated_at``, label if given)."""
    exists = conn.execute(
        select(_c.account_id).where(_c.provider == provider, _c.account_id == account_id)
    ).first()
    if exists is None:
        conn.execute(
            insert(_accounts).values(
                provider=provider,
                account_id=account_id,
                label=label,
                is_active=_active_id(conn, provider) is None,
                token_json=token.to_json(),
                created_at=now,
                updated_at=now,
            )
        )
        return
    values: dict[str, object] = {"token_json": token.to_json(), "updated_at": now}
    if label is not None:
        values["label"] = label
    conn.execute(
        update(_accounts)
        .where(_c.provider == provider, _c.account_id == account_id)
        .values(**values)
    )


class SqlTokenStore:
    """Multi-account token storage in SQL; obtain one from ``SqlStore.tokens``."""

    def __init__(self, bridge: SyncBridge, *, clock: Callable[[], int] = _now) -> None:
        self._db = bridge
        self._clock = clock

    def __repr__(self) -> str:
        return f"SqlTokenStore(url={self._db.engine.url.render_as_string(hide_password=True)!r})"

    async def load_active(self, provider: ProviderId | str) -> tuple[str, OAuthToken] | None:
        """The active account's id and token, or None when no account is active."""
        key = canonical_provider(provider)

        def work(conn: Connection) -> tuple[str, OAuthToken] | None:
            row = conn.execute(
                select(_c.account_id, _c.token_json).where(
                    _c.provider == key, _c.is_active == true()
                )
            ).first()
            return None if row is None else (str(row[0]), OAuthToken.from_json(row[1]))

        return await self._db.read(work)

    async def load(self, provider: ProviderId | str) -> OAuthToken | None:
        found = await self.load_active(provider)
        return None if found is None else found[1]

    async def save(self, provider: ProviderId | str, token: OAuthToken) -> None:
        """Write the active account's token, or ``default``'s when none is active."""
        key = canonical_provider(provider)
        now = self._clock()

        def work(conn: Connection) -> None:
            target = _active_id(conn, key) or DEFAULT_ACCOUNT
            _upsert(conn, key, target, None, token, now)

        await self._db.write(work)

    async def remove(self, provider: ProviderId | str) -> None:
        """Delete the active account; no other account is promoted (parity)."""
        key = canonical_provider(provider)

        def work(conn: Connection) -> None:
            conn.execute(delete(_accounts).where(_c.provider == key, _c.is_active == true()))

        await self._db.write(work)

    async def load_account(self, provider: ProviderId | str, account_id: str) -> OAuthToken | None:
        key = canonical_provider(provider)

        def work(conn: Connection) -> OAuthToken | None:
            row = conn.execute(
                select(_c.token_json).where(_c.provider == key, _c.account_id == account_id)
            ).first()
            return None if row is None else OAuthToken.from_json(row[0])

        return await self._db.read(work)

    async def save_account(
        self,
        provider: ProviderId | str,
        account_id: str,
        label: str | None,
        token: OAuthToken,
    ) -> None:
        """Upsert; a new account is active iff the provider has none; ``label=None`` keeps it."""
        key = canonical_provider(provider)
        now = self._clock()
        await self._db.write(lambda conn: _upsert(conn, key, account_id, label, token, now))

    async def remove_account(self, provider: ProviderId | str, account_id: str) -> None:
        key = canonical_provider(provider)

        def work(conn: Connection) -> None:
            conn.execute(delete(_accounts).where(_c.provider == key, _c.account_id == account_id))

        await self._db.write(work)

    async def list_accounts(self, provider: ProviderId | str) -> list[AccountInfo]:
        """Active first, then by account id."""
        key = canonical_provider(provider)

        def work(conn: Connection) -> list[AccountInfo]:
            rows = conn.execute(
                select(_c.account_id, _c.label, _c.is_active)
                .where(_c.provider == key)
                .order_by(*_ORDER)
            ).all()
            return [AccountInfo(str(r[0]), r[1], bool(r[2])) for r in rows]

        return await self._db.read(work)

    async def set_active(self, provider: ProviderId | str, account_id: str) -> None:
        """Make ``account_id`` the only active account; unknown ids raise ``StorageError``."""
        key = canonical_provider(provider)

        def work(conn: Connection) -> None:
            exists = conn.execute(
                select(_c.account_id).where(_c.provider == key, _c.account_id == account_id)
            ).first()
            if exists is None:
                raise account_not_found(key, account_id)
            conn.execute(
                update(_accounts)
                .where(_c.provider == key, _c.account_id != account_id, _c.is_active == true())
                .values(is_active=False)
            )
            conn.execute(
                update(_accounts)
                .where(_c.provider == key, _c.account_id == account_id)
                .values(is_active=True)
            )

        await self._db.write(work)

    async def load_all_tokens(self, provider: ProviderId | str) -> list[tuple[str, OAuthToken]]:
        """Same order as :meth:`list_accounts`."""
        key = canonical_provider(provider)

        def work(conn: Connection) -> list[tuple[str, OAuthToken]]:
            rows = conn.execute(
                select(_c.account_id, _c.token_json).where(_c.provider == key).order_by(*_ORDER)
            ).all()
            return [(str(r[0]), OAuthToken.from_json(r[1])) for r in rows]

        return await self._db.read(work)
