"""Every URL the auth package talks to, with compiled-in defaults and config overrides.

The names are the ones ``byokey_config`` uses under ``settings.endpoints`` so the
CLI can hand ``settings.endpoints.overridden()`` straight in. Token and device
URLs are resolved in three layers (config override, then the runtime credential
document, then the compiled-in value), see :mod:`byokey_auth._credentials`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from byokey_types.provider import ProviderId

__all__ = ["ENDPOINT_NAMES", "AuthEndpoints"]

_DEFAULTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "claude_authorize": "https://claude.ai/oauth/authorize",
        "codex_authorize": "https://auth.openai.com/oauth/authorize",
        "gemini_authorize": "https://accounts.google.com/o/oauth2/v2/auth",
        "antigravity_authorize": "https://accounts.google.com/o/oauth2/v2/auth",
        "iflow_authorize": "https://iflow.cn/oauth",
        "amp_authorize": "https://ampcode.com/oauth/authorize",
        "iflow_userinfo": "https://iflow.cn/api/oauth/getUserInfo",
        "kiro_oidc": "https://oidc.{region}.amazonaws.com",
        "kiro_start_url": "https://view.awsapps.com/start",
        "kiro_social": "https://prod.us-east-1.auth.desktop.kiro.dev",
        "credentials_base": "https://assets.byokey.io/oauth",
        "antigravity_api": "https://daily-cloudcode-pa.googleapis.com",
    }
)

_TOKEN_AND_DEVICE: Final = frozenset(
    {f"{p.value}_token" for p in ProviderId} | {"copilot_device", "qwen_device", "kimi_device"}
)

ENDPOINT_NAMES: Final = frozenset(_DEFAULTS) | _TOKEN_AND_DEVICE
"""Every override key the auth package reads."""


class AuthEndpoints:
    """Config overrides on top of compiled-in URLs.

    Unknown keys are ignored rather than rejected: the CLI passes every endpoint
    override from the settings, most of which belong to other packages. An empty
    string for ``credentials_base`` switches the runtime document off entirely.
    """

    __slots__ = ("_overrides",)

    def __init__(self, overrides: Mapping[str, str | None] | None = None) -> None:
        self._overrides: dict[str, str] = {
            k: v for k, v in (overrides or {}).items() if k in ENDPOINT_NAMES and v is not None
        }

    def url(self, name: str) -> str | None:
        """The override for ``name``, else its compiled-in default (None: none compiled)."""
        if name not in ENDPOINT_NAMES:
            raise KeyError(f"unknown auth endpoint: {name!r}")
        if name in self._overrides:
            return self._overrides[name]
        return _DEFAULTS.get(name)

    def override(self, name: str) -> str | None:
        """Only what config set, for the layers that have their own fallback."""
        return self._overrides.get(name)

    def require(self, name: str) -> str:
        value = self.url(name)
        if not value:
            raise KeyError(name)
        return value

    def __repr__(self) -> str:
        return f"AuthEndpoints(overridden={sorted(self._overrides)!r})"
