"""The root settings snapshot and the lookups every request path needs.

A ``Settings`` is immutable: a reload builds a new one and swaps the reference,
so a request that took a snapshot keeps a consistent view until it finishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from byokey_config._endpoints import Endpoints
from byokey_config._enums import RoutingStrategy
from byokey_config._fields import U16_MAX, masked_repr, setting
from byokey_config._glob import glob_match_any
from byokey_config._oauth import AuthConfig
from byokey_config._openai_compatible import OpenAICompatibleProvider
from byokey_config._payload import PayloadRules, apply_payload_rules
from byokey_config._provider import ProviderConfig
from byokey_config._sections import (
    AmpConfig,
    HttpConfig,
    LogConfig,
    ModelAlias,
    RoutingConfig,
    StreamingConfig,
    TimeoutsConfig,
    UsageConfig,
)
from byokey_types import ProviderId

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Settings"]

DEFAULT_PORT = 8018
DEFAULT_HOST = "127.0.0.1"

_DEFAULT_PROVIDER = ProviderConfig()


def _empty_map() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything byokey reads from its settings file and environment."""

    host: str = DEFAULT_HOST
    port: int = setting(DEFAULT_PORT, minimum=0, maximum=U16_MAX)
    log: LogConfig = field(default_factory=LogConfig)
    proxy_url: str | None = setting(None, secret=True)
    api_keys: tuple[str, ...] = setting((), secret=True)
    providers: Mapping[ProviderId, ProviderConfig] = field(default_factory=_empty_map)
    model_alias: Mapping[ProviderId, tuple[ModelAlias, ...]] = field(default_factory=_empty_map)
    excluded_models: Mapping[ProviderId, tuple[str, ...]] = field(default_factory=_empty_map)
    payload: PayloadRules = field(default_factory=PayloadRules)
    streaming: StreamingConfig = field(default_factory=StreamingConfig)
    amp: AmpConfig = field(default_factory=AmpConfig)
    openai_compatible: tuple[OpenAICompatibleProvider, ...] = ()
    routing: RoutingConfig = field(default_factory=RoutingConfig)
    timeouts: TimeoutsConfig = field(default_factory=TimeoutsConfig)
    endpoints: Endpoints = field(default_factory=Endpoints)
    http: HttpConfig = field(default_factory=HttpConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    usage: UsageConfig = field(default_factory=UsageConfig)

    def __repr__(self) -> str:
        return masked_repr(self)

    # --- providers -------------------------------------------------------------

    def provider(self, provider: ProviderId | str) -> ProviderConfig:
        """The provider's settings; all defaults when it has no entry."""
        return self.providers.get(ProviderId.parse(provider), _DEFAULT_PROVIDER)

    def routing_for(self, provider: ProviderId | str) -> RoutingStrategy:
        """The provider's own ``routing``, else ``routing.strategy``."""
        return self.provider(provider).routing or self.routing.strategy

    def openai_compatible_named(self, name: str) -> OpenAICompatibleProvider | None:
        for upstream in self.openai_compatible:
            if upstream.name == name:
                return upstream
        return None

    # --- models ----------------------------------------------------------------

    def resolve_alias(self, model: str) -> str:
        """The upstream model for a client alias, or ``model`` unchanged.

        Providers are scanned in file order and the first matching alias wins
        (the original's order was hash-map order, i.e. unspecified).
        """
        for aliases in self.model_alias.values():
            for entry in aliases:
                if entry.alias == model:
                    return entry.name
        return model

    def aliases_for(self, provider: ProviderId | str) -> tuple[ModelAlias, ...]:
        return self.model_alias.get(ProviderId.parse(provider), ())

    def is_model_excluded(self, provider: ProviderId | str, model: str) -> bool:
        """Whether ``excluded_models`` (top-level or the provider's own) hides ``model``."""
        pid = ProviderId.parse(provider)
        patterns = (*self.excluded_models.get(pid, ()), *self.provider(pid).excluded_models)
        return glob_match_any(patterns, model)

    def apply_payload_rules(self, body: dict[str, Any], model: str) -> dict[str, Any]:
        """``payload`` rules applied to an OpenAI-format body (never mutated)."""
        if self.payload.is_empty:
            return body
        return apply_payload_rules(self.payload, body, model)

    # --- URLs ------------------------------------------------------------------

    def endpoint(self, name: str) -> str | None:
        """The configured override of endpoint ``name``, or None (see ``Endpoints``).

        ``amp_upstream`` also honours ``amp.upstream_url``.
        """
        value = self.endpoints.override(name)
        if value is None and name == "amp_upstream":
            return self.amp.upstream_url
        return value

    def endpoint_url(self, name: str) -> str | None:
        """The override of endpoint ``name`` if any, else its built-in default.

        ``None`` means there is no URL: none compiled in (``amp_token``,
        ``kiro_token``: derive it) or a runtime document switched off with ``""``.
        """
        if name == "amp_upstream" and not self.endpoints.amp_upstream and self.amp.upstream_url:
            return self.amp.upstream_url
        return self.endpoints.url(name)

    def provider_base_url(self, provider: ProviderId | str) -> str | None:
        """API base for ``provider``: ``providers.<id>.base_url``, else the endpoint.

        For Codex this is the API-key base (``codex_api``); the OAuth backend is
        ``endpoint_url("codex_chatgpt")``.
        """
        pid = ProviderId.parse(provider)
        own = self.provider(pid).base_url
        if own:
            return own
        name = "amp_upstream" if pid is ProviderId.AMP else f"{pid.value}_api"
        return self.endpoint_url(name)

    def amp_url(self, explicit: str | None = None) -> str:
        """URL ``amp inject`` writes: ``explicit``, else ``amp.settings["amp.url"]``
        when it is a string, else ``http://{host}:{amp.port}``."""
        if explicit:
            return explicit
        configured = self.amp.settings.get("amp.url")
        if isinstance(configured, str):
            return configured
        return f"http://{self.host}:{self.amp.port}"
