"""Reading a Codex Responses event stream (SSE or WebSocket frames alike).

Two things the executor needs from a stream before handing it on:

* **failures that arrive as events** — the ChatGPT backend answers HTTP 200
  (or accepts the WebSocket) and then sends ``error`` or ``response.failed``
  (usage limit, context too long, overload). When that happens before any
  output, it becomes a ``ByokError`` raised from ``chat`` — with the status
  and wait hint it stands for — so routing can fail over and a non-streaming
  client gets a proper error instead of an empty answer;
* **the whole answer** for non-streaming callers: the upstream only streams,
  so the events are gathered into the final ``response`` object. Output items
  come from ``response.output_item.done`` when ``response.completed`` lists
  none (the backend does not always repeat them when nothing is stored).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson

from byokey_types import SSEEvent, TransportError, UpstreamError

from ._errors import upstream_error

__all__ = [
    "TERMINAL_EVENTS",
    "ResponseCollector",
    "collect_response",
    "event_failure",
    "primed_events",
]

TERMINAL_EVENTS = frozenset(
    {"response.completed", "response.incomplete", "response.failed", "error"}
)
"""Events after which nothing more belongs to this response."""

_PREAMBLE = frozenset({"response.created", "response.in_progress", "response.queued"})
_PREAMBLE_LIMIT = 32
"""How many preamble events may precede the first real one before we stop looking."""


def _kind(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    kind = data.get("type")
    return kind if isinstance(kind, str) else None


def _status_for(detail: dict[str, Any]) -> int:
    """The HTTP status an in-stream error code stands for."""
    text = f"{detail.get('type') or ''} {detail.get('code') or ''}".lower()
    if any(k in text for k in ("usage_limit", "rate_limit", "quota", "too_many")):
        return 429
    if any(k in text for k in ("auth", "token_expired", "invalid_token", "unauthorized")):
        return 401
    if any(k in text for k in ("overloaded", "unavailable", "slow_down")):
        return 503
    if any(k in text for k in ("invalid", "context_length", "unsupported", "bad_request")):
        return 400
    return 500


def event_failure(data: Any, *, secrets: Iterable[str] = (), now: float) -> UpstreamError | None:
    """The error an ``error`` / ``response.failed`` event reports, else None.

    The error object becomes the body of an ``UpstreamError`` (scrubbed of
    ``secrets``), so a ``usage_limit_reached`` with ``resets_in_seconds`` gives
    a ``RateLimited`` that carries the wait, exactly as the same body would over HTTP.
    """
    kind = _kind(data)
    if kind == "error":
        nested = data.get("error")
        detail = (
            nested
            if isinstance(nested, dict)
            else {k: v for k, v in data.items() if k in ("type", "code", "message", "param")}
        )
        if detail.get("type") == "error":
            detail = {k: v for k, v in detail.items() if k != "type"}
        status = data.get("status")
        if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status < 600:
            status = _status_for(detail)
    elif kind == "response.failed":
        response = data.get("response")
        found = response.get("error") if isinstance(response, dict) else None
        detail = found if isinstance(found, dict) else {"message": "response failed"}
        status = _status_for(detail)
    else:
        return None
    body = orjson.dumps({"error": detail})
    return upstream_error(status, body, {}, secrets=secrets, now=now)


async def primed_events(
    events: AsyncIterator[SSEEvent], *, secrets: Iterable[str] = (), now: float
) -> AsyncIterator[SSEEvent]:
    """``events`` with the preamble read ahead: a failure before any output is raised here.

    Returns an iterator replaying what was read, then the rest. Raises the
    ``ByokError`` of an ``error`` / ``response.failed`` that precedes output.
    """
    it = events.__aiter__()
    seen: list[SSEEvent] = []
    for _ in range(_PREAMBLE_LIMIT):
        try:
            event = await it.__anext__()
        except StopAsyncIteration:
            break
        failure = event_failure(event.data, secrets=secrets, now=now)
        if failure is not None:
            await _close(it)
            raise failure
        seen.append(event)
        if _kind(event.data) not in _PREAMBLE:
            break

    async def replay() -> AsyncIterator[SSEEvent]:
        try:
            for event in seen:
                yield event
            async for event in it:
                yield event
        finally:
            await _close(it)

    return replay()


class ResponseCollector:
    """Builds the final Responses ``response`` object from its events."""

    def __init__(self) -> None:
        self.items: dict[int, dict[str, Any]] = {}
        self.final: dict[str, Any] | None = None
        self.shell: dict[str, Any] | None = None

    @property
    def done(self) -> bool:
        return self.final is not None

    def feed(self, data: Any) -> None:
        kind = _kind(data)
        if kind in _PREAMBLE and isinstance(data.get("response"), dict):
            self.shell = data["response"]
        elif kind == "response.output_item.done" and isinstance(data.get("item"), dict):
            index = data.get("output_index")
            if not isinstance(index, int) or isinstance(index, bool):
                index = max(self.items, default=-1) + 1
            self.items[index] = data["item"]
        elif kind in ("response.completed", "response.incomplete"):
            response = data.get("response")
            self.final = dict(response) if isinstance(response, dict) else dict(self.shell or {})
            if kind == "response.incomplete":
                self.final.setdefault("status", "incomplete")

    def result(self, upstream: str) -> dict[str, Any]:
        if self.final is None:
            raise TransportError(f"{upstream}: stream ended before response.completed")
        out = dict(self.final)
        listed = out.get("output")
        if not (isinstance(listed, list) and listed) and self.items:
            out["output"] = [self.items[i] for i in sorted(self.items)]
        out.setdefault("object", "response")
        return out


async def collect_response(
    events: AsyncIterator[SSEEvent],
    *,
    upstream: str,
    secrets: Iterable[str] = (),
    now: float,
) -> dict[str, Any]:
    """Read ``events`` to the end of the response and return the ``response`` object.

    Raises the error of an ``error`` / ``response.failed`` event, and a
    ``TransportError`` when the stream ends before ``response.completed``.
    """
    collector = ResponseCollector()
    it = events.__aiter__()
    try:
        async for event in it:
            failure = event_failure(event.data, secrets=secrets, now=now)
            if failure is not None:
                raise failure
            collector.feed(event.data)
            if collector.done:
                break
    finally:
        await _close(it)
    return collector.result(upstream)


async def _close(events: AsyncIterator[SSEEvent]) -> None:
    close = getattr(events, "aclose", None)
    if close is not None:
        await close()
