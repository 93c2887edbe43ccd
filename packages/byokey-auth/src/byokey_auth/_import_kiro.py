"""Kiro IDE's login: ``~/.aws/sso/cache/kiro-auth-token.json``.

Kiro signs in two ways. *Social* logins (Google, GitHub) are refreshed at the
Kiro auth service with the refresh token alone. *IdC* logins (AWS Builder ID,
IAM Identity Center) are refreshed at AWS SSO OIDC and need the client
registration, which the IDE keeps next to the token in ``{clientIdHash}.json``;
it is copied into the token's metadata so byokey can refresh on its own.
"""

from __future__ import annotations

from pathlib import Path

from byokey_auth._import_files import (
    ImportSource,
    epoch_seconds,
    optional_str,
    read_json,
    require_str,
)
from byokey_auth._kiro_oidc import AWS_REGION_RE
from byokey_auth._refresh import (
    KIRO_AUTH_METHOD,
    KIRO_CLIENT_ID,
    KIRO_CLIENT_SECRET,
    KIRO_PROFILE_ARN,
    KIRO_REGION,
)
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["KIRO_SOURCE", "read_kiro", "region_of_arn"]

KIRO_SOURCE = ImportSource(".aws/sso/cache/kiro-auth-token.json", "Kiro IDE")
_P = ProviderId.KIRO


def read_kiro(home: Path) -> tuple[Path, OAuthToken]:
    path = KIRO_SOURCE.path(home)
    data = read_json(_P, KIRO_SOURCE, path)
    access = require_str(_P, path, data, "accessToken")
    method = (optional_str(data, "authMethod") or "social").lower()
    metadata: dict[str, str] = {"imported_from": "kiro-ide"}
    if (arn := optional_str(data, "profileArn")) is not None:
        metadata[KIRO_PROFILE_ARN] = arn
        if (region := region_of_arn(arn)) is not None:
            metadata[KIRO_REGION] = region
    if (login := optional_str(data, "provider")) is not None:
        metadata["login_provider"] = login
    if method == "social":
        metadata[KIRO_AUTH_METHOD] = "social"
    else:
        metadata.update(_client_registration(path, data))
    token = OAuthToken(
        access_token=access,
        refresh_token=optional_str(data, "refreshToken"),
        expires_at=epoch_seconds(data.get("expiresAt")),
        metadata=metadata,
    )
    return path, token


def region_of_arn(arn: str) -> str | None:
    """The region of ``arn:aws:codewhisperer:{region}:{account}:profile/...``.

    A social login names no region of its own; its profile does, and the
    executor must call CodeWhisperer in that region.
    """
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not AWS_REGION_RE.match(parts[3]):
        return None
    return parts[3]


def _client_registration(path: Path, data: dict[str, object]) -> dict[str, str]:
    client_hash = data.get("clientIdHash")
    if not isinstance(client_hash, str) or not client_hash or "/" in client_hash:
        raise AuthError(f"cannot import kiro token from {path}: an IdC login without clientIdHash")
    reg_path = path.parent / f"{client_hash}.json"
    reg = read_json(_P, KIRO_SOURCE, reg_path)
    region = data.get("region")
    return {
        KIRO_AUTH_METHOD: "idc",
        KIRO_CLIENT_ID: require_str(_P, reg_path, reg, "clientId"),
        KIRO_CLIENT_SECRET: require_str(_P, reg_path, reg, "clientSecret"),
        KIRO_REGION: region if isinstance(region, str) and region else "us-east-1",
    }
