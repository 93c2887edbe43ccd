"""Merging byokey's Amp entries into the Amp CLI's settings file (spec §5.9).

The original replaced a settings file it could not parse with ``{}``, losing the
user's settings, and rewrote the rest with sorted keys. Here an unreadable file is
backed up before anything is written, and existing keys keep their order.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AMP_URL_KEY = "amp.url"
_NEW_FILE_MODE = 0o600


@dataclass(frozen=True, slots=True)
class ParsedSettings:
    """The file's object, or why it could not be used (``problem``)."""

    data: dict[str, Any]
    problem: str | None = None


def parse_settings(raw: bytes) -> ParsedSettings:
    """The JSON object in ``raw``; anything else (invalid, array, empty) is a problem."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParsedSettings({}, "the file is not UTF-8 text")
    if not text.strip():
        return ParsedSettings({}, "the file is empty")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedSettings({}, f"invalid JSON at line {exc.lineno} column {exc.colno}")
    if not isinstance(value, dict):
        return ParsedSettings({}, f"the top level is a JSON {_json_kind(value)}, not an object")
    return ParsedSettings(value)


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def merge_settings(
    current: Mapping[str, Any], extras: Mapping[str, Any], url: str
) -> dict[str, Any]:
    """``current`` with ``extras`` laid over it and ``amp.url`` set to ``url``.

    Existing keys stay where they are (updated in place); new keys are appended in
    the order given, so a diff of the file shows only what changed.
    """
    merged = dict(current)
    for key, value in extras.items():
        merged[key] = value
    merged[AMP_URL_KEY] = url
    return merged


def extra_count(extras: Mapping[str, Any]) -> int:
    """How many ``amp.settings`` entries are reported as "extra" (``amp.url`` is not)."""
    return len(extras) - (1 if AMP_URL_KEY in extras else 0)


def render_settings(data: Mapping[str, Any]) -> str:
    """Pretty JSON as Amp writes it: 2-space indent, UTF-8 kept, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def backup_path(target: Path) -> Path:
    """A free ``<name>.bak`` / ``<name>.bak.N`` next to ``target``; never overwrites."""
    candidate = target.with_name(target.name + ".bak")
    number = 1
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.bak.{number}")
        number += 1
    return candidate


def write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` through a temp file and a rename; keep an existing file's mode."""
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = _NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
