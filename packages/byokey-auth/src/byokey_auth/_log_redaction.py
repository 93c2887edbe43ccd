"""Keeping secrets out of httpx's own log lines.

httpx logs every request URL at INFO. iFlow's user-info call must carry the OAuth
access token in its query (``?accessToken=...``), so without this filter a
``-v`` run would write a live token to the log. The filter rewrites httpx's
records through :func:`byokey_types.redact.redact` before any handler sees them.
"""

from __future__ import annotations

import logging
import threading

from byokey_types.redact import redact

__all__ = ["install_httpx_redaction"]

_installed = False
_lock = threading.Lock()


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


def install_httpx_redaction() -> None:
    """Attach the filter to the ``httpx`` logger once per process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.getLogger("httpx").addFilter(_RedactingFilter())
        _installed = True
