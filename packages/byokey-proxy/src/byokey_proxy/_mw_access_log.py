"""One structured access-log line per request: method, path, status, latency, id.

Only the path is logged, never the query string or headers (they may carry keys).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._mw_request_id import request_id_of

__all__ = ["AccessLogMiddleware"]

_log = logging.getLogger("byokey.proxy.access")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, *, listener: str) -> None:
        self.app = app
        self.listener = listener

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            latency_ms = int((time.monotonic() - started) * 1000)
            level = logging.WARNING if status >= 500 or status == 0 else logging.INFO
            _log.log(
                level,
                "%s %s %s %dms",
                scope["method"],
                scope["path"],
                status or "-",
                latency_ms,
                extra={
                    "listener": self.listener,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "latency_ms": latency_ms,
                    "request_id": request_id_of(scope),
                },
            )
