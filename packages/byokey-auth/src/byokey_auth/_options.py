"""Tunables of the auth package, every one with the original's default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from byokey_auth._endpoints import AuthEndpoints
from byokey_types.provider import ProviderId

__all__ = ["DEFAULT_CALLBACK_PORTS", "AuthOptions"]

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
    """An IAM Identity Center start URL; None means AWS Builder ID."""

    def callback_port(self, provider: ProviderId) -> int:
        return self.callback_ports.get(provider, DEFAULT_CALLBACK_PORTS[provider])
