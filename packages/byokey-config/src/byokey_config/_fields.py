"""Field declarations shared by the settings dataclasses.

The validator reads these markers (external key, range, secrecy) from
``dataclasses.field`` metadata, so each schema class states its rules next to
its fields instead of in a separate table that could drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from byokey_types import mask

__all__ = ["U16_MAX", "U32_MAX", "is_secret", "masked_repr", "setting"]

U16_MAX = 65_535
U32_MAX = 4_294_967_295


def setting(
    default: Any = dataclasses.MISSING,
    *,
    factory: Any = dataclasses.MISSING,
    key: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    secret: bool = False,
) -> Any:
    """A dataclass field with validation metadata.

    ``key`` is the name in the file when it differs from the attribute;
    ``secret`` keeps the value out of error messages and reprs.
    """
    metadata = {"key": key, "minimum": minimum, "maximum": maximum, "secret": secret}
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def is_secret(f: dataclasses.Field[Any]) -> bool:
    return bool(f.metadata.get("secret", False))


def _masked(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, str):
        return repr(mask(value))
    if isinstance(value, tuple):
        return "(" + ", ".join(_masked(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {_masked(v)}" for k, v in value.items()) + "}"
    return "<secret>"


def masked_repr(obj: Any) -> str:
    """``repr`` of a settings dataclass with every secret field masked."""
    parts = []
    for f in dataclasses.fields(obj):
        if not f.repr:
            continue
        value = getattr(obj, f.name)
        shown = _masked(value) if is_secret(f) else repr(value)
        parts.append(f"{f.name}={shown}")
    return f"{type(obj).__name__}({', '.join(parts)})"
