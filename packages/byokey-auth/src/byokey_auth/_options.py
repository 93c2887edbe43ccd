"""Tunables of the auth package, every one with the original's default.

:meth:`AuthOptions.from_settings` maps byokey-config's ``auth`` and
``endpoints`` sections onto these, so the CLI and the daemon configure login and
refresh from the same file as everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from byokey_auth._endpoints import AuthEndpoints
from byokey_types.provider import ProviderId

if TYPE_CHECKING:
    from byokey_config import Settings

__all__ = ["DEFAULT_CALLBACK_PORTS", "AuthOptions", "ClientOverride"]

DEFAULT_CALLBACK_PORTS: Mapping[ProviderId, int] = MappingProxyType(
    {
        ProviderId.CLAUDE: 54545,
        ProviderId.CODEX: 1455,
        ProviderId.GEMINI: 8085,
        ProviderId.ANTIGRAVITY: 51121,
        ProviderId.IFLOW: 11451,
        ProviderId.AMP: 19876,
    }
)
"""The ports the providers registered as redirect URIs; overriding one only works
against a server that accepts any loopback port (tests, RFC 8252-style servers)."""


@dataclass(frozen=True, slots=True)
class ClientOverride:
    """A client id (and secret) from config; beats the runtime document and the built-in."""

    client_id: str | None = None
    client_secret: str | None = None

    def __repr__(self) -> str:
        return (
            f"ClientOverride(client_id={self.client_id!r}, "
            f"has_secret={self.client_secret is not None})"
        )


@dataclass(frozen=True, slots=True)
class AuthOptions:
    """Everything configurable about login, refresh and the credential document."""

    endpoints: AuthEndpoints = field(default_factory=AuthEndpoints)
    callback_ports: Mapping[ProviderId, int] = field(default_factory=dict)
    callback_timeout: float = 120.0
    http_timeout: float = 30.0
    refresh_cooldown: float = 30.0
    credentials_ttl: float = 3600.0
    credentials_retry_after_failure: float = 300.0
    credentials_cache_dir: Path | None = None
    kiro_region: str = "us-east-1"
    kiro_start_url: str | None = None
    """An IAM Identity Center start URL; None means ``endpoints.kiro_start_url``
    (AWS Builder ID unless config moved it)."""
    clients: Mapping[ProviderId, ClientOverride] = field(default_factory=dict)
    """Config client registrations (``auth.clients``), applied over every other source."""

    def callback_port(self, provider: ProviderId) -> int:
        """The port to listen on (0: any free port; the redirect URI follows it)."""
        return self.callback_ports.get(provider, DEFAULT_CALLBACK_PORTS[provider])

    def client_override(self, provider: ProviderId) -> ClientOverride | None:
        return self.clients.get(provider)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthOptions:
        """Options from byokey-config's ``auth`` and ``endpoints`` sections.

        ``auth.credentials_cache_dir`` defaults to ``~/.byokey/oauth-clients`` here
        (the original had no cache) so a login still works with the asset host down.
        """
        auth = settings.auth
        cache = auth.credentials_cache_dir
        return cls(
            endpoints=AuthEndpoints(settings.endpoints.overridden()),
            callback_ports=dict(auth.callback_ports),
            callback_timeout=auth.callback_timeout_seconds,
            http_timeout=auth.http_timeout_seconds,
            refresh_cooldown=auth.refresh_cooldown_seconds,
            credentials_ttl=auth.credentials_ttl_seconds,
            credentials_retry_after_failure=auth.credentials_retry_seconds,
            credentials_cache_dir=(
                Path(cache).expanduser() if cache else Path.home() / ".byokey" / "oauth-clients"
            ),
            kiro_region=auth.kiro_region,
            clients={
                p: ClientOverride(c.client_id, c.client_secret)
                for p, c in auth.clients.items()
                if c.client_id or c.client_secret
            },
        )
