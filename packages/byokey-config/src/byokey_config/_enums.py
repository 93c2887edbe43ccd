"""The closed vocabularies of the settings file.

Values are matched exactly (``log.format: JSON`` is rejected, as in the
original) so that a typo fails the load instead of silently picking a default.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["LogFormat", "RoutingStrategy"]


class RoutingStrategy(StrEnum):
    """How one provider picks among several credentials.

    ``priority`` is the original's name for fill-first (always the first ready
    key); ``fill_first`` is accepted as a synonym because the router calls it so.
    ``weighted`` is new in the port: random choice proportional to ``weight``.
    """

    ROUND_ROBIN = "round_robin"
    PRIORITY = "priority"
    WEIGHTED = "weighted"

    @classmethod
    def _missing_(cls, value: object) -> RoutingStrategy | None:
        if value == "fill_first":
            return cls.PRIORITY
        return None


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
