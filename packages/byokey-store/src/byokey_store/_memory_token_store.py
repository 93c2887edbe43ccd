"""A token store that lives in a dict, for tests and for embedding without a disk.

It follows the SQL store's contract exactly (the shared contract suite runs
against both), so code tested against it behaves the same in production.
A ``threading.Lock`` guards the dict because auth code may touch the store from
worker threads as well as from the event loop; no method awaits while holding it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from byokey_store._account_errors import account_not_found
from byokey_store._provider_name import canonical_provider
from byokey_types.provider import ProviderId
from byokey_types.token import DEFAULT_ACCOUNT, AccountInfo, OAuthToken

__all__ = ["InMemoryTokenStore"]


@dataclass(slots=True)
class _Account:
    label: str | None
    is_active: bool
    token: OAuthToken


class InMemoryTokenStore:
    """``TokenStore`` over a process-local dict; same semantics as the SQL store.

    Besides the protocol it offers :meth:`load_active`, which returns the active
    account's id together with its token, so a refresh can write back to the
    account it refreshed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, dict[str, _Account]] = {}

    def __repr__(self) -> str:
        with self._lock:
            counts = {p: len(a) for p, a in self._accounts.items() if a}
        return f"InMemoryTokenStore(accounts={counts!r})"

    # -- active account --------------------------------------------------------

    def _active_id(self, provider: str) -> str | None:
        for account_id, account in self._accounts.get(provider, {}).items():
            if account.is_active:
                return account_id
        return None

    async def load_active(self, provider: ProviderId | str) -> tuple[str, OAuthToken] | None:
        """The active account's id and token, or None when no account is active."""
        key = canonical_provider(provider)
        with self._lock:
            active = self._active_id(key)
            if active is None:
                return None
            return active, self._accounts[key][active].token

    async def load(self, provider: ProviderId | str) -> OAuthToken | None:
        found = await self.load_active(provider)
        return None if found is None else found[1]

    async def save(self, provider: ProviderId | str, token: OAuthToken) -> None:
        """Write the active account (``default`` when none is active).

        The original always wrote ``default``, so a refresh of another active
        account updated the wrong row; see the CHANGELOG.
        """
        key = canonical_provider(provider)
        with self._lock:
            target = self._active_id(key) or DEFAULT_ACCOUNT
            self._upsert(key, target, None, token)

    async def remove(self, provider: ProviderId | str) -> None:
        """Delete the active account; no other account is promoted (parity)."""
        key = canonical_provider(provider)
        with self._lock:
            active = self._active_id(key)
            if active is not None:
                del self._accounts[key][active]

    # -- named accounts --------------------------------------------------------

    async def load_account(self, provider: ProviderId | str, account_id: str) -> OAuthToken | None:
        key = canonical_provider(provider)
        with self._lock:
            account = self._accounts.get(key, {}).get(account_id)
            return None if account is None else account.token

    async def save_account(
        self,
        provider: ProviderId | str,
        account_id: str,
        label: str | None,
        token: OAuthToken,
    ) -> None:
        key = canonical_provider(provider)
        with self._lock:
            self._upsert(key, account_id, label, token)

    def _upsert(self, provider: str, account_id: str, label: str | None, token: OAuthToken) -> None:
        accounts = self._accounts.setdefault(provider, {})
        existing = accounts.get(account_id)
        if existing is None:
            is_active = self._active_id(provider) is None
            accounts[account_id] = _Account(label=label, is_active=is_active, token=token)
            return
        existing.token = token
        if label is not None:
            existing.label = label

    async def remove_account(self, provider: ProviderId | str, account_id: str) -> None:
        key = canonical_provider(provider)
        with self._lock:
            self._accounts.get(key, {}).pop(account_id, None)

    def _ordered(self, provider: str) -> list[tuple[str, _Account]]:
        return sorted(
            self._accounts.get(provider, {}).items(),
            key=lambda item: (not item[1].is_active, item[0]),
        )

    async def list_accounts(self, provider: ProviderId | str) -> list[AccountInfo]:
        """Active first, then by account id."""
        key = canonical_provider(provider)
        with self._lock:
            return [
                AccountInfo(account_id=aid, label=acc.label, is_active=acc.is_active)
                for aid, acc in self._ordered(key)
            ]

    async def set_active(self, provider: ProviderId | str, account_id: str) -> None:
        key = canonical_provider(provider)
        with self._lock:
            accounts = self._accounts.get(key, {})
            if account_id not in accounts:
                raise account_not_found(key, account_id)
            for aid, account in accounts.items():
                account.is_active = aid == account_id

    async def load_all_tokens(self, provider: ProviderId | str) -> list[tuple[str, OAuthToken]]:
        """Same order as :meth:`list_accounts`."""
        key = canonical_provider(provider)
        with self._lock:
            return [(aid, acc.token) for aid, acc in self._ordered(key)]
