"""One refresh-token request per provider: which endpoint, which body, which client auth.

| provider | request |
|---|---|
| claude | JSON ``grant_type, client_id, refresh_token`` (what Claude Code sends) |
| codex, gemini, antigravity, qwen, kimi, amp | form ``grant_type, client_id, refresh_token[, client_secret]``, ``Accept: application/json`` |
| iflow | form ``grant_type, refresh_token`` with HTTP Basic client auth, then the API-key exchange |
| kiro | AWS SSO OIDC ``POST {oidc}/token`` JSON (Builder ID / IAM Identity Center), or the Kiro social endpoint ``POST {kiro_social}/refreshToken`` |
| copilot | none: the GitHub OAuth token does not expire |

The token URL comes from the config override, then the runtime client document,
then the compiled-in default (:class:`~byokey_auth._credentials.CredentialResolver`).
Outcomes are typed: :class:`InvalidGrant` (the refresh token is dead, the user
must log in again), :class:`RefreshUnavailable` (the endpoint could not be reached
or failed on its side; try later) or a plain ``AuthError``. No message carries
token text.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Final

from byokey_auth._context import FlowContext
from byokey_auth._http import parse_json, send, status_text
from byokey_auth._iflow import exchange_api_key
from byokey_auth._metadata_keys import KIRO_PROFILE_ARN, KIRO_REGION
from byokey_auth._token_response import parse_token_response
from byokey_types.errors import AuthError, TransportError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = [
    "KIRO_AUTH_METHOD",
    "KIRO_CLIENT_ID",
    "KIRO_CLIENT_SECRET",
    "KIRO_PROFILE_ARN",
    "KIRO_REGION",
    "NOT_REFRESHABLE",
    "InvalidGrant",
    "RefreshUnavailable",
    "refresh_oauth_token",
]

NOT_REFRESHABLE: Final = frozenset({ProviderId.COPILOT})
"""Providers whose stored credential cannot be renewed (a long-lived GitHub token)."""

_JSON_BODY: Final = frozenset({ProviderId.CLAUDE})

# Token metadata Kiro's refresh reads (written by the Kiro login and the Kiro import).
KIRO_AUTH_METHOD: Final = "auth_method"
"""``idc`` (AWS Builder ID / IAM Identity Center, refreshed at the OIDC endpoint) or ``social``."""
KIRO_CLIENT_ID: Final = "client_id"
KIRO_CLIENT_SECRET: Final = "client_secret"


class InvalidGrant(AuthError):
    """The token endpoint rejected the refresh token: only a new login helps."""

    def __init__(self, provider: ProviderId, description: str | None) -> None:
        super().__init__(f"invalid_grant: {description or 'unknown error'}")
        self.provider = provider


class RefreshUnavailable(AuthError):
    """The token endpoint was unreachable, too slow, or failed on its side (5xx).

    The stored token is untouched; the same refresh may work later, so this is
    retryable and maps to 503 rather than 401.
    """

    status = 503
    error_type = "server_error"
    code = "refresh_unavailable"

    def is_retryable(self) -> bool:
        return True


def _description(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    for key in ("error_description", "message", "error"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _check(response: httpx.Response, provider: ProviderId, *, label: str = "") -> Any:
    """The decoded success body; typed errors for everything else."""
    try:
        data = parse_json(response)
    except ValueError as exc:
        if response.is_server_error:
            raise RefreshUnavailable(
                f"{label}refresh failed ({status_text(response)}): unknown error"
            ) from None
        if response.is_success:
            raise AuthError(f"failed to parse refresh response: {exc}") from None
        data = None
    if response.is_success:
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if error == "invalid_grant":
        raise InvalidGrant(provider, _description(data))
    desc = _description(data) or "unknown error"
    message = f"{label}refresh failed ({status_text(response)}): {desc}"
    if response.is_server_error:
        raise RefreshUnavailable(message)
    raise AuthError(message)


async def _post(ctx: FlowContext, provider: ProviderId, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return await send(ctx.http, "POST", url, what=f"refresh {provider.value}", **kwargs)
    except TransportError as exc:
        raise RefreshUnavailable(
            f"could not reach the {provider.value} token URL ({exc.message}); "
            "the stored token was kept"
        ) from None


async def refresh_oauth_token(
    ctx: FlowContext, provider: ProviderId, token: OAuthToken
) -> OAuthToken:
    """Renew ``token``; the result keeps the old refresh token and metadata where the
    server sent none (Google never rotates its refresh token)."""
    if provider in NOT_REFRESHABLE:
        raise AuthError(f"token refresh not supported for {provider.value}; please re-authenticate")
    if not token.refresh_token:
        raise AuthError(f"no refresh_token for {provider.value}")
    if provider is ProviderId.KIRO:
        fresh = await _refresh_kiro(ctx, token, token.refresh_token)
    else:
        fresh = await _refresh_oauth(ctx, provider, token.refresh_token)
    return replace(
        fresh,
        refresh_token=fresh.refresh_token or token.refresh_token,
        metadata={**token.metadata, **fresh.metadata},
    )


async def _refresh_oauth(ctx: FlowContext, provider: ProviderId, refresh_token: str) -> OAuthToken:
    client = await ctx.credentials.client(provider)
    if not client.token_url:
        raise AuthError(f"no token_url in credentials for {provider.value}")
    if provider is ProviderId.IFLOW:
        secret = client.need_secret()
        basic = base64.b64encode(f"{client.need_client_id()}:{secret}".encode()).decode()
        response = await _post(
            ctx,
            provider,
            client.token_url,
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            headers={"Authorization": f"Basic {basic}"},
        )
        data = _check(response, provider, label="iflow ")
        oauth = parse_token_response(data, provider=provider, now=ctx.now())
        return await exchange_api_key(ctx, oauth)
    fields = {
        "grant_type": "refresh_token",
        "client_id": client.need_client_id(),
        "refresh_token": refresh_token,
    }
    if client.client_secret:
        fields["client_secret"] = client.client_secret
    body: dict[str, Any] = {"json": fields} if provider in _JSON_BODY else {"data": fields}
    response = await _post(
        ctx, provider, client.token_url, headers={"Accept": "application/json"}, **body
    )
    data = _check(response, provider)
    return parse_token_response(data, provider=provider, now=ctx.now())


def _kiro_token(data: Any, *, now: int) -> OAuthToken:
    """AWS and the Kiro social endpoint both answer in camelCase."""
    if not isinstance(data, dict) or not isinstance(data.get("accessToken"), str):
        raise AuthError("missing accessToken in kiro refresh response")
    expires_in = data.get("expiresIn")
    valid_for = (
        expires_in if isinstance(expires_in, int) and not isinstance(expires_in, bool) else None
    )
    refresh = data.get("refreshToken")
    metadata: dict[str, str] = {}
    if isinstance(data.get("profileArn"), str):
        metadata[KIRO_PROFILE_ARN] = data["profileArn"]
    return OAuthToken(
        access_token=data["accessToken"],
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_at=None if valid_for is None or valid_for < 0 else now + valid_for,
        token_type="Bearer",
        metadata=metadata,
    )


async def _refresh_kiro(ctx: FlowContext, token: OAuthToken, refresh_token: str) -> OAuthToken:
    meta = token.metadata
    endpoints = ctx.options.endpoints
    client_id, secret = meta.get(KIRO_CLIENT_ID), meta.get(KIRO_CLIENT_SECRET)
    if meta.get(KIRO_AUTH_METHOD, "idc" if client_id else "social") == "social":
        url = f"{endpoints.require('kiro_social').rstrip('/')}/refreshToken"
        response = await _post(ctx, ProviderId.KIRO, url, json={"refreshToken": refresh_token})
    else:
        if not client_id or not secret:
            raise AuthError("kiro token has no client registration; please log in again")
        region = meta.get(KIRO_REGION) or ctx.options.kiro_region
        url = endpoints.override("kiro_token") or (
            f"{endpoints.require('kiro_oidc').format(region=region).rstrip('/')}/token"
        )
        response = await _post(
            ctx,
            ProviderId.KIRO,
            url,
            json={
                "clientId": client_id,
                "clientSecret": secret,
                "grantType": "refresh_token",
                "refreshToken": refresh_token,
            },
        )
    return _kiro_token(_check(response, ProviderId.KIRO, label="kiro "), now=ctx.now())
