"""Runtime identity strings (CLI versions, user agents) with compiled-in fallbacks.

Upstreams that fingerprint their official CLIs reject stale versions, and a CLI
release should not need a byokey release: at start-up the store fetches one small
JSON document per provider (``{base}/{provider}.json``) and keeps it for the
process lifetime. Every accessor falls back — fetched value, then the compiled
default — so an empty store (offline, tests, a failed fetch) still yields a
complete identity. A failed refresh keeps the last good values.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import orjson

from byokey_config import Settings
from byokey_types import ProviderId

if TYPE_CHECKING:  # httpx loads with the first fetch
    import httpx

__all__ = [
    "COMPILED_VERSIONS",
    "DEFAULT_VERSIONS_BASE",
    "FETCHED_PROVIDERS",
    "VersionInfo",
    "VersionStore",
]

_log = logging.getLogger(__name__)

DEFAULT_VERSIONS_BASE: Final = "https://assets.byokey.io/versions"

FETCHED_PROVIDERS: Final = (
    ProviderId.CLAUDE,
    ProviderId.CODEX,
    ProviderId.COPILOT,
    ProviderId.ANTIGRAVITY,
    ProviderId.KIMI,
    ProviderId.QWEN,
    ProviderId.IFLOW,
)
"""Providers with a version document, in fetch order (gemini, kiro, amp have none)."""


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One provider's identity strings; ``None`` means "not known here"."""

    cli_version: str | None = None
    user_agent: str | None = None
    stainless_package_version: str | None = None
    stainless_runtime_version: str | None = None
    editor_version: str | None = None
    plugin_version: str | None = None
    github_api_version: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> VersionInfo:
        """Read a version document: string members only, unknown members ignored."""
        if not isinstance(data, dict):
            raise ValueError("a version document must be a JSON object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known and isinstance(v, str) and v}
        return cls(**values)

    def merged_over(self, base: VersionInfo) -> VersionInfo:
        """These values where set, ``base``'s elsewhere."""
        overrides = {f.name: getattr(self, f.name) for f in fields(self)}
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


COMPILED_VERSIONS: Final[Mapping[ProviderId, VersionInfo]] = MappingProxyType(
    {
        ProviderId.CLAUDE: VersionInfo(
            cli_version="2.1.109",
            user_agent="claude-cli/2.1.109 (external, cli)",
            stainless_package_version="0.74.0",
            stainless_runtime_version="v24.14.1",
        ),
        ProviderId.CODEX: VersionInfo(
            cli_version="0.120.0",
            user_agent="codex-tui/0.120.0 (Mac OS 26.0.1; arm64) Apple_Terminal/464",
        ),
        ProviderId.COPILOT: VersionInfo(
            user_agent="GitHubCopilotChat/0.35.0",
            editor_version="vscode/1.107.0",
            plugin_version="copilot-chat/0.35.0",
            github_api_version="2025-04-01",
        ),
        ProviderId.ANTIGRAVITY: VersionInfo(user_agent="antigravity/1.20.5 darwin/arm64"),
        ProviderId.QWEN: VersionInfo(user_agent="QwenCode/0.10.3 (darwin; arm64)"),
        ProviderId.KIMI: VersionInfo(cli_version="1.10.6", user_agent="KimiCLI/1.10.6"),
        ProviderId.IFLOW: VersionInfo(user_agent="iFlow-Cli"),
    }
)
"""The identity each executor uses when nothing was fetched."""

_EMPTY = VersionInfo()


class VersionStore:
    """Fetched identity strings over compiled defaults; safe to share process-wide.

    ``base_url=None`` disables fetching (the store then only knows the compiled
    defaults). :meth:`load` fetches every document; :meth:`refresh` re-fetches
    when the last load is older than ``max_age`` seconds (``None``: never).
    """

    def __init__(
        self,
        fetched: Mapping[ProviderId, VersionInfo] | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 5.0,
        max_age: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetched: dict[ProviderId, VersionInfo] = dict(fetched or {})
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.max_age = max_age
        self._transport = transport
        self._clock = clock
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> VersionStore:
        """The store the settings describe: ``endpoints.versions_base`` (``""`` switches
        fetching off) and ``timeouts.version_fetch_seconds``. Nothing is fetched yet."""
        return cls(
            base_url=settings.endpoint_url("versions_base"),
            timeout=settings.timeouts.version_fetch_seconds,
            **kwargs,
        )

    # ------------------------------------------------------------------ reading

    def get(self, provider: ProviderId) -> VersionInfo | None:
        """What was fetched for ``provider`` (raw, no fallback), if anything."""
        return self._fetched.get(provider)

    def resolved(self, provider: ProviderId) -> VersionInfo:
        """Fetched values over the compiled defaults."""
        fetched = self._fetched.get(provider, _EMPTY)
        return fetched.merged_over(COMPILED_VERSIONS.get(provider, _EMPTY))

    def _pick(self, provider: ProviderId, name: str, default: str | None) -> str:
        fetched = getattr(self._fetched.get(provider, _EMPTY), name)
        if fetched is not None:
            return str(fetched)
        if default is not None:
            return default
        compiled = getattr(COMPILED_VERSIONS.get(provider, _EMPTY), name)
        return str(compiled) if compiled is not None else ""

    def user_agent(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "user_agent", default)

    def cli_version(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "cli_version", default)

    def stainless_runtime(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "stainless_runtime_version", default)

    def stainless_package(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "stainless_package_version", default)

    def editor_version(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "editor_version", default)

    def plugin_version(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "plugin_version", default)

    def github_api_version(self, provider: ProviderId, default: str | None = None) -> str:
        return self._pick(provider, "github_api_version", default)

    # ----------------------------------------------------------------- fetching

    async def load(self, providers: Iterable[ProviderId] = FETCHED_PROVIDERS) -> int:
        """Fetch each provider's document; returns how many were read.

        A provider whose fetch fails keeps what it had (the last good document, or
        nothing, which means compiled defaults). Never raises for network or
        format problems: identity strings are an optimisation, not a dependency.
        """
        if self.base_url is None:
            return 0
        import httpx  # only servers that fetch the documents load it

        async with self._lock:
            loaded = 0
            async with httpx.AsyncClient(
                timeout=self.timeout, transport=self._transport, follow_redirects=True
            ) as client:
                for provider in providers:
                    info = await self._fetch_one(client, provider)
                    if info is not None:
                        self._fetched[provider] = info
                        loaded += 1
            self._loaded_at = self._clock()
            return loaded

    async def refresh(self) -> int:
        """Re-fetch when older than ``max_age`` (or never loaded); 0 when still fresh."""
        if self._loaded_at is not None and (
            self.max_age is None or self._clock() - self._loaded_at < self.max_age
        ):
            return 0
        return await self.load()

    async def _fetch_one(
        self, client: httpx.AsyncClient, provider: ProviderId
    ) -> VersionInfo | None:
        import httpx

        url = f"{self.base_url}/{provider.value}.json"
        try:
            response = await client.get(url, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            _log.debug("version document for %s not fetched: %s", provider, type(exc).__name__)
            return None
        if not response.is_success:
            _log.debug("version document for %s: HTTP %d", provider, response.status_code)
            return None
        try:
            return VersionInfo.from_json(orjson.loads(response.content))
        except (orjson.JSONDecodeError, ValueError):
            _log.debug("version document for %s is not a JSON object", provider)
            return None
