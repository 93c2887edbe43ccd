"""Usage accounting records: what one request cost, and aggregated buckets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

__all__ = ["UsageBucket", "UsageRecord"]


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One request's usage, as the proxy records it (the store adds the time)."""

    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    success: bool = True
    account_id: str | None = None
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    latency_ms: int | None = None
    """Time from the request's arrival to its last byte (None when not measured)."""
    status: int | None = None
    """HTTP status the client saw (None when not measured)."""


class UsageBucket(TypedDict):
    period_start: int
    model: str
    request_count: int
    input_tokens: int
    output_tokens: int
