"""``x-request-id``: kept when the client sent one, else a new UUIDv4; echoed on every reply.

The id lives in ``scope["state"]["request_id"]`` so the access log and handlers
see the same value. :class:`~byokey_proxy._mw_front.FrontMiddleware` assigns
it and adds the header.
"""

from __future__ import annotations

import re
import uuid

from starlette.types import Scope

__all__ = ["assign_request_id", "request_id_of"]

_SANE = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def request_id_of(scope: Scope) -> str:
    state = scope.get("state") or {}
    value = state.get("request_id", "")
    return value if isinstance(value, str) else ""


def assign_request_id(scope: Scope) -> str:
    """The request's id (the client's, if usable), stored in the scope's state."""
    incoming = ""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            incoming = value.decode("latin-1")
    # An id that would break log lines or headers is replaced, not echoed.
    request_id = incoming if _SANE.match(incoming) else str(uuid.uuid4())
    scope.setdefault("state", {})["request_id"] = request_id
    return request_id
