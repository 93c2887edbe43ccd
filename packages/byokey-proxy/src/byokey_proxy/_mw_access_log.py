"""One structured access-log line per request: method, path, status, latency, id.

Only the path is logged, never the query string or headers (they may carry keys).
"""

from __future__ import annotations

import logging
import time

from starlette.types import Scope

__all__ = ["log_access"]

_log = logging.getLogger("byokey.proxy.access")


def log_access(
    scope: Scope, *, listener: str, status: int, started: float, request_id: str
) -> None:
    """Log the finished request; ``status`` 0 means no response started (a warning)."""
    latency_ms = int((time.monotonic() - started) * 1000)
    level = logging.WARNING if status >= 500 or status == 0 else logging.INFO
    if not _log.isEnabledFor(level):
        return
    _log.log(
        level,
        "%s %s %s %dms",
        scope["method"],
        scope["path"],
        status or "-",
        latency_ms,
        extra={
            "listener": listener,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "latency_ms": latency_ms,
            "request_id": request_id,
        },
    )
