"""Reading a JSON object body with the errors clients can act on (415, 400)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from byokey_types import InvalidRequest

from ._http_errors import UnsupportedMediaType

__all__ = ["read_json_object"]


async def read_json_object(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if "json" not in content_type.lower():
        raise UnsupportedMediaType()
    raw = await request.body()
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"malformed JSON body ({exc.msg} at position {exc.pos})") from None
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object")
    return body
