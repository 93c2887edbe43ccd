"""Scrubbing secrets out of text before it reaches a log line, an error or a dump.

Upstream error bodies and exception texts sometimes echo what they were sent;
everything that may carry such text passes through :func:`redact` first.
"""

from __future__ import annotations

import re

__all__ = ["mask", "redact"]

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Authorization headers and the like: keep the scheme, drop the credential.
    re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{8,}"),
    # JSON / form / query fields whose name says "secret".
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|id_token|api_key|apikey|api-key|x-api-key|"
        r"client_secret|password|code_verifier|device_code|code|secret|token)[\"']?\s*[:=]\s*[\"']?)"
        r"([^\"'&\s,}]{4,})"
    ),
    # Well-known key shapes, wherever they stand.
    re.compile(
        r"\b(?:sk-ant-[A-Za-z0-9_\-]{8,}|sk-[A-Za-z0-9_\-]{16,}|gh[opsu]_[A-Za-z0-9]{16,}|"
        r"github_pat_[A-Za-z0-9_]{16,}|AIza[0-9A-Za-z_\-]{20,}|ya29\.[0-9A-Za-z_\-.]{16,}|"
        r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})"
    ),
)

_REDACTED = "[REDACTED]"


def _sub_scheme(m: re.Match[str]) -> str:
    return f"{m.group(1)} {_REDACTED}"


_ERROR_CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")
"""An error identifier such as ``invalid_api_key``: letters and underscores only."""


def _sub_field(m: re.Match[str]) -> str:
    # ``"code": "rate_limit_exceeded"`` in an upstream error body is an identifier the
    # client needs, not an OAuth code (those are random and hold digits or capitals).
    name = m.group(1).strip("\"' :=").lower()
    if name == "code" and _ERROR_CODE.fullmatch(m.group(2)):
        return m.group(0)
    return f"{m.group(1)}{_REDACTED}"


def redact(text: str) -> str:
    """Return ``text`` with anything that looks like a credential replaced."""
    text = _PATTERNS[0].sub(_sub_scheme, text)
    text = _PATTERNS[1].sub(_sub_field, text)
    return _PATTERNS[2].sub(_REDACTED, text)


def mask(secret: str | None) -> str:
    """A recognisable but useless form of a secret, for ``status`` tables and reprs."""
    if not secret:
        return "<none>"
    if len(secret) < 20:
        return "****"
    return f"{secret[:4]}…{secret[-2:]} ({len(secret)} chars)"
