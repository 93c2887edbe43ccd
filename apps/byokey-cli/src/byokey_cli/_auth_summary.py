"""What ``status`` and ``accounts`` know about each provider's OAuth accounts.

Gathered once from any ``TokenStore`` into plain frozen values, so the text, table
and JSON renderings are pure functions of it (and testable without a store).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from byokey_types import ByokError, ProviderId, TokenState, TokenStore


@dataclass(frozen=True, slots=True)
class AccountView:
    account_id: str
    label: str | None
    is_active: bool
    state: TokenState
    expires_at: int | None

    @property
    def shown_name(self) -> str:
        return self.label or self.account_id

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "label": self.label,
            "is_active": self.is_active,
            "state": self.state.value,
            "expires_at": self.expires_at,
        }


@dataclass(frozen=True, slots=True)
class ProviderView:
    provider: ProviderId
    accounts: tuple[AccountView, ...]

    @property
    def active(self) -> AccountView | None:
        return next((a for a in self.accounts if a.is_active), None)

    @property
    def status_text(self) -> str:
        """The original's per-provider status words (spec §5.5).

        One account: ``authenticated`` when the *active* token is usable (valid, or
        expired with a refresh token), else ``expired`` — a lone inactive account
        (after logging out the active one) reads ``expired``, as before.
        """
        if not self.accounts:
            return "not authenticated"
        if len(self.accounts) == 1:
            active = self.active
            usable = active is not None and active.state is not TokenState.INVALID
            return "authenticated" if usable else "expired"
        active = self.active
        name = active.shown_name if active is not None else "?"
        return f"{len(self.accounts)} account(s), active: {name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status_text,
            "authenticated": (a := self.active) is not None and a.state is not TokenState.INVALID,
            "accounts": [a.to_json() for a in self.accounts],
        }


async def provider_view(store: TokenStore, provider: ProviderId, *, now: int) -> ProviderView:
    """The provider's accounts with their token states; a store error reads as none."""
    try:
        infos = await store.list_accounts(provider)
        tokens = dict(await store.load_all_tokens(provider))
    except ByokError:
        return ProviderView(provider, ())
    views = []
    for info in infos:
        token = tokens.get(info.account_id)
        state = token.state(now=now) if token is not None else TokenState.INVALID
        expires = token.expires_at if token is not None else None
        views.append(AccountView(info.account_id, info.label, info.is_active, state, expires))
    return ProviderView(provider, tuple(views))


async def provider_views(
    store: TokenStore, providers: Iterable[ProviderId], *, now: int
) -> list[ProviderView]:
    return [await provider_view(store, p, now=now) for p in providers]


def expiry_text(expires_at: int | None, *, now: int) -> str:
    """``in 2h 13m`` / ``expired 5m ago`` / ``never``: readable at a glance."""
    if expires_at is None:
        return "never"
    delta = expires_at - now
    if delta >= 0:
        return f"in {_duration(delta)}"
    return f"expired {_duration(-delta)} ago"


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"
