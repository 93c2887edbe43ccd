"""Client keys: with ``api_keys`` configured, requests must present one.

Accepted as ``Authorization: Bearer <key>``, ``x-api-key`` (Anthropic SDKs) or
``x-goog-api-key`` (Gemini SDKs), compared in constant time against every
configured key. The settings are read per request, so adding a key takes
effect on reload. The management API additionally refuses to run unprotected
when the server listens beyond loopback: it can delete accounts.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from starlette.types import Scope

from byokey_config import Settings
from byokey_types import ByokError

from ._http_errors import ClientKeyRequired, ManagementLocked

__all__ = ["ClientKeys", "key_matches", "presented_keys"]

_OPEN_PATHS = frozenset({"/healthz"})


def presented_keys(scope: Scope) -> list[str]:
    """Every key the request offers; clients such as Amp send the same one twice."""
    found: list[str] = []
    name: bytes
    value: bytes
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credential.strip():
                found.append(credential.strip())
        elif name in (b"x-api-key", b"x-goog-api-key") and value.strip():
            found.append(value.decode("latin-1").strip())
    return found


def key_matches(candidate: str | None, keys: tuple[str, ...]) -> bool:
    """Constant-time membership: every key is compared, whatever matched first."""
    if candidate is None:
        return False
    given = candidate.encode()
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key.encode())
    return found


class ClientKeys:
    """Who may call this listener; ``protected(path)`` says which paths need a key."""

    __slots__ = ("exposed", "lock_management", "protected", "settings")

    def __init__(
        self,
        *,
        settings: Callable[[], Settings],
        protected: Callable[[str], bool],
        exposed: Callable[[], bool],
        lock_management: bool = True,
    ) -> None:
        self.lock_management = lock_management
        self.settings = settings
        self.protected = protected
        self.exposed = exposed

    def refusal(self, scope: Scope) -> ByokError | None:
        """The error to answer with, or None when the request may proceed."""
        path: str = scope["path"]
        if path in _OPEN_PATHS:
            return None
        keys = self.settings().api_keys
        if (
            self.lock_management
            and path.startswith("/v0/management/")
            and not keys
            and self.exposed()
        ):
            return ManagementLocked()
        if (
            keys
            and self.protected(path)
            and not any(key_matches(k, keys) for k in presented_keys(scope))
        ):
            return ClientKeyRequired()
        return None
