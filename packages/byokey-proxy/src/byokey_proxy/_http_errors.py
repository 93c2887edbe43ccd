"""Errors only the HTTP layer produces (size, media type, client keys, unknown models).

They extend the shared hierarchy so they render in every client format like
any other ``ByokError``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from byokey_types import AuthError, ByokError, InvalidRequest, UnsupportedModel

__all__ = [
    "BodyTooLarge",
    "ClientKeyRequired",
    "InternalError",
    "ManagementLocked",
    "MethodNotAllowed",
    "ModelNotFound",
    "NoStore",
    "NotFound",
    "ReloadRejected",
    "UnsupportedMediaType",
]


class BodyTooLarge(ByokError):
    prefix = "request body too large: "
    status = 413
    error_type = "invalid_request_error"
    code = "request_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the limit is {limit} bytes")


class UnsupportedMediaType(InvalidRequest):
    status = 415
    code = "unsupported_media_type"

    def __init__(self) -> None:
        super().__init__("expected Content-Type: application/json")


class ClientKeyRequired(AuthError):
    """No or a wrong client key while ``api_keys`` are configured (the key is never echoed)."""

    def __init__(self) -> None:
        super().__init__(
            "a valid API key is required (Authorization: Bearer <key> or x-api-key: <key>)"
        )


class ManagementLocked(ByokError):
    prefix = "management API locked: "
    status = 403
    error_type = "permission_error"
    code = "management_locked"

    def __init__(self) -> None:
        super().__init__("the server listens beyond loopback; configure api_keys to use it")


class NoStore(ByokError):
    """A management feature whose backing store this server was started without."""

    status = 503
    error_type = "server_error"
    code = "not_configured"


class ReloadRejected(ByokError):
    """The settings file is invalid; the last good settings stay in force."""

    prefix = "reload rejected: "
    status = 422
    error_type = "invalid_request_error"
    code = "invalid_settings"


class InternalError(ByokError):
    """Something failed that no handler expected; the client learns nothing more."""

    def __init__(self) -> None:
        super().__init__("internal error")


class NotFound(ByokError):
    status = 404
    error_type = "not_found_error"
    code = "not_found"


class MethodNotAllowed(ByokError):
    status = 405
    error_type = "invalid_request_error"
    code = "method_not_allowed"


class ModelNotFound(UnsupportedModel):
    """An unknown model, answered with 404 and the closest known ids."""

    status = 404

    def __init__(self, model: str, known: Iterable[str]) -> None:
        super().__init__(model)
        self.suggestions = difflib.get_close_matches(model, list(known), n=3, cutoff=0.5)

    @property
    def client_message(self) -> str:
        text = str(self)
        if self.suggestions:
            text += "; did you mean: " + ", ".join(self.suggestions) + "?"
        return text
