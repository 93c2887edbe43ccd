"""Turning token-endpoint and device-endpoint JSON into typed values.

Every provider shares one token parser; what differs is which extra fields are
worth keeping (the original dropped them all), collected by small extractors into
``OAuthToken.metadata``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from byokey_auth._jwt_claims import unverified_claims
from byokey_auth._metadata_keys import CHATGPT_ACCOUNT_ID_KEY, RESOURCE_URL_KEY
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["DeviceCode", "codex_metadata", "parse_device_code", "parse_token_response"]


_MAX_SECONDS = 10**10
"""Beyond ~300 years a lifetime is nonsense (and would overflow the store's BIGINT)."""


def _non_negative_number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not 0 <= value <= _MAX_SECONDS:
        return None
    return int(value)


def _str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def codex_metadata(id_token: str) -> dict[str, str]:
    """The ChatGPT account id and email the Codex backend needs, from the id token."""
    claims = unverified_claims(id_token)
    out: dict[str, str] = {}
    auth = claims.get("https://api.openai.com/auth")
    if isinstance(auth, dict) and isinstance(auth.get(CHATGPT_ACCOUNT_ID_KEY), str):
        out[CHATGPT_ACCOUNT_ID_KEY] = auth[CHATGPT_ACCOUNT_ID_KEY]
    if isinstance(auth, dict) and isinstance(auth.get("chatgpt_plan_type"), str):
        out["chatgpt_plan_type"] = auth["chatgpt_plan_type"]
    if isinstance(claims.get("email"), str):
        out["email"] = claims["email"]
    return out


def _codex(data: Mapping[str, Any]) -> dict[str, str]:
    id_token = _str(data, "id_token")
    if id_token is None:
        return {}
    return {"id_token": id_token, **codex_metadata(id_token)}


def _google(data: Mapping[str, Any]) -> dict[str, str]:
    id_token = _str(data, "id_token")
    if id_token is None:
        return {}
    email = unverified_claims(id_token).get("email")
    return {"email": email} if isinstance(email, str) else {}


def _claude(data: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    account = data.get("account")
    if isinstance(account, dict):
        if isinstance(account.get("uuid"), str):
            out["account_uuid"] = account["uuid"]
        if isinstance(account.get("email_address"), str):
            out["email"] = account["email_address"]
    org = data.get("organization")
    if isinstance(org, dict) and isinstance(org.get("uuid"), str):
        out["organization_uuid"] = org["uuid"]
    return out


def _qwen(data: Mapping[str, Any]) -> dict[str, str]:
    url = _str(data, RESOURCE_URL_KEY)
    return {RESOURCE_URL_KEY: url} if url else {}


_EXTRACTORS: dict[ProviderId, Callable[[Mapping[str, Any]], dict[str, str]]] = {
    ProviderId.CODEX: _codex,
    ProviderId.GEMINI: _google,
    ProviderId.ANTIGRAVITY: _google,
    ProviderId.CLAUDE: _claude,
    ProviderId.QWEN: _qwen,
}


def parse_token_response(
    data: Any,
    *,
    provider: ProviderId,
    now: int,
    metadata: Mapping[str, str] | None = None,
) -> OAuthToken:
    """Build the stored record from a successful token response.

    ``expires_in`` may be an integer or a float (the original treated a float as
    "never expires"); ``token_type`` is always ``Bearer``.
    """
    if not isinstance(data, dict):
        raise AuthError("failed to parse the token reply: not a JSON object")
    access = _str(data, "access_token")
    if access is None:
        raise AuthError("missing access_token in response")
    expires_in = _non_negative_number(data.get("expires_in"))
    extra = dict(metadata or {})
    extractor = _EXTRACTORS.get(provider)
    if extractor is not None:
        extra.update(extractor(data))
    return OAuthToken(
        access_token=access,
        refresh_token=_str(data, "refresh_token"),
        expires_at=None if expires_in is None else now + expires_in,
        token_type="Bearer",
        metadata=extra,
    )


@dataclass(frozen=True, slots=True)
class DeviceCode:
    """What the user must see and what we poll with."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: float

    def __repr__(self) -> str:
        return (
            f"DeviceCode(user_code={self.user_code!r}, verification_uri={self.verification_uri!r}, "
            f"expires_in={self.expires_in}, interval={self.interval})"
        )


_DEFAULT_LIFETIME = {ProviderId.COPILOT: 900, ProviderId.QWEN: 600, ProviderId.KIMI: 600}
_FALLBACK_VERIFY = {ProviderId.COPILOT: "https://github.com/login/device"}
_DEFAULT_INTERVAL = 5


def parse_device_code(data: Any, *, provider: ProviderId) -> DeviceCode:
    """Validate a device-authorization response, applying the per-provider defaults."""
    if not isinstance(data, dict):
        raise AuthError("failed to parse device code response: not a JSON object")
    device_code = _str(data, "device_code")
    if device_code is None:
        raise AuthError("missing device_code")
    user_code = _str(data, "user_code")
    if user_code is None:
        raise AuthError("missing user_code")
    verify = _str(data, "verification_uri") or _FALLBACK_VERIFY.get(provider)
    if verify is None:
        raise AuthError("missing verification_uri")
    expires_in = _non_negative_number(data.get("expires_in"))
    raw_interval = data.get("interval")
    interval = (
        float(raw_interval)
        if isinstance(raw_interval, int | float)
        and not isinstance(raw_interval, bool)
        and math.isfinite(raw_interval)
        and 0 <= raw_interval <= 3600
        else None
    )
    return DeviceCode(
        device_code=device_code,
        user_code=user_code,
        verification_uri=verify,
        verification_uri_complete=_str(data, "verification_uri_complete"),
        expires_in=_DEFAULT_LIFETIME.get(provider, 600) if expires_in is None else expires_in,
        interval=float(_DEFAULT_INTERVAL if interval is None else interval),
    )
