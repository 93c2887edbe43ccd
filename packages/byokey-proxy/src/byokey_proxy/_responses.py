"""JSON and error responses in the client's own format.

A client only understands errors shaped like its API's: the OpenAI SDK reads
``error.message``, the Anthropic SDK ``{"type": "error", "error": …}``, Gemini
clients ``error.status``. Each route knows its format and asks for the body
here, so no handler hand-builds an error.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.responses import Response

from byokey_types import ByokError, WireFormat

__all__ = ["JSONResponse", "error_body", "error_response", "json_response"]

_GOOGLE_STATUS: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    504: "DEADLINE_EXCEEDED",
}


class JSONResponse(Response):
    """``application/json`` rendered with orjson (non-str keys allowed)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def json_response(
    content: Any, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)


def error_body(err: ByokError, fmt: WireFormat) -> dict[str, Any]:
    """The error as the client's SDK expects to parse it."""
    if fmt is WireFormat.ANTHROPIC:
        return err.to_anthropic()
    if fmt in (WireFormat.GEMINI, WireFormat.GEMINI_CLOUDCODE):
        return {
            "error": {
                "code": err.status,
                "message": err.client_message,
                "status": _GOOGLE_STATUS.get(err.status, "INTERNAL"),
            }
        }
    return err.to_openai()


def retry_after_header(err: ByokError, default: float | None) -> dict[str, str]:
    """``retry-after`` for a 429 (the hint, else when we retry ourselves) or a 503 with a hint.

    A 503 carries one when every credential is cooling down: the SDKs wait that
    long before their own retry instead of hammering a gateway that will refuse.
    """
    if err.status == 429:
        wait = err.retry_after if err.retry_after is not None else default
    elif err.status == 503:
        wait = err.retry_after
    else:
        return {}
    if wait is None:
        return {}
    return {"retry-after": str(max(0, math.ceil(wait)))}


def error_response(
    err: ByokError, fmt: WireFormat, *, retry_default: float | None = None
) -> JSONResponse:
    return JSONResponse(
        error_body(err, fmt),
        status_code=err.status,
        headers=retry_after_header(err, retry_default),
    )
