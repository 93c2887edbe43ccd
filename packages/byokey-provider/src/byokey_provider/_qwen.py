"""Qwen: Qwen Code's OpenAI-compatible portal, with the Qwen Code CLI's identity.

``POST {base}/chat/completions`` with a Bearer token (an API key or the Qwen
login) and the headers Qwen Code's OpenAI SDK sends (``x-dashscope-*``,
``x-stainless-*``), in both modes. ``base`` is the key's or provider's
``base_url``, else the login's own ``resource_url`` (Qwen tells each account
which portal serves it), else the ``qwen_api`` endpoint. Streams ask for a
final usage chunk (``stream_options.include_usage``), which the gateway's
accounting needs and the original no longer requested
(:mod:`byokey_provider._openai_chat`).
"""

from __future__ import annotations

from byokey_types import ProviderId

from ._credentials import Credential
from ._executor import UpstreamRequest
from ._openai_chat import OpenAIChatExecutor, chat_completions_headers

__all__ = ["QwenExecutor", "resource_base"]


def resource_base(resource_url: str) -> str:
    """``portal.qwen.ai`` (as a Qwen login names its portal) → ``https://portal.qwen.ai/v1``."""
    url = resource_url.strip().rstrip("/")
    if "://" not in url:
        url = f"https://{url}"
    return url if url.endswith("/v1") else f"{url}/v1"


class QwenExecutor(OpenAIChatExecutor):
    """The ``qwen`` provider."""

    def chat_headers(self, request: UpstreamRequest, secret: str) -> dict[str, str]:
        ua = self.versions.user_agent(ProviderId.QWEN)
        return {
            **chat_completions_headers(secret, stream=request.stream),
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
