"""Kiro login: AWS Builder ID / IAM Identity Center through AWS SSO-OIDC's device flow.

The original never finished this. Three calls, all JSON in AWS's camelCase:

1. ``POST {oidc}/client/register`` (``RegisterClient``): a public client for the
   CodeWhisperer scopes. The registration lives ~90 days, so it is cached on disk
   (0600, beside the credential documents) and reused until close to expiry.
2. ``POST {oidc}/device_authorization`` (``StartDeviceAuthorization``) with the
   start URL: ``https://view.awsapps.com/start`` is AWS Builder ID; an
   organisation's IAM Identity Center start URL works the same way.
3. ``POST {oidc}/token`` (``CreateToken``), polled by the shared RFC 8628 loop;
   AWS reports pending/slow-down/denied as 400s named in ``error`` and in the
   ``x-amzn-ErrorType`` header.

The token keeps the region, start URL and client registration in its metadata:
refreshing needs the same client (``grantType=refresh_token``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from byokey_auth._browser import BrowserOpener, open_quietly
from byokey_auth._context import FlowContext
from byokey_auth._device_logins import DEVICE_GRANT, device_json
from byokey_auth._flow_device import poll_for_token, show_device_code
from byokey_auth._http import send
from byokey_auth._private_file import read_json_file, write_private_json
from byokey_auth._prompts import ProgressPrompt, PromptHandler, emit
from byokey_auth._refresh import KIRO_AUTH_METHOD, KIRO_CLIENT_ID, KIRO_CLIENT_SECRET, KIRO_REGION
from byokey_auth._token_response import parse_device_code, parse_token_response
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = [
    "AWS_REGION_RE",
    "KIRO_CLIENT_NAME",
    "KIRO_SCOPES",
    "KIRO_START_URL_KEY",
    "KiroRegistration",
    "run_kiro_login",
]

log = logging.getLogger(__name__)

KIRO_CLIENT_NAME: Final = "byokey"
KIRO_SCOPES: Final = (
    "codewhisperer:completions",
    "codewhisperer:analysis",
    "codewhisperer:conversations",
)
KIRO_START_URL_KEY: Final = "start_url"
KIRO_SECRET_EXPIRES_KEY: Final = "client_secret_expires_at"
_REUSE_MARGIN: Final = 24 * 3600
"""A cached registration this close to expiry is replaced rather than reused."""
AWS_REGION_RE: Final = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
"""What an AWS region name looks like (it goes into a host name, so it is checked)."""


@dataclass(frozen=True, slots=True)
class KiroRegistration:
    """A client registered with AWS SSO-OIDC (the secret is AWS-issued, per install)."""

    oidc: str
    client_id: str
    client_secret: str
    expires_at: int

    def __repr__(self) -> str:
        return f"KiroRegistration(oidc={self.oidc!r}, client_id={self.client_id!r})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "oidc": self.oidc,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "clientSecretExpiresAt": self.expires_at,
        }

    @classmethod
    def parse(cls, oidc: str, data: Any) -> KiroRegistration:
        if not isinstance(data, dict):
            raise AuthError("kiro client registration: not a JSON object")
        cid, secret, expires = (
            data.get("clientId"),
            data.get("clientSecret"),
            data.get("clientSecretExpiresAt"),
        )
        if not isinstance(cid, str) or not cid or not isinstance(secret, str) or not secret:
            raise AuthError("kiro client registration: missing clientId or clientSecret")
        if isinstance(expires, bool) or not isinstance(expires, int):
            expires = 0
        return cls(oidc, cid, secret, expires)


def _oidc_base(ctx: FlowContext, region: str) -> str:
    if not AWS_REGION_RE.match(region):
        raise AuthError(f"kiro: {region!r} is not an AWS region name")
    return ctx.options.endpoints.require("kiro_oidc").replace("{region}", region).rstrip("/")


def _cache_path(ctx: FlowContext, region: str) -> Path | None:
    base = ctx.options.credentials_cache_dir
    return None if base is None else base / f"kiro-client-{region}.json"


def _cached(ctx: FlowContext, oidc: str, region: str) -> KiroRegistration | None:
    path = _cache_path(ctx, region)
    if path is None:
        return None
    try:
        data = read_json_file(path)
        if not isinstance(data, dict) or data.get("oidc") != oidc:
            return None
        found = KiroRegistration.parse(oidc, data)
    except (ValueError, AuthError) as exc:
        log.warning("ignoring the cached kiro client registration: %s", exc)
        return None
    return found if found.expires_at - ctx.now() > _REUSE_MARGIN else None


async def _register(ctx: FlowContext, oidc: str, region: str) -> KiroRegistration:
    response = await send(
        ctx.http,
        "POST",
        f"{oidc}/client/register",
        what="kiro client registration",
        json={
            "clientName": KIRO_CLIENT_NAME,
            "clientType": "public",
            "scopes": list(KIRO_SCOPES),
            "grantTypes": [DEVICE_GRANT, "refresh_token"],
        },
    )
    found = KiroRegistration.parse(oidc, device_json(response, what="kiro client registration"))
    path = _cache_path(ctx, region)
    if path is not None:
        try:
            write_private_json(path, found.to_dict())
        except OSError as exc:
            log.warning("cannot cache the kiro client registration: %s", exc)
    return found


async def _start(ctx: FlowContext, reg: KiroRegistration, start_url: str) -> httpx.Response:
    return await send(
        ctx.http,
        "POST",
        f"{reg.oidc}/device_authorization",
        what="kiro device authorization",
        json={"clientId": reg.client_id, "clientSecret": reg.client_secret, "startUrl": start_url},
    )


def _snake_device(data: Any) -> dict[str, Any]:
    body = data if isinstance(data, dict) else {}
    verify = body.get("verificationUri") or body.get("verificationUriComplete")
    return {
        "device_code": body.get("deviceCode"),
        "user_code": body.get("userCode"),
        "verification_uri": verify,
        "verification_uri_complete": body.get("verificationUriComplete"),
        "expires_in": body.get("expiresIn"),
        "interval": body.get("interval"),
    }


async def run_kiro_login(
    ctx: FlowContext,
    *,
    on_prompt: PromptHandler | None,
    open_browser: BrowserOpener | None,
    region: str | None = None,
    start_url: str | None = None,
) -> OAuthToken:
    """Register (or reuse) a client, show the code, poll ``CreateToken``."""
    provider = ProviderId.KIRO
    region = region or ctx.options.kiro_region
    start_url = (
        start_url or ctx.options.kiro_start_url or ctx.options.endpoints.require("kiro_start_url")
    )
    oidc = _oidc_base(ctx, region)
    token_url = ctx.options.endpoints.override("kiro_token") or f"{oidc}/token"
    await emit(on_prompt, ProgressPrompt(provider, "registering with AWS SSO-OIDC"))
    reg = _cached(ctx, oidc, region)
    response = await _start(ctx, reg, start_url) if reg is not None else None
    if reg is None or (response is not None and response.status_code in (400, 401)):
        # No cached client, or AWS forgot it (InvalidClientException): register anew.
        reg = await _register(ctx, oidc, region)
        response = await _start(ctx, reg, start_url)
    assert response is not None
    data = device_json(response, what="kiro device authorization")
    device = parse_device_code(_snake_device(data), provider=provider)
    await show_device_code(provider, device, on_prompt)
    await open_quietly(open_browser, device.verification_uri_complete or device.verification_uri)
    registration = reg

    async def poll() -> httpx.Response:
        return await send(
            ctx.http,
            "POST",
            token_url,
            what="kiro token poll",
            json={
                "clientId": registration.client_id,
                "clientSecret": registration.client_secret,
                "grantType": DEVICE_GRANT,
                "deviceCode": device.device_code,
            },
        )

    body = await poll_for_token(ctx, provider, device, poll, on_prompt=on_prompt)
    snake = {
        "access_token": body.get("accessToken"),
        "refresh_token": body.get("refreshToken"),
        "expires_in": body.get("expiresIn"),
    }
    metadata = {
        KIRO_AUTH_METHOD: "idc",
        KIRO_CLIENT_ID: reg.client_id,
        KIRO_CLIENT_SECRET: reg.client_secret,
        KIRO_SECRET_EXPIRES_KEY: str(reg.expires_at),
        KIRO_REGION: region,
        KIRO_START_URL_KEY: start_url,
    }
    return parse_token_response(snake, provider=provider, now=ctx.now(), metadata=metadata)
