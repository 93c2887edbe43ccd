"""``ProviderGateway``: model name in, routed answer out — what the proxy serves from.

It matches the proxy's ``Gateway`` protocol structurally (``chat``,
``count_tokens``, ``list_models``, ``supported_models``, ``rate_limits``,
``reset_cooldowns``) without importing the proxy: the provider layer sits
below it. Executors are built lazily, once per upstream, from a table of
factories by provider id (:data:`~byokey_provider.EXECUTORS` by default) and
kept for the process, so their caches, routers and cooldowns persist. All
executors share one :class:`RateLimitBook` and one :class:`VersionStore`
(passed as ``versions=`` to every factory that takes it; load it at start-up
with ``await gateway.versions.load()``).

Failover order for one request: the resolved upstream's credentials (inside
the executor), then the provider's configured ``fallback`` provider (same
request), never after the first stream event reached the caller.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson

from byokey_config import Settings
from byokey_types import (
    ByokError,
    ChatRequest,
    InvalidRequest,
    ProviderId,
    ProviderResponse,
    ProviderUnavailable,
    RateLimitSnapshot,
    WireFormat,
)

from ._catalog import ModelCatalog, Resolution
from ._credentials import CredentialSource, builtin_provider
from ._executor import Clock, ExecutorFactory, SettingsSource, UpstreamExecutor
from ._executors import EXECUTORS
from ._http import UpstreamHttp
from ._openai_compatible import OpenAICompatibleExecutor
from ._ratelimits import RateLimitBook
from ._version_store import VersionStore

__all__ = ["GatewayModel", "ProviderGateway", "RoutedAnswer"]

_log = logging.getLogger("byokey.provider.gateway")

_COUNTED_FIELDS = ("system", "systemInstruction", "messages", "contents", "input", "tools")


def _takes_versions(factory: ExecutorFactory) -> bool:
    """Whether ``factory`` accepts ``versions=`` (``ExecutorFactory`` itself does not
    require it, so test doubles and older factories keep working)."""
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return "versions" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


@dataclass(frozen=True, slots=True)
class GatewayModel:
    """One listed model (same fields as the proxy's ``ModelInfo``)."""

    id: str
    owned_by: str


@dataclass(frozen=True, slots=True)
class RoutedAnswer:
    """An answer and where it came from (same fields as the proxy's ``RoutedResponse``).

    ``provider`` is the upstream that answered (after ``backend``/``fallback``),
    ``model`` the clean model, ``account_id`` the credential's secret-free id.
    """

    response: ProviderResponse
    provider: str
    model: str
    account_id: str | None = None


class ProviderGateway:
    """Routing, failover and execution of chat requests over every configured upstream."""

    def __init__(
        self,
        settings: SettingsSource,
        credentials: CredentialSource,
        http: UpstreamHttp,
        *,
        executors: Mapping[ProviderId, ExecutorFactory] | None = None,
        ratelimits: RateLimitBook | None = None,
        clock: Clock | None = None,
        versions: VersionStore | None = None,
    ) -> None:
        self._settings: Callable[[], Settings] = (
            settings if callable(settings) else (lambda: settings)
        )
        self.credentials = credentials
        self.http = http
        self.clock: Clock = clock or time.time
        self.ratelimits = ratelimits if ratelimits is not None else RateLimitBook(self.clock)
        self.versions = (
            versions if versions is not None else VersionStore.from_settings(self._settings())
        )
        self.catalog = ModelCatalog(self._settings)
        self._factories = dict(EXECUTORS if executors is None else executors)
        self._executors: dict[str, UpstreamExecutor] = {}

    # ------------------------------------------------------------- executors

    def executor(self, upstream: str) -> UpstreamExecutor | None:
        """The long-lived executor of ``upstream`` (built on first use), or None."""
        found = self._executors.get(upstream)
        if found is not None:
            return found
        provider = builtin_provider(upstream)
        built: UpstreamExecutor | None = None
        if provider is not None:
            factory = self._factories.get(provider)
            if factory is not None:
                extra = {"versions": self.versions} if _takes_versions(factory) else {}
                built = factory(
                    provider,
                    self._settings,
                    self.credentials,
                    self.http,
                    ratelimits=self.ratelimits,
                    clock=self.clock,
                    **extra,
                )
        elif self._settings().openai_compatible_named(upstream) is not None:
            built = OpenAICompatibleExecutor(
                upstream,
                self._settings,
                self.credentials,
                self.http,
                ratelimits=self.ratelimits,
                clock=self.clock,
            )
        if built is not None:
            self._executors[upstream] = built
        return built

    def _require(self, upstream: str) -> UpstreamExecutor:
        found = self.executor(upstream)
        if found is None:
            raise ProviderUnavailable(upstream)
        return found

    # ------------------------------------------------------------------ chat

    async def resolve(self, request: ChatRequest) -> Resolution:
        return await self.catalog.resolve(request.model, self._available)

    async def _available(self, provider: ProviderId) -> bool:
        return await self.credentials.available(provider.value)

    async def chat(self, request: ChatRequest) -> RoutedAnswer:
        """Resolve the model, run the request, fail over to ``fallback`` if configured."""
        resolution = await self.resolve(request)
        routed = self._rewritten(request, resolution)
        try:
            primary = self._require(resolution.upstream)
            response, cred = await primary.route(routed)
            return RoutedAnswer(response, primary.name, resolution.model, cred.id)
        except InvalidRequest:
            raise
        except ByokError as err:
            fallback = self._fallback_for(resolution)
            if fallback is None:
                raise
            _log.info(
                "%s failed (%s); falling back to %s", resolution.upstream, err.status, fallback.name
            )
            response, cred = await fallback.route(routed)
            return RoutedAnswer(response, fallback.name, resolution.model, cred.id)

    def _fallback_for(self, resolution: Resolution) -> UpstreamExecutor | None:
        provider = builtin_provider(resolution.upstream)
        if provider is None:
            return None
        target = self._settings().provider(provider).fallback
        if target is None or target.value == resolution.upstream:
            return None
        return self.executor(target.value)

    def _rewritten(self, request: ChatRequest, resolution: Resolution) -> ChatRequest:
        body = {**request.body, "model": resolution.request_model}
        if request.format is WireFormat.OPENAI:
            body = self._settings().apply_payload_rules(body, resolution.model)
        return ChatRequest(
            body, format=request.format, account_id=request.account_id, headers=request.headers
        )

    async def count_tokens(self, request: ChatRequest) -> int:
        """An estimate of the request's input tokens (about four bytes of JSON per token).

        No upstream is called: ``count_tokens`` must work without credentials,
        and clients only use it to budget context.
        """
        counted = {k: request.body[k] for k in _COUNTED_FIELDS if k in request.body}
        return max(1, len(orjson.dumps(counted)) // 4)

    # ------------------------------------------------------------- management

    def list_models(self) -> list[GatewayModel]:
        return [GatewayModel(m.id, m.owned_by) for m in self.catalog.list_models()]

    def supported_models(self, provider: ProviderId) -> list[str]:
        if not provider.is_model_provider:
            return []
        return self.catalog.models_for(provider)

    def rate_limits(self) -> Mapping[ProviderId, Mapping[str, RateLimitSnapshot]]:
        """Latest snapshot per built-in provider and credential (canonical order)."""
        found = self.ratelimits.all()
        return {p: found[p.value] for p in ProviderId.all() if p.value in found}

    def reset_cooldowns(self, provider: ProviderId | None = None) -> int:
        """Make cooled-down credentials ready again; returns how many were cooling."""
        total = 0
        for name, ex in list(self._executors.items()):
            if provider is None or name == provider.value:
                total += ex.reset_cooldowns()
        return total

    async def aclose(self) -> None:
        """Close the shared HTTP pool."""
        await self.http.aclose()
