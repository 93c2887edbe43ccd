"""The ``auth`` section: knobs of OAuth login, token refresh and the client documents.

The auth package has a compiled-in default for every one of these (the
original's constants); the section exists so that tests and unusual setups can
move callback ports, shorten timers or pin client ids without code changes.
URLs live in ``endpoints``, not here, so that every address is in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from byokey_config._fields import U16_MAX, masked_repr, setting
from byokey_types import ProviderId

__all__ = ["AuthConfig", "OAuthClientConfig"]


def _empty_map() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class OAuthClientConfig:
    """An OAuth client registration that beats the runtime document and the built-in one.

    ``client_secret`` of the Google "installed app" clients is public by
    design, but it is still treated as a secret here (masked in reprs and errors).
    """

    client_id: str | None = None
    client_secret: str | None = setting(None, secret=True)

    def __repr__(self) -> str:
        return masked_repr(self)


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """Login and refresh settings; seconds everywhere. Read once at startup.

    ``callback_ports`` moves the local redirect listener of an auth-code flow
    (the redirect URI follows it); only servers that accept any loopback port
    (the test fakes, RFC 8252 servers) honour a moved port.
    ``refresh_interval_seconds: 0`` turns the background refresh loop off.
    """

    callback_ports: Mapping[ProviderId, int] = setting(
        factory=_empty_map, minimum=1, maximum=U16_MAX
    )
    callback_timeout_seconds: float = setting(120.0, minimum=0)
    http_timeout_seconds: float = setting(30.0, minimum=0)
    refresh_cooldown_seconds: float = setting(30.0, minimum=0)
    refresh_interval_seconds: float = setting(60.0, minimum=0)
    refresh_lead_seconds: float = setting(300.0, minimum=0)
    credentials_ttl_seconds: float = setting(3600.0, minimum=0)
    credentials_retry_seconds: float = setting(300.0, minimum=0)
    credentials_cache_dir: str | None = None
    kiro_region: str = "us-east-1"
    clients: Mapping[ProviderId, OAuthClientConfig] = field(default_factory=_empty_map)

    def client(self, provider: ProviderId | str) -> OAuthClientConfig:
        """The configured client of ``provider``; all ``None`` when not configured."""
        return self.clients.get(ProviderId.parse(provider), _NO_CLIENT)


_NO_CLIENT = OAuthClientConfig()
