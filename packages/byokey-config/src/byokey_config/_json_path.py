"""Dotted-path access into JSON objects, as payload rules use it.

Paths split on ``.`` only and never descend into arrays, exactly like the
original, so ``messages.0.content`` names an object key ``"0"``, not an index.
Writes are copy-on-write: the objects along the path are copied and everything
else is shared, so a request body is never mutated and large untouched parts
(images, long histories) are not copied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["path_exists", "with_path_removed", "with_path_set"]


def path_exists(obj: Any, parts: Sequence[str]) -> bool:
    """Whether every segment resolves to an object key, walking objects only."""
    current = obj
    for part in parts:
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return True


def with_path_set(obj: dict[str, Any], parts: Sequence[str], value: Any) -> dict[str, Any]:
    """A copy of ``obj`` with ``value`` at ``parts``.

    Missing intermediate objects are created; an intermediate that exists but is
    not an object makes the whole set a no-op (``obj`` itself is returned).
    """
    if not parts:
        return obj
    head, rest = parts[0], parts[1:]
    if not rest:
        updated = dict(obj)
        updated[head] = value
        return updated
    child = obj.get(head)
    if child is None and head not in obj:
        child = {}
    if not isinstance(child, dict):
        return obj
    new_child = with_path_set(child, rest, value)
    if new_child is child:
        return obj
    updated = dict(obj)
    updated[head] = new_child
    return updated


def with_path_removed(obj: dict[str, Any], parts: Sequence[str]) -> dict[str, Any]:
    """A copy of ``obj`` without the key at ``parts``; ``obj`` itself when absent."""
    if not parts:
        return obj
    head, rest = parts[0], parts[1:]
    if head not in obj:
        return obj
    if not rest:
        updated = dict(obj)
        del updated[head]
        return updated
    child = obj[head]
    if not isinstance(child, dict):
        return obj
    new_child = with_path_removed(child, rest)
    if new_child is child:
        return obj
    updated = dict(obj)
    updated[head] = new_child
    return updated
