"""A ``UsageRecord`` as a ``usage_records`` row, checked before anything is written.

Both stores validate through here, so a malformed record (a token count that is
not a non-negative integer, an empty model) is refused the same way by both —
SQLite's type affinity would otherwise happily store ``"12"`` in a BIGINT.
"""

from __future__ import annotations

from typing import Any

from byokey_types.errors import InvalidRequest
from byokey_types.usage import UsageRecord

__all__ = ["usage_row"]

_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
_OPTIONAL_INTS = ("latency_ms", "status")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def usage_row(record: UsageRecord, created_at: int) -> dict[str, Any]:
    """Column values for ``record``; raises ``InvalidRequest`` naming the bad field."""
    if not isinstance(record.model, str) or not record.model:
        raise InvalidRequest("usage record needs a non-empty 'model'", field="model")
    if not isinstance(record.provider, str) or not record.provider:
        raise InvalidRequest("usage record needs a non-empty 'provider'", field="provider")
    if record.account_id is not None and not isinstance(record.account_id, str):
        raise InvalidRequest("usage record 'account_id' must be a string", field="account_id")
    if not isinstance(record.success, bool):
        raise InvalidRequest("usage record 'success' must be a boolean", field="success")
    for name in _COUNTS:
        value = getattr(record, name)
        if not _is_int(value) or value < 0:
            raise InvalidRequest(
                f"usage record '{name}' must be a non-negative integer", field=name
            )
    for name in _OPTIONAL_INTS:
        value = getattr(record, name)
        if value is not None and not _is_int(value):
            raise InvalidRequest(f"usage record '{name}' must be an integer", field=name)
    return {
        "model": record.model,
        "provider": str(record.provider),
        "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens,
        "success": record.success,
        "created_at": created_at,
        "account_id": record.account_id,
        "cache_read_tokens": record.cache_read_tokens,
        "cache_write_tokens": record.cache_write_tokens,
        "latency_ms": record.latency_ms,
        "status": record.status,
    }
