"""Chat Completions as the OpenAI-compatible upstreams speak it, and the executor base
of the built-in providers that speak it (Qwen, Kimi, iFlow, Copilot).

One body rule and one header rule serve them all and the generic
``openai_compatible`` executor: streams ask for a final usage chunk
(``stream_options.include_usage``, which the gateway's accounting needs and the
original stopped requesting), the answer comes back uncompressed
(``accept-encoding: identity``) as SSE or JSON. A provider subclass of
:class:`OpenAIChatExecutor` only says who it is (:meth:`~OpenAIChatExecutor.chat_headers`)
and, when it must, where it lives (:meth:`~OpenAIChatExecutor.api_base`).
"""

from __future__ import annotations

from typing import Any

from byokey_types import ProviderResponse, WireFormat

from ._credentials import Credential
from ._executor import Executor, UpstreamRequest

__all__ = ["OpenAIChatExecutor", "chat_completions_body", "chat_completions_headers"]


def chat_completions_body(request: UpstreamRequest) -> dict[str, Any]:
    """The request body for an OpenAI-compatible upstream.

    When streaming, ``stream_options.include_usage`` is asked for so the last
    chunk carries token usage (the proxy's accounting relies on it; spec §6.0).
    """
    body = dict(request.body)
    body["stream"] = request.stream
    if request.stream:
        options = body.get("stream_options")
        body["stream_options"] = {
            **(options if isinstance(options, dict) else {}),
            "include_usage": True,
        }
    else:
        body.pop("stream_options", None)
    return body


def chat_completions_headers(secret: str, *, stream: bool) -> dict[str, str]:
    """Bearer auth (when there is a secret), JSON in, SSE or JSON out, no compression."""
    headers = {
        "content-type": "application/json",
        "accept": "text/event-stream" if stream else "application/json",
        "accept-encoding": "identity",
    }
    if secret:
        headers["authorization"] = f"Bearer {secret}"
    return headers


class OpenAIChatExecutor(Executor):
    """A built-in provider reached at ``{api_base}/chat/completions``.

    Subclasses give :meth:`chat_headers` (their CLI's identity on top of
    :func:`chat_completions_headers`) and may move :meth:`api_base`; one that
    must first turn its credential into another token (Copilot) overrides
    :meth:`send` and calls :meth:`chat_completions` with it.
    """

    upstream_format = WireFormat.OPENAI

    def chat_headers(self, request: UpstreamRequest, secret: str) -> dict[str, str]:
        return chat_completions_headers(secret, stream=request.stream)

    async def api_base(self, credential: Credential) -> str:
        return self.base_url(credential)

    async def chat_completions(
        self, request: UpstreamRequest, credential: Credential, secret: str, base: str
    ) -> ProviderResponse:
        """POST ``request`` to ``{base}/chat/completions`` with ``secret`` as the bearer."""
        response = await self.post(
            f"{base}/chat/completions",
            credential=credential,
            secret=secret,
            headers=self.chat_headers(request, secret),
            json=chat_completions_body(request),
        )
        return await self.respond(response, stream=request.stream)

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        return await self.chat_completions(
            request, credential, secret, await self.api_base(credential)
        )
