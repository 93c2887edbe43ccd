"""Stored credentials: the OAuth token record and the account listing entry.

The record is immutable; "refreshing" produces a new one. Its JSON form is the
``token_json`` column of the original's store (null fields left out, unknown
fields ignored) so databases move between the two without conversion.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from byokey_types.errors import SerializationError
from byokey_types.redact import mask

__all__ = [
    "DEFAULT_ACCOUNT",
    "EXPIRY_MARGIN_SECS",
    "PROACTIVE_REFRESH_SECS",
    "AccountInfo",
    "OAuthToken",
    "TokenState",
]

DEFAULT_ACCOUNT = "default"
"""Account id used when the user never named one."""

EXPIRY_MARGIN_SECS = 60
"""A token this close to its expiry is treated as expired: a request sent now may
arrive after it lapses."""

PROACTIVE_REFRESH_SECS = 300
"""Inside this window a still-valid token is renewed in the background."""


class TokenState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    """Expired but renewable with the refresh token."""
    INVALID = "invalid"
    """Expired with no way to renew: the user must log in again."""


def _now() -> int:
    return int(time.time())


@dataclass(frozen=True, slots=True)
class OAuthToken:
    """A credential for one provider account.

    ``expires_at`` is absolute Unix seconds; ``None`` means it never expires (API
    keys, GitHub tokens). ``metadata`` keeps what some providers need besides the
    token (the ChatGPT account id, a Cloud Code project id, a resource URL), which
    the original threw away. The repr never shows a secret.
    """

    access_token: str
    refresh_token: str | None = None
    expires_at: int | None = None
    token_type: str | None = "Bearer"
    metadata: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"OAuthToken(access_token={mask(self.access_token)!r}, "
            f"refresh_token={mask(self.refresh_token)!r}, expires_at={self.expires_at!r}, "
            f"token_type={self.token_type!r}, metadata_keys={sorted(self.metadata)!r})"
        )

    __str__ = __repr__

    def with_expiry(self, seconds: int, *, now: int | None = None) -> OAuthToken:
        """A copy that expires ``seconds`` from now."""
        return replace(self, expires_at=(_now() if now is None else now) + seconds)

    def with_refresh(self, refresh_token: str | None) -> OAuthToken:
        return replace(self, refresh_token=refresh_token)

    def with_metadata(self, **values: str) -> OAuthToken:
        return replace(self, metadata={**self.metadata, **values})

    def is_expired(self, *, now: int | None = None) -> bool:
        if self.expires_at is None:
            return False
        return (_now() if now is None else now) + EXPIRY_MARGIN_SECS >= self.expires_at

    def should_proactive_refresh(self, *, now: int | None = None) -> bool:
        """True inside the window where a background renewal should start."""
        if self.expires_at is None:
            return False
        t = _now() if now is None else now
        return t + PROACTIVE_REFRESH_SECS >= self.expires_at > t + EXPIRY_MARGIN_SECS

    def expires_in(self, *, now: int | None = None) -> int | None:
        """Seconds left (negative once past), or None for a token that never expires."""
        if self.expires_at is None:
            return None
        return self.expires_at - (_now() if now is None else now)

    def state(self, *, now: int | None = None) -> TokenState:
        if not self.is_expired(now=now):
            return TokenState.VALID
        return TokenState.EXPIRED if self.refresh_token else TokenState.INVALID

    def to_dict(self) -> dict[str, Any]:
        """The stored form: null fields and empty metadata left out."""
        out: dict[str, Any] = {"access_token": self.access_token}
        if self.refresh_token is not None:
            out["refresh_token"] = self.refresh_token
        if self.expires_at is not None:
            out["expires_at"] = self.expires_at
        if self.token_type is not None:
            out["token_type"] = self.token_type
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OAuthToken:
        """Read the stored form; unknown fields are ignored, wrong types rejected."""
        access = data.get("access_token")
        if not isinstance(access, str):
            raise SerializationError("token record has no string 'access_token'")
        refresh = data.get("refresh_token")
        expires = data.get("expires_at")
        ttype = data.get("token_type")
        meta = data.get("metadata", {})
        if refresh is not None and not isinstance(refresh, str):
            raise SerializationError("token record field 'refresh_token' is not a string")
        if expires is not None and (isinstance(expires, bool) or not isinstance(expires, int)):
            raise SerializationError("token record field 'expires_at' is not an integer")
        if ttype is not None and not isinstance(ttype, str):
            raise SerializationError("token record field 'token_type' is not a string")
        if meta is None:
            meta = {}
        if not isinstance(meta, dict):
            raise SerializationError("token record field 'metadata' is not an object")
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=expires,
            token_type=ttype,
            metadata={str(k): str(v) for k, v in meta.items()},
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> OAuthToken:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SerializationError(f"token record is not JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise SerializationError("token record is not a JSON object")
        return cls.from_dict(data)


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """One account of a provider, as listings show it."""

    account_id: str
    label: str | None = None
    is_active: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"account_id": self.account_id}
        if self.label is not None:
            out["label"] = self.label
        out["is_active"] = self.is_active
        return out
