"""Named OpenAI-compatible upstreams (OpenRouter, Ollama, vLLM, a company gateway…).

They are not subscription providers: they have no OAuth and no built-in model
list, so each one says which models it serves and under which names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from byokey_config._enums import RoutingStrategy
from byokey_config._fields import masked_repr, setting
from byokey_config._provider import ApiKeyEntry

__all__ = ["OpenAICompatibleModel", "OpenAICompatibleProvider"]


def _empty_headers() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class OpenAICompatibleModel:
    """An upstream model id and, optionally, the name clients use for it.

    A bare string in the file is shorthand for ``{name: ...}``.
    """

    shorthand_field: ClassVar[str] = "name"

    name: str
    alias: str | None = None

    @property
    def client_name(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class OpenAICompatibleProvider:
    """One ``openai_compatible[]`` entry.

    ``prefix`` (when set) is prepended as ``{prefix}/`` to every client-facing
    model name, which keeps two upstreams serving the same model apart.
    """

    name: str
    base_url: str
    api_key: str | None = setting(None, secret=True)
    api_keys: tuple[ApiKeyEntry, ...] = ()
    models: tuple[OpenAICompatibleModel, ...] = ()
    prefix: str | None = None
    headers: Mapping[str, str] = setting(factory=_empty_headers, secret=True)
    enabled: bool = True
    routing: RoutingStrategy | None = None
    proxy_url: str | None = setting(None, secret=True)

    def __repr__(self) -> str:
        return masked_repr(self)

    def effective_keys(self) -> tuple[ApiKeyEntry, ...]:
        """``api_key`` first, then ``api_keys``, as for a provider."""
        keys = [ApiKeyEntry(api_key=self.api_key)] if self.api_key else []
        return (*keys, *self.api_keys)

    def client_model_names(self) -> tuple[str, ...]:
        """Model names as clients see them (alias, with ``prefix/`` when set)."""
        prefix = f"{self.prefix}/" if self.prefix else ""
        return tuple(prefix + m.client_name for m in self.models)

    def upstream_model(self, client_model: str) -> str | None:
        """The upstream id for a client-facing name, or None when not served here."""
        if self.prefix:
            head = f"{self.prefix}/"
            if not client_model.startswith(head):
                return None
            client_model = client_model[len(head) :]
        for model in self.models:
            if model.client_name == client_model:
                return model.name
        return None
