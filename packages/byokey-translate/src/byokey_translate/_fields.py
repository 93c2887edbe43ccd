"""Reading untyped JSON bodies: strict where a wrong type is an error, lenient elsewhere.

Required structure (``messages`` must be a list, a message must be an object)
raises :class:`InvalidRequest` naming the JSON path, so a client sees
``messages[3].content: must be a string or a list``. Optional scalars of the
wrong type are treated as absent, as the original does (a ``"512"`` max_tokens
is ignored, not fatal).
"""

from __future__ import annotations

from typing import Any

from byokey_types.errors import InvalidRequest

__all__ = [
    "as_bool",
    "as_dict",
    "as_float",
    "as_str",
    "as_uint",
    "require_dict",
    "require_list",
    "require_str",
]


def require_dict(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequest("must be an object", field=path)
    return value


def require_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidRequest("must be a list", field=path)
    return value


def require_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidRequest("is required and must be a string", field=path)
    return value


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def as_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def as_uint(value: Any) -> int | None:
    """A non-negative JSON integer; ``512.0``, ``-1``, ``"512"`` and ``true`` are absent."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None


def as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
