"""Copilot: GitHub Copilot's chat API, reached as VS Code's Copilot Chat.

With a GitHub login (OAuth mode) each request needs a Copilot API token:
the GitHub token is exchanged at ``endpoints.copilot_token_exchange``
(:mod:`._copilot_token`, cached until shortly before expiry, one exchange in
flight per account) and the chat goes to the API host the exchange names
(``endpoints.api``) — unless ``providers.copilot.base_url`` or
``endpoints.copilot_api`` is set, which then wins (relays, tests). A 401 from
the chat means the Copilot token died early: it is exchanged again and the
request re-sent once. With several GitHub accounts, the one with the most
premium quota left goes first (:mod:`._copilot_quota`). An API key is used as
the Copilot token directly, against ``base_url`` / ``copilot_api``.

Every request carries VS Code's identity (``editor-version``,
``editor-plugin-version``, ``copilot-integration-id`` …, the versions from the
:class:`VersionStore`), ``x-initiator`` (``agent`` once the conversation holds an
assistant or tool turn — Copilot bills only user-initiated turns as premium
requests) and ``copilot-vision-request`` when a message carries an image.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

from byokey_config import RoutingStrategy
from byokey_types import ByokError, ProviderId, ProviderResponse, UpstreamError

from ._copilot_quota import Quota, QuotaBalancer, parse_quota
from ._copilot_token import CopilotToken, CopilotTokenCache
from ._credentials import Credential
from ._executor import UpstreamRequest
from ._openai_chat import OpenAIChatExecutor, chat_completions_headers
from ._routing import RoutePlan

__all__ = [
    "COPILOT_INTEGRATION_ID",
    "COPILOT_OPENAI_INTENT",
    "CopilotExecutor",
    "has_image",
    "initiator",
]

COPILOT_INTEGRATION_ID = "vscode-chat"
COPILOT_OPENAI_INTENT = "conversation-panel"
_P = ProviderId.COPILOT


def initiator(body: Mapping[str, Any]) -> str:
    """``agent`` when any message is an assistant or tool turn, else ``user``."""
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict) and message.get("role") in ("assistant", "tool"):
                return "agent"
    return "user"


def has_image(body: Mapping[str, Any]) -> bool:
    """Whether any message holds an ``image_url`` part (Copilot wants a vision header)."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return False
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list) and any(
            isinstance(part, dict) and part.get("type") == "image_url" for part in content
        ):
            return True
    return False


class CopilotExecutor(OpenAIChatExecutor):
    """The ``copilot`` provider."""

    # ------------------------------------------------------------------ identity

    def identity_headers(self) -> dict[str, str]:
        """VS Code Copilot Chat's client identity (also sent to the GitHub API)."""
        v = self.versions
        return {
            "user-agent": v.user_agent(_P),
            "editor-version": v.editor_version(_P),
            "editor-plugin-version": v.plugin_version(_P),
        }

    def chat_headers(self, request: UpstreamRequest, secret: str) -> dict[str, str]:
        headers = {
            **chat_completions_headers(secret, stream=request.stream),
            **self.identity_headers(),
            "openai-intent": COPILOT_OPENAI_INTENT,
            "copilot-integration-id": COPILOT_INTEGRATION_ID,
            "x-github-api-version": self.versions.github_api_version(_P),
            "x-initiator": initiator(request.body),
        }
        if has_image(request.body):
            headers["copilot-vision-request"] = "true"
        return headers

    def _github_headers(self) -> dict[str, str]:
        return {**self.identity_headers(), "accept": "application/json"}

    # ------------------------------------------------------------------ addresses

    def _url(self, name: str) -> str:
        return (self.settings.endpoint_url(name) or "").rstrip("/")

    def configured_base(self, credential: Credential) -> str | None:
        """A base the user set (key, provider or ``endpoints.copilot_api``), if any."""
        own = (
            credential.base_url
            or self.settings.provider(self.provider).base_url
            or self.settings.endpoint("copilot_api")
        )
        return own.rstrip("/") if own else None

    def chat_base(self, credential: Credential, token: CopilotToken) -> str:
        """Configured base, else the exchange's ``endpoints.api``, else ``copilot_api``."""
        return self.configured_base(credential) or token.api_base or self.base_url(credential)

    # ---------------------------------------------------------------- collaborators

    @cached_property
    def tokens(self) -> CopilotTokenCache:
        """The process-wide Copilot token cache of this executor."""
        return CopilotTokenCache(
            self.http,
            url=lambda: self._url("copilot_token_exchange"),
            headers=self._github_headers,
            clock=self.clock,
            proxy_url=self.proxy_url,
        )

    @cached_property
    def balancer(self) -> QuotaBalancer:
        """Quota-aware order of the GitHub accounts, shared by every request."""
        return QuotaBalancer(self.fetch_quota, clock=self.clock)

    async def fetch_quota(self, credential: Credential) -> Quota | None:
        """``GET copilot_internal/user`` for one account (its GitHub token)."""
        github_token = await self.credentials.secret(credential)
        response = await self.http.send(
            "GET",
            self._url("copilot_user"),
            upstream=self.name,
            headers={**self._github_headers(), "authorization": f"token {github_token}"},
            proxy_url=self.proxy_url(),
            secrets=(github_token,),
        )
        return parse_quota(await response.json(), now=self.clock())

    # ------------------------------------------------------------------- routing

    async def plan_credentials(self, creds: list[Credential], model: str) -> RoutePlan:
        """Several GitHub accounts: best quota first, in that order (fill-first)."""
        oauth = [c for c in creds if not c.is_api_key]
        if len(oauth) < 2 or len(oauth) != len(creds):
            return await super().plan_credentials(creds, model)
        ranked = await self.balancer.rank(oauth)
        return self.router.plan(ranked, model, RoutingStrategy.PRIORITY)

    # ---------------------------------------------------------------------- send

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        if credential.is_api_key:
            return await self.chat_completions(
                request, credential, secret, self.base_url(credential)
            )
        try:
            return await self._send_exchanged(request, credential, secret)
        except ByokError as err:
            rate_limited = isinstance(err, UpstreamError) and err.upstream_status == 429
            self.balancer.invalidate(credential.id, forget_quota=rate_limited)
            raise

    async def _send_exchanged(
        self, request: UpstreamRequest, credential: Credential, github_token: str
    ) -> ProviderResponse:
        token = await self.tokens.get(github_token)
        try:
            return await self.chat_completions(
                request, credential, token.token, self.chat_base(credential, token)
            )
        except UpstreamError as err:
            if err.upstream_status != 401:
                raise
        # The Copilot token was revoked or expired early: exchange again, re-send once.
        self.tokens.invalidate(github_token, token)
        token = await self.tokens.get(github_token)
        return await self.chat_completions(
            request, credential, token.token, self.chat_base(credential, token)
        )
