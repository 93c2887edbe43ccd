"""The generic executor for ``openai_compatible`` upstreams (OpenRouter, Ollama, vLLM,
DeepSeek, a company gateway …): plain Chat Completions with a bearer key.

Each entry of the settings' ``openai_compatible`` list is its own upstream with
its own keys (rotated like a provider's), models (client name = ``alias`` or
``name``, with ``prefix/`` in front when a prefix is set) and extra headers.
An entry without keys sends no ``Authorization`` header (local Ollama / vLLM).
"""

from __future__ import annotations

from typing import Any

from byokey_config import OpenAICompatibleProvider, RoutingStrategy
from byokey_types import ConfigError, ProviderResponse, WireFormat

from ._credentials import Credential
from ._executor import UpstreamExecutor, UpstreamRequest

__all__ = ["OpenAICompatibleExecutor", "chat_completions_body", "chat_completions_headers"]


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


class OpenAICompatibleExecutor(UpstreamExecutor):
    """One ``openai_compatible`` entry, looked up by ``name`` in the current settings.

    Built like any executor, with the entry's name in place of a provider id.
    """

    upstream_format = WireFormat.OPENAI

    @property
    def config(self) -> OpenAICompatibleProvider:
        found = self.settings.openai_compatible_named(self.name)
        if found is None:
            raise ConfigError(f"openai_compatible upstream {self.name!r} is not configured")
        return found

    def routing_strategy(self) -> RoutingStrategy:
        return self.config.routing or self.settings.routing.strategy

    def proxy_url(self) -> str | None:
        return self.config.proxy_url

    def supported_models(self) -> list[str]:
        return list(self.config.client_model_names())

    def serves(self, client_model: str) -> bool:
        return self.config.upstream_model(client_model) is not None

    def upstream_model(self, model: str) -> str:
        return self.config.upstream_model(model) or model

    def no_credentials(self) -> ConfigError:
        return ConfigError(f"openai_compatible upstream {self.name!r} has no usable key")

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        base = (credential.base_url or self.config.base_url).rstrip("/")
        headers = {**self.config.headers, **chat_completions_headers(secret, stream=request.stream)}
        response = await self.post(
            f"{base}/chat/completions",
            credential=credential,
            secret=secret,
            headers=headers,
            json=chat_completions_body(request),
        )
        return await self.respond(response, stream=request.stream)
