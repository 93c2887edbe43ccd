"""The one middleware in front of the routes: request id, access log, body limit, client keys.

These used to be four nested middlewares (plus the dump one), i.e. five
``__call__`` frames per request and five ``send`` wrappers per body message
— per SSE frame on streams (issue 9). Folded here they cost one frame and one
``send`` wrapper. The behaviour is the old stack's, in its order: the dump
capture (only when ``BYOKEY_DUMP`` is set, still read per request) sees the
reply with its ``x-request-id``; a declared body over the limit is a 413
before the key check; the access log line is written however the request ends.
An unexpected exception before the reply started is answered here as a 500 error in
the client's format, with the request id (Starlette's fallback is a bare text 500).
"""

from __future__ import annotations

import logging
import os
import time
import traceback

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byokey_types import ByokError

from ._client_format import format_for_path
from ._http_errors import BodyTooLarge, InternalError
from ._mw_access_log import log_access
from ._mw_body_limit import counted_receive, declared_length
from ._mw_client_auth import ClientKeys
from ._mw_dump import DUMP_ENV, DumpMiddleware
from ._mw_request_id import assign_request_id
from ._responses import error_response

__all__ = ["FrontMiddleware"]

_log = logging.getLogger("byokey.proxy")


class FrontMiddleware:
    def __init__(self, app: ASGIApp, *, listener: str, limit: int, keys: ClientKeys) -> None:
        self.app = app
        self.listener = listener
        self.limit = limit
        self.keys = keys
        self._dumping = DumpMiddleware(self._serve)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif os.environ.get(DUMP_ENV):
            await self._dumping(scope, receive, send)
        else:
            await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        request_id = assign_request_id(scope)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        try:
            limit = self.limit
            length = declared_length(scope)
            refusal: ByokError | None
            if length is not None and length > limit:
                refusal = BodyTooLarge(limit)
            else:
                refusal = self.keys.refusal(scope)
            if refusal is not None:
                response = error_response(refusal, format_for_path(scope["path"]))
                await response(scope, receive, send_with_id)
                return
            if length is None:
                receive = counted_receive(receive, limit)
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if status:  # the reply has started: the server can only close the connection
                raise
            # Where it failed, never the message: an exception's text may hold a secret.
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            _log.error(
                "unhandled %s at %s:%d answering %s %s (request %s)",
                type(exc).__name__,
                frame.filename.rsplit("/", 1)[-1],
                frame.lineno or 0,
                scope.get("method", "?"),
                scope.get("path", "?"),
                request_id,
            )
            response = error_response(InternalError(), format_for_path(scope["path"]))
            await response(scope, receive, send_with_id)
        finally:
            log_access(
                scope,
                listener=self.listener,
                status=status,
                started=started,
                request_id=request_id,
            )
