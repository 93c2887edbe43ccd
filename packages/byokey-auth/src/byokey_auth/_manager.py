"""AuthManager: the token lifecycle of every (provider, account) over a ``TokenStore``.

Everything is keyed by account, which fixes the original's multi-account bugs: a
refresh writes back to the account it refreshed (the original wrote ``default``),
the cooldown and the single-flight are per account, and ``invalid_grant`` marks
that one account as needing a new login instead of deleting the active row.
A failed refresh never touches the stored token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, cast

from byokey_auth._background import RefreshLoop
from byokey_auth._clock import Clock, SystemClock
from byokey_auth._context import FlowContext
from byokey_auth._cooldown import Cooldown
from byokey_auth._credentials import CredentialResolver
from byokey_auth._import_tokens import ImportedToken, import_tokens
from byokey_auth._lazy_http_client import LazyAsyncClient
from byokey_auth._options import AuthOptions
from byokey_auth._refresh import NOT_REFRESHABLE, InvalidGrant, refresh_oauth_token
from byokey_auth._refresh_lock import RefreshLocks
from byokey_auth._single_flight import SingleFlight
from byokey_types.errors import AuthError, ByokError, TokenExpired, TokenNotFound
from byokey_types.protocols import TokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import (
    DEFAULT_ACCOUNT,
    PROACTIVE_REFRESH_SECS,
    AccountInfo,
    OAuthToken,
    TokenState,
)

if TYPE_CHECKING:  # the client is built on first use (_lazy_http_client)
    import httpx

__all__ = ["NEEDS_LOGIN_KEY", "AuthManager", "RefreshResult", "needs_login"]

log = logging.getLogger(__name__)

NEEDS_LOGIN_KEY: Final = "needs_login"
"""Token metadata set (to the reason, e.g. ``invalid_grant``) when only a new login helps."""

Refresher = Callable[[FlowContext, ProviderId, OAuthToken], Awaitable[OAuthToken]]
_Key = tuple[ProviderId, str]


def needs_login(token: OAuthToken) -> bool:
    """True when the token's refresh token was rejected: the user must log in again."""
    return NEEDS_LOGIN_KEY in token.metadata


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one background scan did for one account (no token text)."""

    provider: ProviderId
    account_id: str
    ok: bool
    error: str | None = None


class AuthManager:
    """Valid access tokens on demand, refreshed when expired or close to expiry.

    ``store`` is any :class:`~byokey_types.protocols.TokenStore`. ``http`` is
    used for refresh requests and the runtime client documents; when omitted the
    manager makes one (with ``options.http_timeout``) and closes it in
    :meth:`aclose`. ``clock`` supplies wall time (expiry), monotonic time
    (cooldown) and sleep (the refresh loop); tests pass a ``ManualClock``.
    ``lead`` is how long before expiry ``get_token`` starts a background refresh.
    ``refresh_locks`` serialises refreshes with other processes sharing the store
    (``byokey serve --workers N``); without it only this process's callers are.
    """

    def __init__(
        self,
        store: TokenStore,
        *,
        http: httpx.AsyncClient | None = None,
        options: AuthOptions | None = None,
        clock: Clock | None = None,
        credentials: CredentialResolver | None = None,
        lead: float = PROACTIVE_REFRESH_SECS,
        refresher: Refresher = refresh_oauth_token,
        refresh_locks: RefreshLocks | None = None,
    ) -> None:
        self._store = store
        self._options = options or AuthOptions()
        self._clock: Clock = clock or SystemClock()
        self._owns_http = http is None
        # built (and httpx imported) by the first refresh or login, not at start-up
        self._http = http or cast(
            "httpx.AsyncClient", LazyAsyncClient(timeout=self._options.http_timeout)
        )
        # from_options: the config clients (``auth.clients``) must reach refresh too.
        self._credentials = credentials or CredentialResolver.from_options(
            self._http, self._options, self._clock
        )
        self._ctx = FlowContext(self._http, self._credentials, self._options, self._clock)
        self._lead = lead
        self._refresher = refresher
        self._cooldown: Cooldown[_Key] = Cooldown(
            self._options.refresh_cooldown, self._clock.monotonic
        )
        self._flights: SingleFlight[_Key, OAuthToken] = SingleFlight()
        self._locks = refresh_locks
        self._background: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"AuthManager(store={type(self._store).__name__}, in_flight={self._flights!r})"

    @property
    def store(self) -> TokenStore:
        return self._store

    @property
    def context(self) -> FlowContext:
        """The HTTP client, client resolver, options and clock the login flows share."""
        return self._ctx

    def _now(self) -> int:
        return int(self._clock.time())

    # ------------------------------------------------------------------ lookups

    async def _active(self, provider: ProviderId) -> tuple[str, OAuthToken] | None:
        load_active = getattr(self._store, "load_active", None)
        if load_active is not None:
            found: tuple[str, OAuthToken] | None = await load_active(provider)
            return found
        for info in await self._store.list_accounts(provider):
            if info.is_active:
                token = await self._store.load_account(provider, info.account_id)
                return None if token is None else (info.account_id, token)
        return None

    async def _resolve(self, provider: ProviderId, account: str | None) -> tuple[str, OAuthToken]:
        if account is None:
            found = await self._active(provider)
        else:
            token = await self._store.load_account(provider, account)
            found = None if token is None else (account, token)
        if found is None:
            raise TokenNotFound(provider)
        return found

    async def active_account(self, provider: ProviderId) -> str | None:
        found = await self._active(provider)
        return None if found is None else found[0]

    # ---------------------------------------------------------------- get_token

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        """A usable token of ``account`` (the active one when None).

        Expired: refreshed first (one refresh however many callers wait). Valid but
        within ``lead`` of expiry: returned at once while a background refresh runs.
        Raises ``TokenNotFound`` (no such account), ``TokenExpired`` (a new login
        is needed) or ``AuthError`` (refresh failed; the stored token is kept).
        """
        account_id, token = await self._resolve(provider, account)
        now = self._now()
        if not token.is_expired(now=now):
            if self._wants_early_refresh(provider, account_id, token, now):
                self._spawn_refresh(provider, account_id, token)
            return token
        if needs_login(token) or not token.refresh_token:
            raise TokenExpired(provider)
        return await self._refresh(provider, account_id, token)

    async def get_access_token(self, provider: ProviderId, account: str | None = None) -> str:
        """Just the bearer value of :meth:`get_token`."""
        return (await self.get_token(provider, account)).access_token

    def _wants_early_refresh(
        self, provider: ProviderId, account_id: str, token: OAuthToken, now: int
    ) -> bool:
        return (
            token.expires_at is not None
            and token.expires_at <= now + self._lead
            and bool(token.refresh_token)
            and not needs_login(token)
            and provider not in NOT_REFRESHABLE
            and not self._cooldown.active((provider, account_id))
            and not self._flights.in_flight((provider, account_id))
        )

    def _spawn_refresh(self, provider: ProviderId, account_id: str, token: OAuthToken) -> None:
        async def background() -> None:
            try:
                await self._refresh(provider, account_id, token)
            except ByokError as exc:
                log.debug("background refresh of %s/%s failed: %s", provider, account_id, exc)

        task = asyncio.get_running_loop().create_task(background())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ refresh

    async def refresh(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        """Refresh now, whatever the expiry (still merged with concurrent refreshes)."""
        account_id, token = await self._resolve(provider, account)
        return await self._refresh(provider, account_id, token, force=True)

    async def _refresh(
        self, provider: ProviderId, account_id: str, seen: OAuthToken, *, force: bool = False
    ) -> OAuthToken:
        key = (provider, account_id)
        return await self._flights.run(key, lambda: self._refresh_once(key, seen, force))

    async def _refresh_once(self, key: _Key, seen: OAuthToken, force: bool) -> OAuthToken:
        if self._locks is None:
            return await self._refresh_locked(key, seen, force)
        async with self._locks.hold(key[0].value, key[1]):
            return await self._refresh_locked(key, seen, force)

    async def _refresh_locked(self, key: _Key, seen: OAuthToken, force: bool) -> OAuthToken:
        # Re-read under the lock: another caller (another process) may have refreshed.
        provider, account_id = key
        current = await self._store.load_account(provider, account_id)
        if current is None:
            raise TokenNotFound(provider)
        now = self._now()
        if current.access_token != seen.access_token and not current.is_expired(now=now):
            return current  # refreshed (or re-logged-in) since the caller looked
        if needs_login(current):
            raise TokenExpired(provider)
        if provider in NOT_REFRESHABLE:
            raise AuthError(
                f"token refresh not supported for {provider.value}; please re-authenticate"
            )
        if not current.refresh_token:
            if force or current.is_expired(now=now):
                raise TokenExpired(provider)
            return current
        remaining = self._cooldown.remaining(key)
        if remaining > 0:
            raise AuthError(f"refresh cooldown active for {_who(key)} ({remaining:.0f}s left)")
        self._cooldown.start(key)
        try:
            fresh = await self._refresher(self._ctx, provider, current)
        except InvalidGrant:
            log.warning("refresh token of %s was rejected; it needs a new login", _who(key))
            await self._mark_needs_login(key, current, "invalid_grant")
            raise TokenExpired(provider) from None
        except ByokError as exc:
            log.warning("refresh of %s failed, keeping the stored token: %s", _who(key), exc)
            raise
        fresh = replace(
            fresh, metadata={k: v for k, v in fresh.metadata.items() if k != NEEDS_LOGIN_KEY}
        )
        await self._store.save_account(provider, account_id, None, fresh)
        self._cooldown.clear(key)  # the cooldown only follows failures
        log.info("refreshed the token of %s", _who(key))
        return fresh

    async def _mark_needs_login(self, key: _Key, token: OAuthToken, reason: str) -> None:
        provider, account_id = key
        latest = await self._store.load_account(provider, account_id)
        if latest is None or latest.access_token != token.access_token:
            return  # a new login landed meanwhile; leave it alone
        await self._store.save_account(
            provider, account_id, None, token.with_metadata(**{NEEDS_LOGIN_KEY: reason})
        )

    async def refresh_due(self, lead: float | None = None) -> list[RefreshResult]:
        """Refresh every account, of every provider, that expires within ``lead``.

        Skipped: tokens that never expire, have no refresh token, need a login,
        belong to a provider that cannot refresh, or are cooling down after a
        failure. Errors are reported in the result, never raised.
        """
        window = self._lead if lead is None else lead
        results: list[RefreshResult] = []
        for provider in ProviderId.all():
            if provider in NOT_REFRESHABLE:
                continue
            try:
                accounts = await self._store.load_all_tokens(provider)
            except ByokError as exc:
                log.warning("cannot list %s accounts for refresh: %s", provider, exc)
                continue
            now = self._now()
            for account_id, token in accounts:
                key = (provider, account_id)
                if (
                    token.expires_at is None
                    or token.expires_at > now + window
                    or not token.refresh_token
                    or needs_login(token)
                    or self._cooldown.active(key)
                ):
                    continue
                try:
                    await self._refresh(provider, account_id, token)
                except ByokError as exc:
                    log.debug("scheduled refresh of %s failed: %s", _who(key), exc)
                    results.append(RefreshResult(provider, account_id, False, str(exc)))
                else:
                    results.append(RefreshResult(provider, account_id, True))
        return results

    def refresh_loop(
        self, *, interval: float = 60.0, lead: float = PROACTIVE_REFRESH_SECS
    ) -> RefreshLoop:
        """The background loop (not started): ``async with manager.refresh_loop():``."""
        return RefreshLoop(
            lambda: self.refresh_due(lead), interval=interval, sleep=self._clock.sleep
        )

    # ------------------------------------------------------------------- states

    async def token_state(self, provider: ProviderId, account: str | None = None) -> TokenState:
        """``invalid`` also when the account is missing or its refresh token was rejected."""
        try:
            _, token = await self._resolve(provider, account)
        except ByokError:
            return TokenState.INVALID
        if needs_login(token):
            return TokenState.INVALID
        return token.state(now=self._now())

    async def is_authenticated(self, provider: ProviderId, account: str | None = None) -> bool:
        return await self.token_state(provider, account) is not TokenState.INVALID

    # ------------------------------------------------------------------ storage

    async def save_token(
        self,
        provider: ProviderId,
        token: OAuthToken,
        *,
        account: str | None = None,
        label: str | None = None,
    ) -> None:
        """Store a fresh login (``default`` when no account is named); clears any cooldown."""
        account_id = account or DEFAULT_ACCOUNT
        await self._store.save_account(provider, account_id, label, token)
        self._cooldown.clear((provider, account_id))

    async def import_tokens(
        self,
        provider: ProviderId | str,
        *,
        home: Path | None = None,
        account: str | None = None,
        label: str | None = None,
    ) -> ImportedToken:
        """:func:`~byokey_auth.import_tokens` into this manager's store (clears any cooldown)."""
        imported = await import_tokens(
            provider, home=home, store=self._store, account=account, label=label
        )
        self._cooldown.clear((imported.provider, imported.account_id))
        return imported

    async def remove_token(self, provider: ProviderId, account: str | None = None) -> None:
        """Delete an account (the active one when None).

        When the active account goes and others remain, the first of them becomes
        active, so ``get_token`` keeps working (the original left none active).
        """
        if account is None:
            account = await self.active_account(provider)
            if account is None:
                return
        was_active = account == await self.active_account(provider)
        await self._store.remove_account(provider, account)
        self._cooldown.clear((provider, account))
        if was_active:
            remaining = await self._store.list_accounts(provider)
            if remaining:
                await self._store.set_active(provider, remaining[0].account_id)

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]:
        return await self._store.list_accounts(provider)

    async def set_active_account(self, provider: ProviderId, account: str) -> None:
        await self._store.set_active(provider, account)

    async def get_all_tokens(self, provider: ProviderId) -> list[tuple[str, OAuthToken]]:
        """Raw stored tokens, active first; nothing is refreshed."""
        return await self._store.load_all_tokens(provider)

    # ---------------------------------------------------------------- lifecycle

    async def wait_idle(self) -> None:
        """Wait for the background refreshes ``get_token`` started (their errors are logged)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop background refreshes and close the HTTP client if the manager made it."""
        for task in list(self._background):
            task.cancel()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self._flights.aclose()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AuthManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _who(key: _Key) -> str:
    provider, account_id = key
    return (
        provider.value
        if account_id == DEFAULT_ACCOUNT
        else f"{provider.value} (account {account_id})"
    )
