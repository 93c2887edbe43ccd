"""SSE framing: events to bytes, and the error event each client format understands.

Framing is ``event: <name>\\n`` (when named) + ``data: <json>\\n\\n``; JSON is
compact orjson. A failure after the headers went out cannot change the status
any more, so it becomes a last event the client's SDK raises on.
"""

from __future__ import annotations

from typing import Any

import orjson

from byokey_types import ByokError, WireFormat

from ._responses import error_body

__all__ = ["KEEPALIVE_FRAME", "encode_event", "error_frame"]

KEEPALIVE_FRAME = b": keep-alive\n\n"


def encode_event(event: str | None, data: dict[str, Any] | str) -> bytes:
    payload = data.encode() if isinstance(data, str) else orjson.dumps(data)
    if event:
        return b"event: " + event.encode() + b"\ndata: " + payload + b"\n\n"
    return b"data: " + payload + b"\n\n"


def error_frame(err: ByokError, fmt: WireFormat) -> bytes:
    """The in-band error for a stream that already started."""
    if fmt is WireFormat.ANTHROPIC:
        return encode_event("error", err.to_anthropic())
    if fmt is WireFormat.OPENAI_RESPONSES:
        # ``error`` is what the SDK surfaces; ``response.failed`` is what ends a
        # turn for Codex CLI (without it, it reports a stream closed early and retries).
        detail = {"code": err.code, "message": err.client_message}
        failed = {
            "type": "response.failed",
            "response": {
                "id": "resp_failed",
                "object": "response",
                "status": "failed",
                "error": detail,
                "output": [],
            },
        }
        return encode_event("error", {"type": "error", **detail, "param": None}) + encode_event(
            "response.failed", failed
        )
    return encode_event(None, error_body(err, fmt))
