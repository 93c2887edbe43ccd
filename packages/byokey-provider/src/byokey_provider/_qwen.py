"""Qwen: Qwen Code's OpenAI-compatible portal, with the Qwen Code CLI's identity.

``POST {base}/chat/completions`` with a Bearer token (an API key or the Qwen
login) and the headers Qwen Code's OpenAI SDK sends (``x-dashscope-*``,
``x-stainless-*``), in both modes. ``base`` is the key's or provider's
``base_url``, else the login's own ``resource_url`` (Qwen tells each account
which portal serves it), else the ``qwen_api`` endpoint. Streams ask for a
final usage chunk (``stream_options.include_usage``), which the gateway's
accounting needs and the original no longer requested.

:class:`OpenAIChatCliExecutor` is the base the three OpenAI-compatible CLI
upstreams (Qwen, Kimi, iFlow) share: one POST to ``/chat/completions`` whose
identity headers each subclass supplies. It lives with Qwen, the first of them.
"""

from __future__ import annotations

from typing import Any

from byokey_types import ProviderId, ProviderResponse, WireFormat

from ._credentials import Credential, CredentialSource
from ._executor import Clock, Executor, SettingsSource, UpstreamRequest
from ._http import UpstreamHttp
from ._ratelimits import RateLimitBook
from ._version_store import VersionStore

__all__ = [
    "OpenAIChatCliExecutor",
    "QwenExecutor",
    "openai_chat_body",
    "openai_chat_headers",
    "resource_base",
]


def openai_chat_body(body: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """An OpenAI chat body as these portals want it: usage reported at the end of a stream."""
    if not stream:
        return body
    options = body.get("stream_options")
    merged = (
        {**options, "include_usage": True} if isinstance(options, dict) else {"include_usage": True}
    )
    return {**body, "stream": True, "stream_options": merged}


def openai_chat_headers(secret: str, *, stream: bool) -> dict[str, str]:
    """Headers every OpenAI-compatible CLI upstream gets (auth, content negotiation)."""
    return {
        "authorization": f"Bearer {secret}",
        "content-type": "application/json",
        "accept": "text/event-stream" if stream else "application/json",
        "accept-encoding": "identity",
    }


def resource_base(resource_url: str) -> str:
    """``portal.qwen.ai`` (as a Qwen login names its portal) → ``https://portal.qwen.ai/v1``."""
    url = resource_url.strip().rstrip("/")
    if "://" not in url:
        url = f"https://{url}"
    return url if url.endswith("/v1") else f"{url}/v1"


class OpenAIChatCliExecutor(Executor):
    """An OpenAI-compatible upstream reached as its official CLI: subclasses give
    :meth:`headers` (identity) and may move :meth:`api_base`."""

    upstream_format = WireFormat.OPENAI

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
        super().__init__(provider, settings, credentials, http, ratelimits=ratelimits, clock=clock)
        self.versions = versions or VersionStore()

    def headers(self, secret: str, *, stream: bool) -> dict[str, str]:
        return openai_chat_headers(secret, stream=stream)

    async def api_base(self, credential: Credential) -> str:
        return self.base_url(credential)

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        response = await self.post(
            f"{await self.api_base(credential)}/chat/completions",
            credential=credential,
            secret=secret,
            headers=self.headers(secret, stream=request.stream),
            json=openai_chat_body(request.body, stream=request.stream),
        )
        return await self.respond(response, stream=request.stream)


class QwenExecutor(OpenAIChatCliExecutor):
    """The ``qwen`` provider."""

    def headers(self, secret: str, *, stream: bool) -> dict[str, str]:
        ua = self.versions.user_agent(ProviderId.QWEN)
        return {
            **openai_chat_headers(secret, stream=stream),
            "user-agent": ua,
            "x-dashscope-useragent": ua,
            "x-dashscope-authtype": "qwen-oauth",
            "x-dashscope-cachecontrol": "enable",
            "x-stainless-runtime-version": "v24.14.1",
            "x-stainless-lang": "js",
            "x-stainless-arch": "arm64",
            "x-stainless-package-version": "5.11.0",
            "x-stainless-retry-count": "0",
            "x-stainless-os": "MacOS",
            "x-stainless-runtime": "node",
        }

    async def api_base(self, credential: Credential) -> str:
        if credential.base_url or self.settings.provider(self.provider).base_url:
            return self.base_url(credential)
        token = await self.credentials.oauth_token(credential)
        resource = token.metadata.get("resource_url") if token is not None else None
        return resource_base(resource) if resource else self.base_url(credential)
