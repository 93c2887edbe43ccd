"""What an upstream said about its limits, captured from response headers.

Executors store the latest snapshot per (provider, account); the management API
and ``byokey status`` read them. Only rate-limit headers are kept, never others,
so a snapshot cannot carry a cookie or a token.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict

__all__ = [
    "RateLimitSnapshot",
    "RateLimitSnapshotDict",
    "is_rate_limit_header",
    "parse_retry_after",
]

_PREFIXES = (
    "x-ratelimit-",
    "anthropic-ratelimit-",
    "x-codex-",
    "x-ratelimit",
    "openai-ratelimit-",
)
_EXACT = frozenset({"retry-after", "retry-after-ms", "x-should-retry"})


def is_rate_limit_header(name: str) -> bool:
    n = name.lower()
    return n in _EXACT or n.startswith(_PREFIXES)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP date.

    A date in the past gives ``0``; anything unreadable gives ``None``.
    """
    if value is None:
        return None
    v = value.strip()
    if not v:
        return None
    try:
        secs = float(v)
    except ValueError:
        pass
    else:
        return secs if math.isfinite(secs) and secs >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError, IndexError):
        return None
    t = time.time() if now is None else now
    return max(0.0, when.timestamp() - t)


class RateLimitSnapshotDict(TypedDict):
    headers: dict[str, str]
    captured_at: int


@dataclass(frozen=True, slots=True)
class RateLimitSnapshot:
    """Rate-limit headers of one upstream response, lower-cased, with capture time."""

    headers: Mapping[str, str] = field(default_factory=dict)
    captured_at: int = 0

    @classmethod
    def from_headers(
        cls, headers: Mapping[str, str] | Iterable[tuple[str, str]], *, now: int | None = None
    ) -> RateLimitSnapshot:
        items = headers.items() if isinstance(headers, Mapping) else headers
        kept = {k.lower(): v for k, v in items if is_rate_limit_header(k)}
        return cls(headers=kept, captured_at=int(time.time()) if now is None else now)

    @property
    def retry_after(self) -> float | None:
        ms = self.headers.get("retry-after-ms")
        if ms is not None:
            parsed = parse_retry_after(ms)
            if parsed is not None:
                return parsed / 1000.0
        return parse_retry_after(self.headers.get("retry-after"))

    def remaining(self, kind: str = "requests") -> int | None:
        """Remaining ``requests`` or ``tokens`` in the window, if the upstream said."""
        for key in (f"x-ratelimit-remaining-{kind}", f"anthropic-ratelimit-{kind}-remaining"):
            raw = self.headers.get(key)
            if raw is not None:
                try:
                    return int(raw)
                except ValueError:
                    return None
        return None

    def to_dict(self) -> RateLimitSnapshotDict:
        return {"headers": dict(self.headers), "captured_at": self.captured_at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateLimitSnapshot:
        raw = data.get("headers") or {}
        return cls(
            headers={str(k): str(v) for k, v in dict(raw).items()},
            captured_at=int(data.get("captured_at") or 0),
        )
