"""Request bodies above the limit get a clear 413 in the client's format.

A declared ``content-length`` over the limit is refused before reading.
Chunked bodies are counted as they arrive and the read fails with
``BodyTooLarge``, which the handlers render like any other error. A body with
a declared length within the limit is not counted: the HTTP server already
refuses more bytes than declared.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

from ._http_errors import BodyTooLarge

__all__ = ["counted_receive", "declared_length"]


def declared_length(scope: Scope) -> int | None:
    """The request's ``content-length``, or None when it has none (chunked) or a bad one."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def counted_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises ``BodyTooLarge`` once the body passes ``limit`` bytes."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted
