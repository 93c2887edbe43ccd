"""Small JSON files only this user may read (cached OAuth client registrations).

Written to a temporary file created 0600 and renamed into place, so a crash never
leaves a half-written cache and no other user ever sees a client secret.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

__all__ = ["read_json_file", "write_private_json"]


def write_private_json(path: Path, data: Any) -> None:
    """Atomically replace ``path`` with ``data`` as JSON, mode 0600; raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(data))
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_json_file(path: Path) -> Any:
    """The decoded file, or None when it is missing; raises ``ValueError`` when unreadable."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(f"cannot read {path.name}: {exc.strerror}") from None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValueError(f"{path.name} is not JSON") from None
