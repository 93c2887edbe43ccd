"""The one exception hierarchy of byokey.

Every error knows the HTTP status it maps to and how to describe itself to a
client in both the OpenAI and the Anthropic error shapes, so the proxy never
needs a table of its own. ``str(err)`` keeps the original's texts
(``token not found for provider: claude``) because the CLI prints them and people
grep for them. Texts pass through :func:`byokey_types.redact.redact`, so a
credential that slipped into a message never reaches a client or a log.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from byokey_types.redact import redact

__all__ = [
    "RETRYABLE_STATUSES",
    "AuthError",
    "ByokError",
    "ConfigError",
    "InvalidRequest",
    "ProviderUnavailable",
    "RateLimited",
    "SerializationError",
    "StorageError",
    "TokenExpired",
    "TokenNotFound",
    "TranslationError",
    "TransportError",
    "UnsupportedModel",
    "UnsupportedProvider",
    "UnsupportedTranslation",
    "UpstreamError",
    "UpstreamTimeout",
    "anthropic_error_type",
]

RETRYABLE_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504, 529})
"""Upstream statuses worth another attempt (on this or another account)."""

_MAX_BODY_CHARS = 2000

_ANTHROPIC_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def anthropic_error_type(status: int) -> str:
    """The ``error.type`` Anthropic uses for an HTTP status."""
    if status in _ANTHROPIC_TYPES:
        return _ANTHROPIC_TYPES[status]
    return "invalid_request_error" if 400 <= status < 500 else "api_error"


class ByokError(Exception):
    """Root of every error byokey raises across a package boundary.

    Subclasses set the class attributes; instances carry a message. ``status``,
    ``error_type`` and ``code`` describe the OpenAI-shaped error body.
    """

    prefix: ClassVar[str] = ""
    status: int = 500
    error_type: str = "server_error"
    code: str = "internal_error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return redact(f"{self.prefix}{self.message}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    @property
    def client_message(self) -> str:
        """Text that is safe to show to the proxy's client."""
        return str(self)

    def is_retryable(self) -> bool:
        """Whether the same request may succeed on another attempt."""
        return False

    @property
    def retry_after(self) -> float | None:
        """Seconds the upstream asked us to wait, when it said."""
        return None

    def to_openai(self) -> dict[str, Any]:
        """The body of an OpenAI-format error response."""
        return {
            "error": {"message": self.client_message, "type": self.error_type, "code": self.code}
        }

    def to_anthropic(self) -> dict[str, Any]:
        """The body of an Anthropic-format error response."""
        return {
            "type": "error",
            "error": {"type": anthropic_error_type(self.status), "message": self.client_message},
        }


class AuthError(ByokError):
    """A login, refresh or client-authentication failure."""

    prefix = "authentication error: "
    status = 401
    error_type = "authentication_error"
    code = "invalid_api_key"


class _ProviderError(ByokError):
    """An error about one provider; the message is the provider's name."""

    def __init__(self, provider: str) -> None:
        super().__init__(str(provider))
        self.provider = str(provider)


class TokenNotFound(_ProviderError):
    """No stored credential for the provider (or the named account)."""

    prefix = "token not found for provider: "
    status = 401
    error_type = "authentication_error"
    code = "token_not_found"


class TokenExpired(_ProviderError):
    """The credential expired and cannot be renewed: the user must log in again."""

    prefix = "token expired for provider: "
    status = 401
    error_type = "authentication_error"
    code = "token_not_found"


class ProviderUnavailable(_ProviderError):
    """The provider is disabled, unknown to the registry, or has no executor."""

    prefix = "provider not available: "
    status = 503
    error_type = "server_error"
    code = "provider_unavailable"


class TranslationError(ByokError):
    """A body could not be converted between wire formats."""

    prefix = "translation error: "
    status = 400
    error_type = "invalid_request_error"
    code = "translation_error"


class InvalidRequest(TranslationError):
    """A request (or response) is malformed; the message names the field."""

    prefix = "invalid request: "
    code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class UnsupportedTranslation(TranslationError):
    """No conversion exists between the two formats asked for."""

    code = "unsupported_translation"

    def __init__(self, source: str, target: str, what: str = "request") -> None:
        super().__init__(f"cannot convert {what} from {source} to {target}")
        self.source = str(source)
        self.target = str(target)


class TransportError(ByokError):
    """The upstream could not be reached or the connection broke (DNS, TLS, reset)."""

    prefix = "http error: "
    status = 502
    error_type = "server_error"
    code = "upstream_error"

    def is_retryable(self) -> bool:
        return True


class UpstreamTimeout(TransportError):
    """The upstream did not answer in time."""

    status = 504
    code = "upstream_timeout"


class SerializationError(ByokError):
    prefix = "serialization error: "


class StorageError(ByokError):
    prefix = "storage error: "


class ConfigError(ByokError):
    prefix = "configuration error: "


class UnsupportedModel(ByokError):
    """No enabled provider serves the model."""

    prefix = "unsupported model: "
    status = 400
    error_type = "invalid_request_error"
    code = "model_not_found"

    def __init__(self, model: str) -> None:
        super().__init__(model)
        self.model = model


class UnsupportedProvider(ByokError):
    """A provider name that is neither canonical nor an alias."""

    prefix = "unsupported provider: "
    status = 400
    error_type = "invalid_request_error"
    code = "provider_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class UpstreamError(ByokError):
    """The upstream answered with a non-success status.

    Client errors keep their status so the caller's SDK raises the right
    exception (the original turned every status but 401/403/429 into 502);
    server errors become 502 because the failure is not the gateway's.
    """

    prefix = "upstream error: "

    def __init__(self, status: int, body: str = "", *, retry_after: float | None = None) -> None:
        if len(body) > _MAX_BODY_CHARS:
            body = body[:_MAX_BODY_CHARS] + "…"
        super().__init__(f"status={status}, body={body}")
        self.upstream_status = status
        self.body = body
        self._retry_after = _clean_retry_after(retry_after)
        self.status = self._client_status(status)
        self.error_type, self.code = self._openai_kind(status)

    @staticmethod
    def _client_status(status: int) -> int:
        if status in (401, 403, 429) or 400 <= status < 500:
            return status
        return 502

    @staticmethod
    def _openai_kind(status: int) -> tuple[str, str]:
        if status == 401:
            return "authentication_error", "invalid_api_key"
        if status == 403:
            return "permission_error", "insufficient_quota"
        if status == 429:
            return "rate_limit_error", "rate_limit_exceeded"
        if status == 404:
            return "not_found_error", "upstream_not_found"
        if 400 <= status < 500:
            return "invalid_request_error", "upstream_invalid_request"
        return "server_error", "upstream_error"

    def is_retryable(self) -> bool:
        return self.upstream_status in RETRYABLE_STATUSES

    @property
    def retry_after(self) -> float | None:
        return self._retry_after


class RateLimited(UpstreamError):
    """The upstream said 429; ``retry_after`` carries its hint when it gave one."""

    def __init__(self, body: str = "", *, retry_after: float | None = None) -> None:
        super().__init__(429, body, retry_after=retry_after)


def _clean_retry_after(value: float | None) -> float | None:
    if value is None or math.isnan(value) or value < 0:
        return None
    return float(value)
