"""Upstream failures as ``ByokError``s a client may see, and the wait hints they carry.

Upstream error bodies sometimes echo the credential they were sent (a bad key
quoted back, a token in a URL), so the body is scrubbed of the exact secrets
used for the request before it becomes an error message, on top of the
pattern-based :func:`byokey_types.redact` every ``ByokError`` applies.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson

from byokey_types import (
    ByokError,
    RateLimited,
    TransportError,
    UpstreamError,
    UpstreamTimeout,
    parse_retry_after,
)

__all__ = [
    "CredentialsExhausted",
    "body_retry_after",
    "google_duration",
    "reset_hint",
    "retry_after_from",
    "scrub",
    "transport_error",
    "upstream_error",
]

_REDACTED = "[REDACTED]"
_URL = re.compile(r"(?i)\b(?:https?|wss?|socks5h?)://[^\s'\"]+")
_GO_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)(h|ms|m|s))")
_RESET_HEADERS = (
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
    "x-ratelimit-reset",
    "anthropic-ratelimit-requests-reset",
    "anthropic-ratelimit-tokens-reset",
    "anthropic-ratelimit-input-tokens-reset",
    "anthropic-ratelimit-output-tokens-reset",
)


class CredentialsExhausted(ByokError):
    """Every credential of an upstream is cooling down (or failed this request).

    429 when the upstream rate-limited them, 503 when they failed otherwise;
    ``retry_after`` is when the first one becomes ready again. Retryable, so a
    configured ``fallback`` provider is tried next.
    """

    prefix = "provider not available: "

    def __init__(self, upstream: str, *, retry_after: float | None, rate_limited: bool) -> None:
        why = "rate limited" if rate_limited else "unavailable"
        super().__init__(f"{upstream}: every credential is {why} or cooling down")
        self.provider = upstream
        self._retry_after = retry_after
        self.status = 429 if rate_limited else 503
        self.error_type = "rate_limit_error" if rate_limited else "server_error"
        self.code = "rate_limit_exceeded" if rate_limited else "provider_unavailable"

    def is_retryable(self) -> bool:
        return True

    @property
    def retry_after(self) -> float | None:
        return self._retry_after


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without the given secrets and without URLs (queries can hold keys)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, _REDACTED)
    return _URL.sub("<url>", text)


def google_duration(value: object) -> float | None:
    """``"1.5s"`` / ``"373.8ms"`` (Google RPC durations) in seconds."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    try:
        if v.endswith("ms"):
            return float(v[:-2]) / 1000.0
        if v.endswith("s"):
            return float(v[:-1])
    except ValueError:
        return None
    return None


def body_retry_after(body: Any, *, now: float) -> float | None:
    """Wait hint inside a 429 body: Codex ``usage_limit_reached`` or Google ``details``."""
    if not isinstance(body, dict):
        return None
    err = body.get("error")
    if not isinstance(err, dict):
        return None
    if err.get("type") == "usage_limit_reached":
        secs = err.get("resets_in_seconds")
        if isinstance(secs, int | float) and not isinstance(secs, bool) and secs >= 0:
            return float(secs)
        at = err.get("resets_at")
        if isinstance(at, int | float) and not isinstance(at, bool) and at > now:
            return float(at - now)
    details = err.get("details")
    if isinstance(details, list):
        for kind, key in (
            ("type.googleapis.com/google.rpc.RetryInfo", "retryDelay"),
            ("type.googleapis.com/google.rpc.ErrorInfo", "quotaResetDelay"),
        ):
            for d in details:
                if not (isinstance(d, dict) and d.get("@type") == kind):
                    continue
                holder = d if key == "retryDelay" else d.get("metadata")
                found = google_duration(holder.get(key) if isinstance(holder, dict) else None)
                if found is not None:
                    return found
    return None


def _reset_value(value: str, now: float) -> float | None:
    v = value.strip()
    if not v:
        return None
    parts = _GO_DURATION.findall(v)
    if parts and "".join(n + u for n, u in parts) == v:
        scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
        return sum(float(n) * scale[u] for n, u in parts)
    try:
        secs = float(v)
    except ValueError:
        pass
    else:
        # Unix timestamps (seconds) are far larger than any sane delta.
        return max(0.0, secs - now) if secs > 1e9 else max(0.0, secs)
    try:
        when = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, when.timestamp() - now)


def reset_hint(headers: Mapping[str, str], *, now: float) -> float | None:
    """The longest window reset the rate-limit headers announce (``6m0s``, RFC 3339, epoch)."""
    found: list[float] = []
    for name in _RESET_HEADERS:
        raw = headers.get(name)
        if raw is not None:
            value = _reset_value(raw, now)
            if value is not None:
                found.append(value)
    return max(found) if found else None


def retry_after_from(
    status: int, headers: Mapping[str, str], body: Any, *, now: float
) -> float | None:
    """How long to wait before retrying this credential, when the upstream said.

    Order: the body's own hint (429 only), ``retry-after-ms``, ``Retry-After``
    (seconds or HTTP date), then the rate-limit reset headers (429 only).
    ``headers`` must have lower-case names.
    """
    if status == 429:
        hint = body_retry_after(body, now=now)
        if hint is not None:
            return hint
    ms = parse_retry_after(headers.get("retry-after-ms"), now=now)
    if ms is not None:
        return ms / 1000.0
    header = parse_retry_after(headers.get("retry-after"), now=now)
    if header is not None:
        return header
    if status == 429:
        return reset_hint(headers, now=now)
    return None


def upstream_error(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    secrets: Iterable[str] = (),
    now: float | None = None,
) -> UpstreamError:
    """The error for a non-2xx upstream answer; the body is kept (scrubbed) for the client."""
    t = time.time() if now is None else now
    text = body.decode("utf-8", errors="replace")
    try:
        parsed: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    retry_after = retry_after_from(status, headers, parsed, now=t)
    clean = scrub(text, secrets)
    if status == 429:
        return RateLimited(clean, retry_after=retry_after)
    return UpstreamError(status, clean, retry_after=retry_after)


def transport_error(exc: BaseException, *, upstream: str, timeout: bool = False) -> TransportError:
    """A connection-level failure; the message names the upstream, never a URL."""
    if isinstance(exc, TransportError):
        return exc
    kind = type(exc).__name__
    detail = scrub(str(exc))[:300]
    if timeout:
        return UpstreamTimeout(f"{upstream}: {detail or 'timed out'}")
    return TransportError(f"{upstream}: {kind}: {detail}" if detail else f"{upstream}: {kind}")
