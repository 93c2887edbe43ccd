"""The generic executor for ``openai_compatible`` upstreams (OpenRouter, Ollama, vLLM,
DeepSeek, a company gateway …): plain Chat Completions with a bearer key.

Each entry of the settings' ``openai_compatible`` list is its own upstream with
its own keys (rotated like a provider's), models (client name = ``alias`` or
``name``, with ``prefix/`` in front when a prefix is set) and extra headers.
An entry without keys sends no ``Authorization`` header (local Ollama / vLLM).
"""

from __future__ import annotations

from byokey_config import OpenAICompatibleProvider, RoutingStrategy
from byokey_types import ConfigError, ProviderResponse, WireFormat

from ._credentials import Credential
from ._executor import UpstreamExecutor, UpstreamRequest
from ._openai_chat import chat_completions_body, chat_completions_headers

__all__ = ["OpenAICompatibleExecutor", "chat_completions_body", "chat_completions_headers"]


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
