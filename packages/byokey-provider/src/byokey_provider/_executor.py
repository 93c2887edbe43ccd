"""The executor base: everything a provider executor shares, so each one only
says how its upstream is addressed.

An executor is built **once** per upstream (not per request, unlike the
original) from the upstream's name, the settings, a credential source and the
shared :class:`~byokey_provider.UpstreamHttp`, so its caches, its router and its
cooldowns live for the process. ``await ex.chat(request)`` takes a
``ChatRequest`` in any client format and answers in that same format: the
body is translated to the upstream's native format (``upstream_format``), the
thinking suffix of the model name (``model(high)``) is written into the
upstream body's own fields, and the answer is translated back.

A subclass implements one method, :meth:`UpstreamExecutor.send` — one attempt
with one credential, returning a ``ChatResponse`` / ``ChatStream`` in its
upstream's format — usually with :meth:`UpstreamExecutor.post` and
:meth:`UpstreamExecutor.respond`. The base adds credential rotation, cooldowns,
failover across credentials (only until the first stream event is in hand, so
nothing is retried after a client has seen a byte), rate-limit capture and the
translation back.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from byokey_config import RoutingStrategy, Settings
from byokey_translate import (
    StreamConverter,
    ThinkingConfig,
    apply_thinking,
    convert_request,
    convert_response,
    parse_model_suffix,
)
from byokey_types import (
    ByokError,
    ChatRequest,
    ChatResponse,
    ChatStream,
    ConfigError,
    ProviderId,
    ProviderResponse,
    SSEEvent,
    TokenNotFound,
    TransportError,
    UpstreamError,
    WireFormat,
)

from ._cooldown import CooldownBook, CooldownPolicy, classify
from ._credentials import Credential, CredentialSource
from ._errors import CredentialsExhausted
from ._http import UpstreamHttp, UpstreamResponse
from ._ratelimits import RateLimitBook
from ._registry import models_for_provider, thinking_capability
from ._routing import CredentialRouter, RoutePlan
from ._stream_views import guarded, primed
from ._version_store import VersionStore

__all__ = [
    "Clock",
    "Executor",
    "ExecutorFactory",
    "SettingsSource",
    "UpstreamExecutor",
    "UpstreamRequest",
]

_log = logging.getLogger("byokey.provider")

Clock = Callable[[], float]
SettingsSource = Settings | Callable[[], Settings]
"""A snapshot, or a callable returning the current one (hot reload)."""

_MODEL_FORMATS = frozenset({WireFormat.OPENAI, WireFormat.OPENAI_RESPONSES, WireFormat.ANTHROPIC})


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    """One request, ready for an upstream: the body already in ``upstream_format``.

    ``model`` is the upstream model id (thinking suffix removed, the
    executor's :meth:`~UpstreamExecutor.upstream_model` applied); ``thinking``
    is the parsed suffix (already written into ``body``); ``source`` is the
    client's request as received.
    """

    body: dict[str, Any]
    model: str
    stream: bool
    source: ChatRequest
    thinking: ThinkingConfig | None = None

    @property
    def headers(self) -> Mapping[str, str]:
        """Client headers the proxy forwarded (``anthropic-beta`` …), never credentials."""
        return self.source.headers


class ExecutorFactory(Protocol):
    """How the gateway builds an executor: every executor class has this constructor."""

    def __call__(
        self,
        provider: ProviderId,
        settings: SettingsSource,
        credentials: CredentialSource,
        http: UpstreamHttp,
        *,
        ratelimits: RateLimitBook | None = None,
        clock: Clock | None = None,
    ) -> Executor: ...


def _in_band_error(event: SSEEvent) -> UpstreamError | None:
    """An error sent as the first stream event (HTTP 200, then ``error``)."""
    data = event.data
    if not isinstance(data, dict):
        return None
    err = data.get("error")
    if event.event != "error" and not (isinstance(err, dict) and "choices" not in data):
        return None
    detail = err if isinstance(err, dict) else data
    kind = str(detail.get("type") or detail.get("code") or "")
    if "rate_limit" in kind or "quota" in kind:
        status = 429
    elif "overloaded" in kind or "unavailable" in kind:
        status = 503
    elif "invalid_request" in kind:
        status = 400
    else:
        status = 502
    message = detail.get("message")
    return UpstreamError(status, str(message) if message else kind)


class UpstreamExecutor(ABC):
    """Base of every executor; ``name`` is the upstream (a provider id or an
    ``openai_compatible`` name)."""

    upstream_format: ClassVar[WireFormat] = WireFormat.OPENAI
    """The wire format :meth:`send` speaks (bodies in, responses out)."""

    def __init__(
        self,
        name: str,
        settings: SettingsSource,
        credentials: CredentialSource,
        http: UpstreamHttp,
        *,
        ratelimits: RateLimitBook | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self._settings: Callable[[], Settings] = (
            settings if callable(settings) else (lambda: settings)
        )
        self.credentials = credentials
        self.http = http
        self.clock: Clock = clock or time.time
        self.ratelimits = ratelimits if ratelimits is not None else RateLimitBook(self.clock)
        self.cooldowns = CooldownBook(
            lambda: CooldownPolicy.from_settings(self._settings()), self.clock
        )
        self.router = CredentialRouter(self.cooldowns)

    # ------------------------------------------------------------- settings hooks

    @property
    def settings(self) -> Settings:
        """The current settings snapshot."""
        return self._settings()

    def routing_strategy(self) -> RoutingStrategy:
        return self.settings.routing.strategy

    def proxy_url(self) -> str | None:
        """Per-upstream ``proxy_url`` (None: the shared session's global one)."""
        return None

    def max_attempts(self) -> int | None:
        """How many credentials one request may try (None: every ready one)."""
        return self.settings.routing.max_retry_credentials

    @abstractmethod
    def supported_models(self) -> list[str]:
        """Model ids (client-facing names) this executor advertises."""

    def upstream_model(self, model: str) -> str:
        """The model id the upstream expects for the client's (suffix-free) ``model``."""
        return model

    def adaptive_thinking(self, model: str) -> bool:
        """Whether ``model`` takes Anthropic adaptive thinking (``hybrid`` capability)."""
        return False

    # ------------------------------------------------------------------ one attempt

    def prepare(self, request: ChatRequest) -> UpstreamRequest:
        """Translate the client's body to ``upstream_format`` and apply the thinking suffix."""
        clean, thinking = parse_model_suffix(request.model)
        body = request.body
        if clean != request.model:
            body = {**body, "model": clean}
        out = convert_request(body, source=request.format, target=self.upstream_format)
        model = self.upstream_model(clean)
        if self.upstream_format in _MODEL_FORMATS and (model or "model" in out):
            out = {**out, "model": model}
        if thinking is not None:
            out = apply_thinking(
                out,
                thinking,
                format=self.upstream_format,
                adaptive=self.adaptive_thinking(clean),
            )
        stream = request.stream
        if self.upstream_format in _MODEL_FORMATS:
            out = {**out, "stream": stream} if stream or "stream" in out else out
        return UpstreamRequest(
            body=out, model=model, stream=stream, source=request, thinking=thinking
        )

    @abstractmethod
    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        """One attempt: send ``request`` with ``credential`` (``secret`` is its key or
        token) and return the upstream's answer in ``upstream_format`` (or any format,
        tagged). Raise ``ByokError``s for failures before the first byte."""

    async def post(
        self,
        url: str,
        *,
        credential: Credential,
        secret: str,
        headers: Mapping[str, str],
        json: Any,
        method: str = "POST",
    ) -> UpstreamResponse:
        """Send through the shared pool with this executor's proxy, rate-limit
        capture for ``credential`` and the secret scrubbed from error bodies."""

        def capture(found: Mapping[str, str]) -> None:
            self.ratelimits.capture(self.name, credential.id, found)

        return await self.http.send(
            method,
            url,
            upstream=self.name,
            headers=headers,
            json=json,
            proxy_url=self.proxy_url(),
            secrets=(secret,),
            on_headers=capture,
        )

    async def respond(
        self, response: UpstreamResponse, *, stream: bool, format: WireFormat | None = None
    ) -> ProviderResponse:
        """A 2xx upstream response as a ``ChatStream`` (SSE) or a ``ChatResponse`` (JSON)."""
        fmt = format or self.upstream_format
        if stream:
            return ChatStream(
                response.events(), format=fmt, status=response.status, raw=response.chunks()
            )
        body = await response.json()
        if not isinstance(body, dict):
            raise TransportError(f"{self.name}: response is not a JSON object")
        return ChatResponse(body, format=fmt, status=response.status)

    async def execute(self, request: ChatRequest, credential: Credential) -> ProviderResponse:
        """One attempt with one credential, answered in the client's format.

        A stream is returned only once its first event arrived, so a stream that
        dies before producing anything is still a (retryable) failure.
        """
        prepared = self.prepare(request)
        secret = await self.credentials.secret(credential)
        response = await self.send(prepared, credential, secret)
        if isinstance(response, ChatStream):
            response = await self._primed(response)
        return self._to_client(response, request.format)

    async def _primed(self, stream: ChatStream) -> ChatStream:
        return await primed(stream, self.name, _in_band_error)

    @staticmethod
    def _to_client(response: ProviderResponse, target: WireFormat) -> ProviderResponse:
        if response.format is target:
            return response
        if isinstance(response, ChatResponse):
            body = convert_response(response.body, source=response.format, target=target)
            return ChatResponse(body, format=target, status=response.status)
        converter = StreamConverter(response.format, target)
        return ChatStream(
            _converted(response.events, converter),
            format=target,
            status=response.status,
            headers=response.headers,
        )

    # --------------------------------------------------------------------- routing

    def model_key(self, request: ChatRequest) -> str:
        """The model cooldowns are kept for (suffix removed)."""
        return parse_model_suffix(request.model)[0]

    def no_credentials(self) -> ByokError:
        return TokenNotFound(self.name)

    async def plan_credentials(self, creds: list[Credential], model: str) -> RoutePlan:
        """The try order for one request (hook: Copilot ranks its accounts by quota first)."""
        return self.router.plan(creds, model, self.routing_strategy())

    async def route(self, request: ChatRequest) -> tuple[ProviderResponse, Credential]:
        """Try the upstream's credentials in routing order; the answer and who gave it.

        Fails over to the next credential on rate limits, server and transport
        errors and authentication failures; raises at once when the request
        itself is at fault. ``request.account_id`` pins one credential.
        """
        creds = await self.credentials.credentials(self.name)
        if request.account_id is not None:
            creds = [c for c in creds if c.id == request.account_id]
        if not creds:
            raise self.no_credentials()
        model = self.model_key(request)
        plan = await self.plan_credentials(creds, model)
        if not plan.order:
            raise CredentialsExhausted(
                self.name, retry_after=plan.wait, rate_limited=plan.rate_limited
            )
        limit = self.max_attempts()
        attempts = plan.order[:limit] if limit else plan.order
        failures: list[ByokError] = []
        for cred in attempts:
            try:
                response = await self.execute(request, cred)
            except ByokError as err:
                kind = classify(err)
                if kind == "fatal":
                    raise
                waited = self.cooldowns.record_failure(cred.id, model, err)
                _log.info(
                    "%s/%s failed (%s, status %s); cooling %.1fs, trying the next credential",
                    self.name,
                    cred.id,
                    kind,
                    err.status,
                    waited,
                )
                failures.append(err)
                continue
            self.cooldowns.record_success(cred.id, model)
            return self._watched(response, cred, model), cred
        if len(failures) == 1:
            raise failures[0]
        waits = [self.cooldowns.ready_in(c.id, model) for c in creds]
        rate_limited = any(classify(e) == "rate_limit" for e in failures)
        raise CredentialsExhausted(
            self.name, retry_after=min(waits) if waits else None, rate_limited=rate_limited
        )

    def _watched(
        self, response: ProviderResponse, cred: Credential, model: str
    ) -> ProviderResponse:
        """A stream that cools its credential down when it breaks mid-way (no retry)."""
        if isinstance(response, ChatResponse):
            return response
        cooldowns = self.cooldowns

        def broke(err: ByokError) -> None:
            cooldowns.record_failure(cred.id, model, err)

        return guarded(response, broke)

    async def chat(self, request: ChatRequest) -> ProviderResponse:
        """Answer ``request`` (in its own format), routing across credentials."""
        response, _ = await self.route(request)
        return response

    def reset_cooldowns(self) -> int:
        """Make every credential ready again; returns how many were cooling."""
        return self.cooldowns.reset()


class Executor(UpstreamExecutor):
    """Base of the built-in providers' executors (``provider`` is a ``ProviderId``).

    Structurally a ``byokey_types.ProviderExecutor``. Subclasses set
    ``upstream_format`` and implement :meth:`send`; the constructor signature is
    the :class:`ExecutorFactory` one, so the class itself is the factory.
    ``versions`` is the gateway's shared :class:`VersionStore` (identity strings
    fetched at start-up); without one, the compiled defaults.
    """

    def __init__(
        self,
        provider: ProviderId,
        settings: SettingsSource,
        credentials: CredentialSource,
        http: UpstreamHttp,
        *,
        ratelimits: RateLimitBook | None = None,
        clock: Clock | None = None,
        versions: VersionStore | None = None,
    ) -> None:
        super().__init__(
            provider.value, settings, credentials, http, ratelimits=ratelimits, clock=clock
        )
        self._provider = provider
        self.versions = versions if versions is not None else VersionStore()

    @property
    def provider(self) -> ProviderId:
        return self._provider

    def routing_strategy(self) -> RoutingStrategy:
        return self.settings.routing_for(self._provider)

    def proxy_url(self) -> str | None:
        return self.settings.provider(self._provider).proxy_url

    def max_attempts(self) -> int | None:
        own = self.settings.provider(self._provider).max_retry_credentials
        return own if own else super().max_attempts()

    def base_url(self, credential: Credential | None = None) -> str:
        """API base: the key's own ``base_url``, else ``providers.<id>.base_url``, else the
        configured/built-in endpoint ``<id>_api``; trailing ``/`` removed."""
        url = (credential.base_url if credential else None) or self.settings.provider_base_url(
            self._provider
        )
        if not url:
            raise ConfigError(f"{self.name}: no base_url configured")
        return url.rstrip("/")

    def supported_models(self) -> list[str]:
        return models_for_provider(self._provider)

    def adaptive_thinking(self, model: str) -> bool:
        return thinking_capability(model) == "hybrid"


async def _converted(
    events: AsyncIterator[SSEEvent], converter: StreamConverter
) -> AsyncIterator[SSEEvent]:
    async for event in events:
        for name, data in converter.feed(event.event, event.data):
            yield SSEEvent(name, data)
    for name, data in converter.finish():
        yield SSEEvent(name, data)
