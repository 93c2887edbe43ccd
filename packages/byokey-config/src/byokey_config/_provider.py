"""Per-provider settings (``providers.<id>``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from byokey_config._enums import RoutingStrategy
from byokey_config._fields import U32_MAX, masked_repr, setting
from byokey_types import ProviderId

__all__ = [
    "ApiKeyEntry",
    "ClaudeHeaderDefaults",
    "CloakConfig",
    "CodexHeaderDefaults",
    "ProviderConfig",
]


@dataclass(frozen=True, slots=True)
class ApiKeyEntry:
    """One raw API key; a bare string in the file is shorthand for ``{api_key: ...}``."""

    shorthand_field: ClassVar[str] = "api_key"

    api_key: str = setting(secret=True)
    label: str | None = None
    base_url: str | None = None
    weight: int = setting(1, minimum=1, maximum=U32_MAX)

    def __repr__(self) -> str:
        return masked_repr(self)


@dataclass(frozen=True, slots=True)
class ClaudeHeaderDefaults:
    """Fingerprint header defaults for Claude (parsed; kept so configs round-trip)."""

    user_agent: str | None = None
    package_version: str | None = None
    runtime_version: str | None = None
    os: str | None = None
    arch: str | None = None
    timeout: int | None = setting(None, minimum=0, maximum=U32_MAX)
    stabilize_device_profile: bool | None = None


@dataclass(frozen=True, slots=True)
class CodexHeaderDefaults:
    user_agent: str | None = None
    beta_features: str | None = None


@dataclass(frozen=True, slots=True)
class CloakConfig:
    """Request cloaking for Claude OAuth traffic."""

    enabled: bool = False
    strict_mode: bool = False
    sensitive_words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """Settings of one provider; an absent entry behaves like ``ProviderConfig()``."""

    enabled: bool = True
    api_key: str | None = setting(None, secret=True)
    api_keys: tuple[ApiKeyEntry, ...] = ()
    base_url: str | None = None
    models: tuple[str, ...] = ()
    excluded_models: tuple[str, ...] = ()
    routing: RoutingStrategy | None = None
    backend: ProviderId | None = None
    fallback: ProviderId | None = None
    proxy_url: str | None = setting(None, secret=True)
    max_retry_credentials: int | None = setting(None, minimum=0)
    claude_headers: ClaudeHeaderDefaults = field(default_factory=ClaudeHeaderDefaults)
    codex_headers: CodexHeaderDefaults = field(default_factory=CodexHeaderDefaults)
    cloak: CloakConfig = field(default_factory=CloakConfig)
    websocket: bool = False

    def __repr__(self) -> str:
        return masked_repr(self)

    @property
    def has_api_keys(self) -> bool:
        """Whether the provider runs on raw keys instead of OAuth."""
        return bool(self.api_key) or bool(self.api_keys)

    def effective_keys(self) -> tuple[ApiKeyEntry, ...]:
        """Keys in the order the router tries them, each with its resolved ``base_url``.

        ``api_key`` comes first (with the provider's ``base_url``), then each
        ``api_keys`` entry in file order (its own ``base_url``, else the provider's).
        """
        keys: list[ApiKeyEntry] = []
        if self.api_key:
            keys.append(ApiKeyEntry(api_key=self.api_key, base_url=self.base_url))
        for entry in self.api_keys:
            if entry.base_url is None and self.base_url is not None:
                entry = replace(entry, base_url=self.base_url)
            keys.append(entry)
        return tuple(keys)
