"""The model-name glob of the original: four forms only, case-sensitive.

Not ``fnmatch``: the original checks a leading ``*`` first and treats everything
else literally, so ``*mid*`` means "ends with ``mid*``" and ``a*b`` is an exact
name. Configs written for the original must keep matching the same models.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["glob_match", "glob_match_any"]


def glob_match(pattern: str, name: str) -> bool:
    """Whether ``name`` matches ``pattern`` under the original's rules."""
    if pattern == "*":
        return True
    if pattern.startswith("*"):
        return name.endswith(pattern[1:])
    if pattern.endswith("*"):
        return name.startswith(pattern[:-1])
    return pattern == name


def glob_match_any(patterns: Iterable[str], name: str) -> bool:
    """Whether any of ``patterns`` matches ``name`` (none never matches)."""
    return any(glob_match(p, name) for p in patterns)
