"""The Gemini Code Assist envelope (Gemini CLI, Antigravity) around native Gemini bodies.

A request is ``{"model", "project", "user_prompt_id"/"requestId", …,
"request": <generateContent body>}``; a response is ``{"response":
<generateContent response>, "traceId"?}``. Everything inside is read and
written by :mod:`byokey_translate._gemini`; this module only opens and closes
the envelope, and prefixes error paths with ``request.`` / ``response.`` so a
client still sees where its body is wrong.

The envelope's own fields (``project``, ``user_prompt_id``, ``requestId``,
``userAgent``, ``requestType``) describe the account and the session, not the
conversation: the canonical form does not hold them, the writer emits only
``model`` and ``request`` (and ``stream`` for the executor, as for Gemini), and
the executor adds the project it resolved for the account. A response may also
arrive unwrapped (some Code Assist routes answer with the bare body); the
reader accepts both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from byokey_translate import _gemini
from byokey_translate._fields import as_bool, as_str, require_dict
from byokey_translate._ir import RequestIR, ResponseIR
from byokey_types.errors import InvalidRequest

__all__ = ["read_request", "read_response", "write_request", "write_response"]

_T = TypeVar("_T")


def _nested(prefix: str, read: Callable[[dict[str, Any]], _T], body: dict[str, Any]) -> _T:
    """``read(body)`` with any error's field path put under ``prefix``."""
    try:
        return read(body)
    except InvalidRequest as exc:
        if exc.field is None:
            raise
        message = exc.message.removeprefix(f"{exc.field}: ")
        raise InvalidRequest(message, field=f"{prefix}.{exc.field}") from None


def read_request(body: dict[str, Any]) -> RequestIR:
    inner = require_dict(body.get("request"), "request")
    ir = _nested("request", _gemini.read_request, inner)
    model = as_str(body.get("model"))
    if model is None and not ir.model:
        raise InvalidRequest("is required and must be a string", field="model")
    if model is not None:
        ir.model = model.removeprefix("models/")
    stream = as_bool(body.get("stream"))
    if stream is not None:
        ir.stream = stream
    return ir


def write_request(ir: RequestIR) -> dict[str, Any]:
    inner = _gemini.write_request(ir)
    model = inner.pop("model")
    stream = inner.pop("stream", None)
    out: dict[str, Any] = {"model": model, "request": inner}
    if stream is not None:
        out["stream"] = stream
    return out


def read_response(body: dict[str, Any]) -> ResponseIR:
    inner = body.get("response")
    if inner is None and ("candidates" in body or "usageMetadata" in body):
        return _gemini.read_response(body)
    return _nested("response", _gemini.read_response, require_dict(inner, "response"))


def write_response(ir: ResponseIR) -> dict[str, Any]:
    return {"response": _gemini.write_response(ir)}
