"""A minimal ``.env`` reader: Gemini CLI keeps ``GOOGLE_CLOUD_PROJECT`` in ``~/.gemini/.env``.

Only what such files hold in practice: ``KEY=VALUE`` lines, an optional
``export`` prefix, single or double quotes around the value, ``#`` comments and
blank lines. No interpolation, no multi-line values. An unreadable or oversized
file reads as empty: the values are hints for an import, never required.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

__all__ = ["parse_dotenv", "read_dotenv"]

_MAX_BYTES: Final = 64 * 1024
_LINE: Final = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _unquote(value: str) -> str:
    """A quoted value ends at its closing quote; a bare one at `` #`` (a comment)."""
    if value[:1] in ("'", '"'):
        end = value.find(value[0], 1)
        if end > 0:
            return value[1:end]
    return value.split(" #", 1)[0].rstrip()


def parse_dotenv(text: str) -> dict[str, str]:
    """The ``KEY=VALUE`` pairs of ``text``; later lines win."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match:
            out[match.group(1)] = _unquote(match.group(2))
    return out


def read_dotenv(path: Path) -> dict[str, str]:
    """``parse_dotenv`` of the file, or ``{}`` when it is missing, unreadable or too big."""
    try:
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return {}
    if len(data) > _MAX_BYTES:
        return {}
    return parse_dotenv(data.decode("utf-8", "replace"))
