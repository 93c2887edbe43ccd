"""Codex: OpenAI's Responses API with an API key, ChatGPT's Codex backend with a login.

Both upstreams speak Responses, so this executor's ``upstream_format`` is
``openai_responses`` and any client format is translated to and from it by
the base (Chat Completions, Messages and Responses clients alike):

* **API key** — ``POST {base}/v1/responses`` (``base`` is the key's or the
  provider's ``base_url``, else the ``codex_api`` endpoint; a base already
  ending in ``/v1`` is used as is) with ``Authorization: Bearer``, streamed
  or not as the client asked, and a stable ``prompt_cache_key`` per key
  (also sent as ``session_id`` / ``conversation_id``).
* **OAuth (ChatGPT login)** — ``POST {codex_chatgpt}/responses`` with the
  identity Codex CLI sends (``originator``, ``version``, ``user-agent``,
  ``session_id``, ``chatgpt-account-id`` from the token's metadata or claims)
  and a body the backend accepts (see :func:`chatgpt_body`). The backend only
  streams; a non-streaming client gets the events gathered into one answer.
  With ``providers.codex.websocket: true`` the same exchange runs over the
  Responses WebSocket (``codex_websocket`` endpoint) instead; an upgrade refused
  with 404/405/426/501 (no WebSocket there) falls back to the SSE POST.

Failures reported inside the stream before any output (``error``,
``response.failed``: usage limits, overload, context length) are raised from
``chat`` with the status they stand for, so rotation and cooldowns treat them
like HTTP errors; a ``usage_limit_reached`` carries its ``resets_in_seconds``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping

from byokey_types import (
    ChatResponse,
    ChatStream,
    ProviderId,
    ProviderResponse,
    SSEEvent,
    UpstreamError,
    WireFormat,
)

from ._codex_body import api_key_body, chatgpt_account_id, chatgpt_body, prompt_cache_key
from ._codex_events import collect_response, primed_events
from ._credentials import Credential, CredentialSource
from ._executor import Clock, Executor, SettingsSource, UpstreamRequest
from ._http import UpstreamHttp, valid_proxy_url
from ._ratelimits import RateLimitBook
from ._version_store import VersionStore

__all__ = [
    "CODEX_CLI_VERSION",
    "CODEX_ORIGINATOR",
    "CODEX_USER_AGENT",
    "DEFAULT_CHATGPT_BASE",
    "DEFAULT_WEBSOCKET_URL",
    "CodexExecutor",
]

_log = logging.getLogger("byokey.provider.codex")

CODEX_ORIGINATOR = "codex_cli_rs"
CODEX_CLI_VERSION = "0.120.0"
CODEX_USER_AGENT = "codex-tui/0.120.0 (Mac OS 26.0.1; arm64) Apple_Terminal/464"
DEFAULT_CHATGPT_BASE = "https://chatgpt.com/backend-api/codex"
DEFAULT_WEBSOCKET_URL = "wss://chatgpt.com/backend-api/codex/ws"
_RESPONSES_BETA = "responses=experimental"
_NO_WEBSOCKET = frozenset({404, 405, 426, 501})
"""Upgrade refusals meaning "no WebSocket here" (not "not you"): fall back to SSE."""


WEBSOCKET_BETA = "responses_websockets=2026-02-06"
"""``OpenAI-Beta`` value that enables the Responses WebSocket protocol."""


class CodexExecutor(Executor):
    """The ``codex`` provider (public Responses API with keys, ChatGPT backend with OAuth).

    ``chatgpt_url`` / ``websocket_url`` override the endpoints for embedders;
    otherwise the settings' ``codex_chatgpt`` / ``codex_websocket`` endpoints apply.
    """

    upstream_format = WireFormat.OPENAI_RESPONSES

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
        chatgpt_url: str | None = None,
        websocket_url: str | None = None,
    ) -> None:
        super().__init__(
            provider,
            settings,
            credentials,
            http,
            ratelimits=ratelimits,
            clock=clock,
            versions=versions,
        )
        self._chatgpt_url = chatgpt_url
        self._websocket_url = websocket_url

    # ------------------------------------------------------------------ addresses

    def api_url(self, credential: Credential) -> str:
        base = self.base_url(credential)
        return f"{base}/responses" if base.endswith("/v1") else f"{base}/v1/responses"

    def chatgpt_url(self) -> str:
        base = self._chatgpt_url or self.settings.endpoint_url("codex_chatgpt")
        return f"{(base or DEFAULT_CHATGPT_BASE).rstrip('/')}/responses"

    def websocket_url(self) -> str:
        url = self._websocket_url or self.settings.endpoint_url("codex_websocket")
        return url or DEFAULT_WEBSOCKET_URL

    def uses_websocket(self, credential: Credential) -> bool:
        """The WebSocket transport: configured, and only for a ChatGPT login."""
        return not credential.is_api_key and self.settings.provider(self.provider).websocket

    # -------------------------------------------------------------------- identity

    def user_agent(self) -> str:
        """``providers.codex.codex_headers.user_agent``, else the VersionStore's, else Codex CLI's."""
        configured = self.settings.provider(self.provider).codex_headers.user_agent
        return configured or self.versions.user_agent(self.provider, CODEX_USER_AGENT)

    def chatgpt_headers(
        self, secret: str, *, account_id: str | None, session_id: str, websocket: bool = False
    ) -> dict[str, str]:
        """What Codex CLI sends to the ChatGPT backend (the upgrade request's, for the WebSocket)."""
        headers = {
            "authorization": f"Bearer {secret}",
            "originator": CODEX_ORIGINATOR,
            "version": self.versions.cli_version(self.provider, CODEX_CLI_VERSION),
            "session_id": session_id,
            "user-agent": self.user_agent(),
        }
        if account_id:
            headers["chatgpt-account-id"] = account_id
        beta_features = self.settings.provider(self.provider).codex_headers.beta_features
        if beta_features:
            headers["x-codex-beta-features"] = beta_features
        if websocket:
            headers["openai-beta"] = WEBSOCKET_BETA
        else:
            headers.update(
                {
                    "openai-beta": _RESPONSES_BETA,
                    "content-type": "application/json",
                    "accept": "text/event-stream",
                    "accept-encoding": "identity",
                }
            )
        return headers

    @staticmethod
    def api_key_headers(secret: str, *, stream: bool) -> dict[str, str]:
        cache_key = prompt_cache_key(secret)
        return {
            "authorization": f"Bearer {secret}",
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
            "accept-encoding": "identity",
            "session_id": cache_key,
            "conversation_id": cache_key,
        }

    # ------------------------------------------------------------------------ send

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        if credential.is_api_key:
            return await self._send_api_key(request, credential, secret)
        return await self._send_chatgpt(request, credential, secret)

    async def _send_chatgpt(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        """A ChatGPT login: the WebSocket when configured (and offered), else the SSE POST."""
        token = await self.credentials.oauth_token(credential)
        body = chatgpt_body(request.body)
        given = body.get("prompt_cache_key")
        session_id = given if isinstance(given, str) and given else str(uuid.uuid4())
        account_id = chatgpt_account_id(token)
        if self.uses_websocket(credential):
            ws_headers = self.chatgpt_headers(
                secret, account_id=account_id, session_id=session_id, websocket=True
            )
            try:
                events = await self._open_socket(ws_headers, body, credential, secret)
            except UpstreamError as err:
                if err.upstream_status not in _NO_WEBSOCKET:
                    raise
                # The endpoint does not speak WebSocket (here): the same exchange over SSE.
                _log.info("codex: WebSocket upgrade refused (%s); using HTTP", err.upstream_status)
            else:
                return await self._answer(events, stream=request.stream, status=200, secret=secret)
        headers = self.chatgpt_headers(secret, account_id=account_id, session_id=session_id)
        response = await self.post(
            self.chatgpt_url(), credential=credential, secret=secret, headers=headers, json=body
        )
        return await self._answer(
            response.events(), stream=request.stream, status=response.status, secret=secret
        )

    async def _send_api_key(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        response = await self.post(
            self.api_url(credential),
            credential=credential,
            secret=secret,
            headers=self.api_key_headers(secret, stream=request.stream),
            json=api_key_body(request.body, api_key=secret, stream=request.stream),
        )
        if not request.stream:
            return await self.respond(response, stream=False)
        return await self._answer(
            response.events(), stream=True, status=response.status, secret=secret
        )

    async def _open_socket(
        self,
        headers: Mapping[str, str],
        body: Mapping[str, object],
        credential: Credential,
        secret: str,
    ) -> AsyncIterator[SSEEvent]:
        url = self.websocket_url()
        own = self.proxy_url()
        proxy = valid_proxy_url(own) if own else self.http.proxy_url

        def capture(found: Mapping[str, str]) -> None:
            self.ratelimits.capture(self.name, credential.id, found)

        # curl_cffi's WebSocket loads with the first socket, not with the executor
        from ._codex_websocket import open_response_socket

        return await open_response_socket(
            self.http.session(url, proxy),
            url,
            upstream=self.name,
            headers=headers,
            frame={"type": "response.create", **body},
            timeouts=self.http.timeouts,
            proxy=proxy,
            secrets=(secret,),
            on_headers=capture,
            now=self.clock,
        )

    async def _answer(
        self, events: AsyncIterator[SSEEvent], *, stream: bool, status: int, secret: str
    ) -> ProviderResponse:
        """Responses events as a stream (failures before output raised), or gathered."""
        fmt = WireFormat.OPENAI_RESPONSES
        if stream:
            primed = await primed_events(events, secrets=(secret,), now=self.clock())
            return ChatStream(primed, format=fmt, status=status)
        body = await collect_response(
            events, upstream=self.name, secrets=(secret,), now=self.clock()
        )
        return ChatResponse(body, format=fmt, status=status)
