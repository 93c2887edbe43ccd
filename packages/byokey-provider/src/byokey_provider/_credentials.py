"""Where an executor's credentials come from: API keys in the settings, OAuth tokens
from the auth layer.

The provider layer never imports ``byokey_auth``: anything with
``async get_token(provider, account) -> OAuthToken`` (``byokey_auth.AuthManager``,
a test double, an embedding application's own vault) is a :class:`TokenSource`. Secrets are
fetched at the moment of use, so an OAuth token refreshed in the background is
picked up by the next request and never cached here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from byokey_config import ApiKeyEntry, Settings
from byokey_types import AccountInfo, ByokError, OAuthToken, ProviderId, TokenNotFound, mask

__all__ = [
    "ACTIVE_ACCOUNT",
    "ANONYMOUS",
    "AccountDirectory",
    "ConfigCredentials",
    "Credential",
    "CredentialSource",
    "LoginStatus",
    "TokenSource",
    "builtin_provider",
]

ACTIVE_ACCOUNT = "active"
"""Credential id of "the provider's active account" when accounts cannot be listed."""

ANONYMOUS = "anonymous"
"""Credential id of a keyless ``openai_compatible`` upstream (local Ollama, vLLM)."""


@runtime_checkable
class TokenSource(Protocol):
    """Hands out a usable OAuth token (refreshing it when needed).

    ``account=None`` means the provider's active account. Raises
    ``TokenNotFound`` / ``TokenExpired`` / ``AuthError``. Only ``access_token``
    and ``metadata`` (ChatGPT account id, Cloud Code project …) are used here.
    """

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken: ...


@runtime_checkable
class AccountDirectory(Protocol):
    """Optional extra of a token source: which accounts exist, for rotation across them."""

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]: ...


@runtime_checkable
class LoginStatus(Protocol):
    """Optional extra of a token source: whether a provider has a usable login."""

    async def is_authenticated(self, provider: ProviderId, account: str | None = None) -> bool: ...


@dataclass(frozen=True, slots=True)
class Credential:
    """One thing a request can be authenticated with.

    ``id`` is stable and secret-free (a key's label or ``key-N``, an OAuth
    account id): cooldowns, rate-limit snapshots and logs use it. ``secret`` is
    only set for API keys; OAuth tokens are fetched via
    :meth:`CredentialSource.secret`.
    """

    upstream: str
    id: str
    kind: Literal["api_key", "oauth"]
    secret: str | None = field(default=None, repr=False)
    base_url: str | None = None
    weight: int = 1
    account: str | None = None
    """The OAuth account to ask the token source for; ``None`` is the active one."""

    @property
    def is_api_key(self) -> bool:
        return self.kind == "api_key"

    def __repr__(self) -> str:
        shown = f", secret={mask(self.secret)!r}" if self.secret else ""
        return f"Credential({self.upstream}/{self.id}, {self.kind}{shown})"


class CredentialSource(Protocol):
    """What executors ask for credentials.

    ``credentials(upstream)`` lists everything routable for an upstream (a
    built-in provider id value or an ``openai_compatible`` name), in config
    order; ``secret(credential)`` resolves one to the string to send;
    ``oauth_token`` gives the whole token (metadata) of an OAuth credential;
    ``available(upstream)`` says whether it has keys or a usable login.
    """

    async def credentials(self, upstream: str) -> list[Credential]: ...

    async def secret(self, credential: Credential) -> str: ...

    async def oauth_token(self, credential: Credential) -> OAuthToken | None: ...

    async def available(self, upstream: str) -> bool: ...


_BUILTIN: dict[str, ProviderId] = {p.value: p for p in ProviderId}


def builtin_provider(upstream: str) -> ProviderId | None:
    """The built-in provider an upstream name is (exact canonical spelling only)."""
    return _BUILTIN.get(upstream)


def _key_credentials(upstream: str, entries: tuple[ApiKeyEntry, ...]) -> list[Credential]:
    out: list[Credential] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        ident = entry.label or f"key-{index}"
        if ident in seen:
            ident = f"{ident}-{index}"
        seen.add(ident)
        out.append(
            Credential(
                upstream=upstream,
                id=ident,
                kind="api_key",
                secret=entry.api_key,
                base_url=entry.base_url.rstrip("/") if entry.base_url else None,
                weight=entry.weight,
            )
        )
    return out


class ConfigCredentials:
    """API keys from the settings, else OAuth accounts from a :class:`TokenSource`.

    Configured keys win (API-key mode); without any, every stored account of the
    provider is routable when the token source is also an
    :class:`AccountDirectory`, else the active account alone.
    ``openai_compatible`` upstreams only ever use keys (none means no auth header).
    """

    def __init__(
        self,
        settings: Settings | Callable[[], Settings],
        tokens: TokenSource | None = None,
    ) -> None:
        self._settings = settings if callable(settings) else (lambda: settings)
        self._tokens = tokens
        self._keys_of: Settings | None = None
        self._keys: dict[str, list[Credential]] = {}

    @property
    def tokens(self) -> TokenSource | None:
        return self._tokens

    def _configured_keys(self, settings: Settings, upstream: str) -> list[Credential] | None:
        """The key credentials ``settings`` give ``upstream`` (None: not an upstream).

        Built once per settings object: settings are immutable and replaced
        whole on reload, and this runs on every request.
        """
        if settings is not self._keys_of:
            self._keys_of, self._keys = settings, {}
        found = self._keys.get(upstream)
        if found is None:
            provider = builtin_provider(upstream)
            if provider is not None:
                found = _key_credentials(upstream, settings.provider(provider).effective_keys())
            else:
                compat = settings.openai_compatible_named(upstream)
                if compat is None:
                    return None
                found = _key_credentials(upstream, compat.effective_keys()) or [
                    Credential(upstream=upstream, id=ANONYMOUS, kind="api_key", secret="")
                ]
            self._keys[upstream] = found
        return found

    async def credentials(self, upstream: str) -> list[Credential]:
        keys = self._configured_keys(self._settings(), upstream)
        if keys is None:
            return []
        provider = builtin_provider(upstream)
        if provider is None or keys or self._tokens is None:
            return list(keys)
        accounts: list[AccountInfo] = []
        if isinstance(self._tokens, AccountDirectory):
            try:
                accounts = await self._tokens.list_accounts(provider)
            except ByokError:
                accounts = []
        if not accounts:
            return [Credential(upstream=upstream, id=ACTIVE_ACCOUNT, kind="oauth")]
        return [
            Credential(upstream=upstream, id=a.account_id, kind="oauth", account=a.account_id)
            for a in accounts
        ]

    async def secret(self, credential: Credential) -> str:
        if credential.secret is not None:
            return credential.secret
        token = await self.oauth_token(credential)
        if token is None:
            raise TokenNotFound(credential.upstream)
        return token.access_token

    async def oauth_token(self, credential: Credential) -> OAuthToken | None:
        """The OAuth token behind ``credential`` (None for an API key)."""
        if credential.kind != "oauth":
            return None
        provider = builtin_provider(credential.upstream)
        if provider is None or self._tokens is None:
            raise TokenNotFound(credential.upstream)
        return await self._tokens.get_token(provider, credential.account)

    async def available(self, upstream: str) -> bool:
        """Keys configured, or (built-in providers) a usable OAuth login."""
        settings = self._settings()
        provider = builtin_provider(upstream)
        if provider is None:
            return settings.openai_compatible_named(upstream) is not None
        if settings.provider(provider).has_api_keys:
            return True
        check = getattr(self._tokens, "is_authenticated", None)
        if check is None:
            return False
        try:
            return bool(await check(provider))
        except ByokError:
            return False
