"""Shared reading of the official CLIs' credential files: JSON, timestamps, errors.

Every failure is an ``AuthError`` that names the file and what is wrong with it,
never its content (the content is a token).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = [
    "ImportSource",
    "ImportedToken",
    "epoch_seconds",
    "optional_str",
    "read_json",
    "require_str",
]


@dataclass(frozen=True, slots=True)
class ImportSource:
    """Where a CLI keeps its login, relative to HOME, and which CLI that is."""

    relative_path: str
    cli: str

    def path(self, home: Path) -> Path:
        return home / self.relative_path


@dataclass(frozen=True, slots=True)
class ImportedToken:
    """The result of an import: which account got which token from which file."""

    provider: ProviderId
    account_id: str
    path: Path
    token: OAuthToken

    def __repr__(self) -> str:
        return (
            f"ImportedToken(provider={self.provider.value!r}, account_id={self.account_id!r}, "
            f"path={str(self.path)!r}, token={self.token!r})"
        )


def _fail(provider: ProviderId, path: Path, why: str) -> AuthError:
    return AuthError(f"cannot import {provider.value} token from {path}: {why}")


def read_json(provider: ProviderId, source: ImportSource, path: Path) -> dict[str, Any]:
    """The file's JSON object; a clear error when it is missing, unreadable or malformed."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(
            provider, path, f"file not found (log in with the {source.cli} first)"
        ) from None
    except OSError as exc:
        raise _fail(provider, path, f"cannot read it ({type(exc).__name__})") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _fail(provider, path, "not valid JSON") from None
    if not isinstance(data, dict):
        raise _fail(provider, path, "not a JSON object")
    return data


def require_str(
    provider: ProviderId, path: Path, data: dict[str, Any], key: str, *, where: str = ""
) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise _fail(provider, path, f"missing field {where}{key}")
    return value


def optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def epoch_seconds(value: Any) -> int | None:
    """Unix seconds from the forms the CLIs write: milliseconds, seconds or ISO 8601."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value / 1000) if value > 100_000_000_000 else int(value)
    if isinstance(value, str) and value:
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None
