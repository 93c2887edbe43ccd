"""Reading (not verifying) the claims of a JWT we were just handed by the issuer.

The token came straight from the provider over TLS, so its claims are only used
as labels (email, ChatGPT account id); nothing is authorised on their strength.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

__all__ = ["unverified_claims"]


def unverified_claims(jwt: str) -> dict[str, Any]:
    """The payload of ``jwt``, or ``{}`` when it is not a readable JWT."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        data = orjson.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
