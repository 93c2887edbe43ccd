"""Every upstream and OAuth URL byokey talks to, overridable from config.

Tests and air-gapped setups point these at local servers; nothing else in the
code base hard-codes a URL. Each field is ``None`` unless overridden, and
:data:`ENDPOINT_DEFAULTS` holds what the code uses otherwise. A default of
``None`` means "no compiled-in URL": the value comes from the credentials
document (``credentials_base``) at runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import Final

__all__ = [
    "DOCUMENT_ENDPOINTS",
    "ENDPOINT_DEFAULTS",
    "ENDPOINT_DESCRIPTIONS",
    "STARTUP_ENDPOINTS",
    "Endpoints",
]

_TABLE: Final[tuple[tuple[str, str | None, str], ...]] = (
    # --- provider API bases (the executor appends its own path) ---
    ("claude_api", "https://api.anthropic.com", "Claude Messages API origin"),
    ("codex_api", "https://api.openai.com", "OpenAI API origin (Codex with an API key)"),
    (
        "codex_chatgpt",
        "https://chatgpt.com/backend-api/codex",
        "ChatGPT Codex backend (Codex with OAuth); `/responses` is appended",
    ),
    (
        "codex_websocket",
        "wss://chatgpt.com/backend-api/codex/ws",
        "ChatGPT Codex WebSocket transport (`providers.codex.websocket: true`)",
    ),
    (
        "gemini_api",
        "https://generativelanguage.googleapis.com/v1beta/openai",
        "Gemini OpenAI-compatible API base",
    ),
    (
        "gemini_native",
        "https://generativelanguage.googleapis.com/v1beta/models",
        "Gemini native generateContent base (Amp Gemini passthrough)",
    ),
    (
        "gemini_code_assist",
        "https://cloudcode-pa.googleapis.com",
        "Gemini Code Assist origin (Gemini with a Google login, as Gemini CLI)",
    ),
    ("copilot_api", "https://api.githubcopilot.com", "Copilot chat API base"),
    (
        "kiro_api",
        "https://q.us-east-1.amazonaws.com",
        "Kiro (CodeWhisperer) API origin; `/generateAssistantResponse` is appended",
    ),
    (
        "antigravity_api",
        "https://daily-cloudcode-pa.googleapis.com",
        "Antigravity (Cloud Code Assist) origin",
    ),
    (
        "antigravity_api_fallback",
        "https://daily-cloudcode-pa.sandbox.googleapis.com",
        "Antigravity fallback origin",
    ),
    ("qwen_api", "https://portal.qwen.ai/v1", "Qwen API base"),
    ("kimi_api", "https://api.kimi.com/coding/v1", "Kimi API base"),
    ("iflow_api", "https://apis.iflow.cn/v1", "iFlow API base"),
    ("amp_upstream", "https://ampcode.com", "ampcode.com, target of the Amp proxy routes"),
    # --- OAuth: authorize pages ---
    ("claude_authorize", "https://claude.ai/oauth/authorize", "Claude OAuth authorize page"),
    ("codex_authorize", "https://auth.openai.com/oauth/authorize", "Codex OAuth authorize page"),
    (
        "gemini_authorize",
        "https://accounts.google.com/o/oauth2/v2/auth",
        "Google OAuth authorize page (Gemini)",
    ),
    (
        "antigravity_authorize",
        "https://accounts.google.com/o/oauth2/v2/auth",
        "Google OAuth authorize page (Antigravity)",
    ),
    ("iflow_authorize", "https://iflow.cn/oauth", "iFlow OAuth authorize page"),
    ("amp_authorize", "https://ampcode.com/oauth/authorize", "Amp OAuth authorize page"),
    # --- OAuth: token and device endpoints (override the credentials document) ---
    ("claude_token", "https://api.anthropic.com/v1/oauth/token", "Claude OAuth token endpoint"),
    ("codex_token", "https://auth.openai.com/oauth/token", "Codex OAuth token endpoint"),
    ("gemini_token", "https://oauth2.googleapis.com/token", "Google token endpoint (Gemini)"),
    (
        "antigravity_token",
        "https://oauth2.googleapis.com/token",
        "Google token endpoint (Antigravity)",
    ),
    ("iflow_token", "https://iflow.cn/oauth/token", "iFlow OAuth token endpoint"),
    (
        "iflow_userinfo",
        "https://iflow.cn/api/oauth/getUserInfo",
        "iFlow user info (exchanges the OAuth token for the API key)",
    ),
    ("amp_token", None, "Amp OAuth token endpoint (default: from the credentials document)"),
    (
        "copilot_device",
        "https://github.com/login/device/code",
        "GitHub device-code endpoint (Copilot login)",
    ),
    (
        "copilot_token",
        "https://github.com/login/oauth/access_token",
        "GitHub OAuth token endpoint (Copilot login)",
    ),
    (
        "copilot_token_exchange",
        "https://api.github.com/copilot_internal/v2/token",
        "GitHub token → Copilot API token exchange",
    ),
    (
        "copilot_user",
        "https://api.github.com/copilot_internal/user",
        "Copilot quota / user info",
    ),
    (
        "qwen_device",
        "https://chat.qwen.ai/api/v1/oauth2/device/code",
        "Qwen device-code endpoint",
    ),
    ("qwen_token", "https://chat.qwen.ai/api/v1/oauth2/token", "Qwen OAuth token endpoint"),
    (
        "kimi_device",
        "https://auth.kimi.com/api/oauth/device_authorization",
        "Kimi device-code endpoint",
    ),
    ("kimi_token", "https://auth.kimi.com/api/oauth/token", "Kimi OAuth token endpoint"),
    (
        "kiro_oidc",
        "https://oidc.{region}.amazonaws.com",
        "AWS SSO OIDC origin for Kiro (`{region}` is substituted)",
    ),
    (
        "kiro_token",
        None,
        "AWS SSO OIDC token endpoint for Kiro (default: `{kiro_oidc}/token`)",
    ),
    (
        "kiro_start_url",
        "https://view.awsapps.com/start",
        "AWS Builder ID start URL for Kiro (an IAM Identity Center start URL for organisations)",
    ),
    (
        "kiro_social",
        "https://prod.us-east-1.auth.desktop.kiro.dev",
        "Kiro IDE social login (Google/GitHub) service",
    ),
    # --- runtime documents ---
    (
        "credentials_base",
        "https://assets.byokey.io/oauth",
        "OAuth client documents, fetched as `{base}/{provider}.json`",
    ),
    (
        "versions_base",
        "https://assets.byokey.io/versions",
        "VersionStore documents, fetched as `{base}/{provider}.json`",
    ),
)

ENDPOINT_DEFAULTS: Final = MappingProxyType({name: default for name, default, _ in _TABLE})
"""Built-in URL of every endpoint name (``None``: supplied at runtime)."""

ENDPOINT_DESCRIPTIONS: Final = MappingProxyType({name: text for name, _, text in _TABLE})

STARTUP_ENDPOINTS: Final = frozenset(
    name
    for name in ENDPOINT_DEFAULTS
    if name.endswith(("_authorize", "_token", "_device", "_userinfo"))
    or name in ("kiro_oidc", "kiro_start_url", "kiro_social", "credentials_base", "versions_base")
)
"""Endpoints read once at startup (login/refresh and the VersionStore): a change needs
a restart. The others (API bases, the Copilot token exchange) are read per request."""

DOCUMENT_ENDPOINTS: Final = frozenset({"credentials_base", "versions_base"})
"""Runtime documents that an empty string switches off (offline use, tests)."""


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Overrides only: ``None`` means "use the built-in default"."""

    claude_api: str | None = None
    codex_api: str | None = None
    codex_chatgpt: str | None = None
    codex_websocket: str | None = None
    gemini_api: str | None = None
    gemini_native: str | None = None
    gemini_code_assist: str | None = None
    copilot_api: str | None = None
    kiro_api: str | None = None
    antigravity_api: str | None = None
    antigravity_api_fallback: str | None = None
    qwen_api: str | None = None
    kimi_api: str | None = None
    iflow_api: str | None = None
    amp_upstream: str | None = None
    claude_authorize: str | None = None
    codex_authorize: str | None = None
    gemini_authorize: str | None = None
    antigravity_authorize: str | None = None
    iflow_authorize: str | None = None
    amp_authorize: str | None = None
    claude_token: str | None = None
    codex_token: str | None = None
    gemini_token: str | None = None
    antigravity_token: str | None = None
    iflow_token: str | None = None
    iflow_userinfo: str | None = None
    amp_token: str | None = None
    copilot_device: str | None = None
    copilot_token: str | None = None
    copilot_token_exchange: str | None = None
    copilot_user: str | None = None
    qwen_device: str | None = None
    qwen_token: str | None = None
    kimi_device: str | None = None
    kimi_token: str | None = None
    kiro_oidc: str | None = None
    kiro_token: str | None = None
    kiro_start_url: str | None = None
    kiro_social: str | None = None
    credentials_base: str | None = None
    versions_base: str | None = None

    def override(self, name: str) -> str | None:
        """The configured URL for ``name``, or None when not overridden.

        Raises ``KeyError`` for a name that is not an endpoint: a typo in code
        should fail loudly, not silently fall back to the internet.
        """
        if name not in ENDPOINT_DEFAULTS:
            raise KeyError(f"unknown endpoint name: {name!r}")
        value: str | None = getattr(self, name)
        return value

    def url(self, name: str) -> str | None:
        """The override for ``name`` if set, else its built-in default.

        An empty string counts as unset, except for the two runtime documents
        (:data:`DOCUMENT_ENDPOINTS`), where it switches the fetch off: the
        result is then ``None``, as for an endpoint without a compiled-in URL.
        """
        value = self.override(name)
        if value == "" and name in DOCUMENT_ENDPOINTS:
            return None
        return value or ENDPOINT_DEFAULTS[name]

    def overridden(self) -> dict[str, str]:
        """Every endpoint that is overridden, by name (for status pages and logs)."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}
