"""What flows between the proxy and an executor: a request and its result.

The body stays a plain dict in the format it arrived in; the executor converts
only when its upstream speaks something else. A result is either one complete
body or a stream of SSE events, each tagged with its wire format so the proxy
knows whether to pass it through or translate it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from byokey_types.errors import InvalidRequest
from byokey_types.wire.format import WireFormat

__all__ = ["ChatRequest", "ChatResponse", "ChatStream", "ProviderResponse", "SSEEvent"]


class SSEEvent(NamedTuple):
    """One server-sent event: an optional event name and its payload.

    The payload is a decoded JSON object, or the literal ``"[DONE]"``.
    """

    event: str | None
    data: dict[str, Any] | str


@dataclass(slots=True)
class ChatRequest:
    """A chat request as a client sent it.

    ``account_id`` pins an account; ``None`` lets routing choose.
    """

    body: dict[str, Any]
    format: WireFormat = WireFormat.OPENAI
    account_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        model = self.body.get("model")
        if self.format is not WireFormat.GEMINI and not isinstance(model, str):
            raise InvalidRequest("is required and must be a string", field="model")

    @property
    def model(self) -> str:
        model = self.body.get("model")
        return model if isinstance(model, str) else ""

    @property
    def stream(self) -> bool:
        return self.body.get("stream") is True


@dataclass(slots=True)
class ChatResponse:
    """A complete (non-streamed) response body."""

    body: dict[str, Any]
    format: WireFormat = WireFormat.OPENAI
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ChatStream:
    """A streamed response. Iterating ``events`` may raise a ``ByokError`` mid-way.

    ``raw``, when set, is the same stream as the upstream's SSE bytes, exactly
    as they are in ``format`` (no event rewritten on the way): a consumer whose
    client speaks ``format`` can forward them instead of decoding and
    re-encoding every event. The two are alternative views of one upstream
    body: iterate one of them, never both. Anything that rewrites events builds
    a new ``ChatStream`` without ``raw``.
    """

    events: AsyncIterator[SSEEvent]
    format: WireFormat = WireFormat.OPENAI
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: AsyncIterator[bytes] | None = None


ProviderResponse = ChatResponse | ChatStream
