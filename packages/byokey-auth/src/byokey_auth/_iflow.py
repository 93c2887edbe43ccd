"""iFlow's second step: its API wants an API key, which the OAuth token buys."""

from __future__ import annotations

from byokey_auth._context import FlowContext
from byokey_auth._http import parse_json, send, status_text
from byokey_types.errors import AuthError
from byokey_types.token import OAuthToken

__all__ = ["exchange_api_key"]


async def exchange_api_key(ctx: FlowContext, oauth: OAuthToken) -> OAuthToken:
    """The stored iFlow record: the API key as access token, the OAuth refresh token kept."""
    url = ctx.options.endpoints.url("iflow_userinfo")
    assert url is not None
    response = await send(
        ctx.http,
        "GET",
        url,
        what="iflow userinfo",
        params={"accessToken": oauth.access_token},
        headers={"Accept": "application/json"},
    )
    try:
        data = parse_json(response)
    except ValueError as exc:
        if not response.is_success:
            raise AuthError(f"iflow userinfo {status_text(response)}") from None
        raise AuthError(f"iflow userinfo parse error: {exc}") from None
    if not response.is_success:
        raise AuthError(f"iflow userinfo {status_text(response)}")
    inner = data.get("data") if isinstance(data, dict) else None
    key = inner.get("apiKey") if isinstance(inner, dict) else None
    if not isinstance(key, str) or not key:
        raise AuthError("iflow: missing apiKey in userinfo response")
    metadata = dict(oauth.metadata)
    assert isinstance(inner, dict)
    for field, name in (("email", "email"), ("phone", "phone"), ("userId", "user_id")):
        if isinstance(inner.get(field), str | int) and not isinstance(inner.get(field), bool):
            metadata[name] = str(inner[field])
    return OAuthToken(
        access_token=key,
        refresh_token=oauth.refresh_token,
        expires_at=oauth.expires_at,
        token_type="Bearer",
        metadata=metadata,
    )
