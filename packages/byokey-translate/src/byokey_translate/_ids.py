"""Identifiers: tool-call ids that stay consistent across formats, and message ids.

Formats disagree about ids. Anthropic only accepts ``^[a-zA-Z0-9_-]+$``;
older Gemini shapes carry no id at all. Every id made here is a pure function
of its input, so a request and its later response (or a stream and the same
content unstreamed) always agree — the original's random and position-based
Gemini ids did not, and strict backends rejected the next turn.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

__all__ = [
    "derived_call_id",
    "new_id",
    "now",
    "reprefix",
    "sanitize_tool_id",
]

_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9_-]")
_FOREIGN_PREFIXES = ("chatcmpl-",)


def sanitize_tool_id(tool_id: str) -> str:
    """An id Anthropic accepts: every disallowed character becomes ``_``.

    An empty id becomes ``toolu_`` plus a digest of nothing, not of the clock,
    so the call and its result still agree.
    """
    if tool_id and _NOT_ALLOWED.search(tool_id) is None:
        return tool_id
    cleaned = _NOT_ALLOWED.sub("_", tool_id)
    return cleaned or "toolu_empty"


def derived_call_id(name: str, args_json: str, index: int, salt: str = "") -> str:
    """A deterministic id for a call that arrived without one (Gemini)."""
    digest = hashlib.blake2b(
        f"{salt}\x00{index}\x00{name}\x00{args_json}".encode(), digest_size=8
    ).hexdigest()
    return f"call_{digest}"


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


def now() -> int:
    return int(time.time())


def reprefix(raw_id: str, prefix: str) -> str:
    """``raw_id`` carrying ``prefix`` (``chatcmpl-``, ``msg_``, ``resp_``), with
    another format's prefix removed first so ids do not pile up prefixes."""
    if raw_id.startswith(prefix):
        return raw_id
    for foreign in _FOREIGN_PREFIXES:
        if raw_id.startswith(foreign):
            raw_id = raw_id[len(foreign) :]
            break
    if raw_id.startswith(prefix):
        return raw_id
    return prefix + raw_id if raw_id else new_id(prefix)
