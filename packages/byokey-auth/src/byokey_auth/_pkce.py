"""PKCE (RFC 7636, S256 only) and the anti-CSRF ``state`` value."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

__all__ = ["Pkce", "challenge_for", "generate_pkce", "random_state"]


@dataclass(frozen=True, slots=True)
class Pkce:
    verifier: str
    challenge: str

    def __repr__(self) -> str:
        return "Pkce(<secret>)"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def challenge_for(verifier: str) -> str:
    """The S256 challenge of an existing verifier."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def generate_pkce() -> Pkce:
    """A fresh verifier (32 random bytes, 43 url-safe chars) and its challenge."""
    verifier = _b64url(secrets.token_bytes(32))
    return Pkce(verifier=verifier, challenge=challenge_for(verifier))


def random_state() -> str:
    """32 lowercase hex characters, unguessable, for the authorize round trip."""
    return secrets.token_hex(16)
