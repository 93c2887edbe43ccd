"""Reading a token endpoint's answer to an authorization-code or device-code grant.

The body is parsed before the status is looked at, as the original did, so an
OAuth error body (``{"error": "invalid_grant", ...}``) is reported by its code
whatever the status; a non-JSON error page is reported by its status instead of
as a confusing parse error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from byokey_auth._http import parse_json, status_text
from byokey_types.errors import AuthError

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = ["exchange_json", "oauth_error_text"]


def oauth_error_text(data: Any) -> str:
    """``error: error_description`` of an OAuth error body (RFC 6749 §5.2)."""
    body = data if isinstance(data, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), str) else None
    desc = body.get("error_description")
    return f"{error or 'unknown'}: {desc if isinstance(desc, str) else ''}".rstrip(": ")


def exchange_json(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful exchange, or the ``AuthError`` describing why not."""
    try:
        data = parse_json(response)
    except ValueError as exc:
        if not response.is_success:
            raise AuthError(f"code exchange failed ({status_text(response)})") from None
        raise AuthError(f"failed to parse the token reply: {exc}") from None
    if not response.is_success:
        raise AuthError(f"code exchange failed ({status_text(response)}): {oauth_error_text(data)}")
    if not isinstance(data, dict):
        raise AuthError("failed to parse the token reply: not a JSON object")
    return data
