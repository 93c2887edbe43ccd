"""The device-code logins of copilot (GitHub), qwen and kimi: their requests, one loop.

| provider | device request | poll extras |
|---|---|---|
| copilot | form ``client_id, scope=read:user`` | — (GitHub answers every poll with 200) |
| qwen | form ``client_id, scope, code_challenge, S256`` | ``code_verifier`` |
| kimi | form ``client_id, scope`` + ``X-Msh-*`` device headers | same headers |

Every request carries ``Accept: application/json`` (GitHub answers with a form
otherwise). Kimi keeps one device id for the whole login and stores it with the
token, where the original sent a fresh random id on every request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from byokey_auth._browser import BrowserOpener, open_quietly
from byokey_auth._context import FlowContext
from byokey_auth._exchange_response import oauth_error_text
from byokey_auth._flow_auth_code import require_client_id
from byokey_auth._flow_device import poll_for_token, show_device_code
from byokey_auth._http import parse_json, send, status_text
from byokey_auth._kimi_device import device_headers
from byokey_auth._pkce import generate_pkce
from byokey_auth._prompts import ProgressPrompt, PromptHandler, emit
from byokey_auth._token_response import DeviceCode, parse_device_code, parse_token_response
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = ["DEVICE_LOGIN_PROVIDERS", "device_json", "run_device_login"]

DEVICE_GRANT: Final = "urn:ietf:params:oauth:grant-type:device_code"
_SCOPES: Final = {
    ProviderId.COPILOT: "read:user",
    ProviderId.QWEN: "openid profile email model.completion",
    ProviderId.KIMI: "openid offline_access",
}
DEVICE_LOGIN_PROVIDERS: Final = frozenset(_SCOPES)


def device_json(response: httpx.Response, *, what: str = "device authorization") -> Any:
    """The device endpoint's JSON; a failure status is reported with the OAuth error."""
    try:
        data = parse_json(response)
    except ValueError as exc:
        if not response.is_success:
            raise AuthError(f"{what} failed ({status_text(response)})") from None
        raise AuthError(f"failed to parse device code response: {exc}") from None
    if not response.is_success:
        raise AuthError(f"{what} failed ({status_text(response)}): {oauth_error_text(data)}")
    return data


@dataclass(slots=True)
class _Requests:
    """What goes into the device request and every poll, per provider."""

    client_id: str
    headers: dict[str, str]
    device_fields: dict[str, str]
    poll_fields: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


def _requests(provider: ProviderId, client_id: str) -> _Requests:
    headers = {"Accept": "application/json"}
    fields = {"client_id": client_id, "scope": _SCOPES[provider]}
    out = _Requests(client_id, headers, fields)
    if provider is ProviderId.QWEN:
        pkce = generate_pkce()
        fields.update(code_challenge=pkce.challenge, code_challenge_method="S256")
        out.poll_fields["code_verifier"] = pkce.verifier
    elif provider is ProviderId.KIMI:
        kimi = device_headers()
        headers.update(kimi)
        out.metadata["device_id"] = kimi["X-Msh-Device-Id"]
    return out


async def run_device_login(
    ctx: FlowContext,
    provider: ProviderId,
    *,
    on_prompt: PromptHandler | None,
    open_browser: BrowserOpener | None,
) -> OAuthToken:
    """Show a code, poll until it is approved; returns the token (not yet saved)."""
    await emit(on_prompt, ProgressPrompt(provider, "resolving the OAuth client"))
    client = await ctx.credentials.client(provider)
    reqs = _requests(provider, require_client_id(ctx, client))
    device_url = client.need_device_code_url()
    token_url = client.need_token_url()
    response = await send(
        ctx.http,
        "POST",
        device_url,
        what=f"device authorization for {provider.value}",
        data=reqs.device_fields,
        headers=reqs.headers,
    )
    device: DeviceCode = parse_device_code(device_json(response), provider=provider)
    await show_device_code(provider, device, on_prompt)
    await open_quietly(open_browser, device.verification_uri_complete or device.verification_uri)
    poll_body: Mapping[str, str] = {
        "client_id": reqs.client_id,
        "device_code": device.device_code,
        "grant_type": DEVICE_GRANT,
        **reqs.poll_fields,
    }

    async def poll() -> httpx.Response:
        return await send(
            ctx.http,
            "POST",
            token_url,
            what=f"device token poll for {provider.value}",
            data=dict(poll_body),
            headers=reqs.headers,
        )

    data = await poll_for_token(ctx, provider, device, poll, on_prompt=on_prompt)
    return parse_token_response(data, provider=provider, now=ctx.now(), metadata=reqs.metadata)
