"""The narrow seam between the HTTP layer and the provider layer.

The proxy never builds executors or picks credentials itself: everything it
needs from the provider package is behind :class:`Gateway`, so the whole HTTP
layer can be exercised with a scripted fake, and the adapter onto
``byokey_provider`` stays a thin module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from byokey_types import ChatRequest, ProviderId, ProviderResponse, RateLimitSnapshot

__all__ = ["Gateway", "ListedModel", "ModelInfo", "Routed", "RoutedResponse"]


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One entry of ``GET /v1/models``: the id a client may send and who serves it."""

    id: str
    owned_by: str


@dataclass(frozen=True, slots=True)
class RoutedResponse:
    """A provider's answer plus where it came from, for usage attribution.

    ``model`` is the upstream model after alias and suffix resolution.
    """

    response: ProviderResponse
    provider: str
    model: str
    account_id: str | None = None


class ListedModel(Protocol):
    """What the proxy reads of a listed model; :class:`ModelInfo` is one."""

    @property
    def id(self) -> str: ...

    @property
    def owned_by(self) -> str: ...


class Routed(Protocol):
    """What the proxy reads of a routed answer; :class:`RoutedResponse` is one.

    A protocol rather than the dataclass so ``byokey_provider.ProviderGateway``
    (whose ``RoutedAnswer`` has the same fields) is a ``Gateway`` as it stands,
    without the provider layer importing the proxy or an adapter in between.
    """

    @property
    def response(self) -> ProviderResponse: ...

    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def account_id(self) -> str | None: ...


@runtime_checkable
class Gateway(Protocol):
    """Routing, failover and execution of chat requests, plus what management shows.

    ``chat`` receives the body in the client's format (``request.format``); the
    answer may be in any format and the proxy translates it for the client.
    For Gemini-native requests the model from the URL is in ``body["model"]``.
    Errors before the first byte are raised (``ByokError``); errors mid-stream
    are raised by the stream's iterator.
    """

    async def chat(self, request: ChatRequest) -> Routed: ...

    async def count_tokens(self, request: ChatRequest) -> int:
        """Input tokens the request would use (Anthropic ``count_tokens``)."""
        ...

    def list_models(self) -> Sequence[ListedModel]: ...

    def supported_models(self, provider: ProviderId) -> list[str]: ...

    def rate_limits(self) -> Mapping[ProviderId, Mapping[str, RateLimitSnapshot]]:
        """Latest snapshot per provider and account."""
        ...

    def reset_cooldowns(self, provider: ProviderId | None = None) -> int:
        """Make cooled-down credentials ready again; returns how many were reset."""
        ...
