"""Gemini CLI's and Qwen Code's logins: ``oauth_creds.json`` in the google-auth shape.

Both write ``access_token``, ``refresh_token`` and ``expiry_date`` (milliseconds).
Gemini's id token gives the account email (``google_accounts.json`` as a
fallback) and the Cloud Code project comes from ``GOOGLE_CLOUD_PROJECT`` in the
``.env`` files Gemini CLI itself reads (``~/.gemini/.env``, then ``~/.env``),
which Workspace accounts must set; Qwen's ``resource_url`` is the API host the account must use, which
the original dropped.
"""

from __future__ import annotations

from pathlib import Path

from byokey_auth._dotenv import read_dotenv
from byokey_auth._import_files import (
    ImportSource,
    epoch_seconds,
    optional_str,
    read_json,
    require_str,
)
from byokey_auth._jwt_claims import unverified_claims
from byokey_auth._metadata_keys import PROJECT_ID_KEY, RESOURCE_URL_KEY
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["GEMINI_SOURCE", "QWEN_SOURCE", "read_gemini_cli", "read_qwen_code"]

GEMINI_SOURCE = ImportSource(".gemini/oauth_creds.json", "Gemini CLI (`gemini`)")
QWEN_SOURCE = ImportSource(".qwen/oauth_creds.json", "Qwen Code CLI (`qwen`)")


def _read(
    provider: ProviderId, source: ImportSource, home: Path
) -> tuple[Path, OAuthToken, dict[str, object]]:
    path = source.path(home)
    data = read_json(provider, source, path)
    token = OAuthToken(
        access_token=require_str(provider, path, data, "access_token"),
        refresh_token=optional_str(data, "refresh_token"),
        expires_at=epoch_seconds(data.get("expiry_date")),
    )
    return path, token, data


def read_gemini_cli(home: Path) -> tuple[Path, OAuthToken]:
    path, token, data = _read(ProviderId.GEMINI, GEMINI_SOURCE, home)
    metadata = {"imported_from": "gemini-cli"}
    id_token = data.get("id_token")
    email = unverified_claims(id_token).get("email") if isinstance(id_token, str) else None
    if not isinstance(email, str):
        email = _active_google_account(home)
    if isinstance(email, str):
        metadata["email"] = email
    if (project := _gemini_project(home)) is not None:
        metadata[PROJECT_ID_KEY] = project
    return path, token.with_metadata(**metadata)


_PROJECT_VARS = ("GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT_ID")


def _gemini_project(home: Path) -> str | None:
    """The project Gemini CLI would use from its ``.env`` files (first file that names one)."""
    for env_file in (home / ".gemini" / ".env", home / ".env"):
        values = read_dotenv(env_file)
        for name in _PROJECT_VARS:
            if values.get(name):
                return values[name]
    return None


def _active_google_account(home: Path) -> str | None:
    accounts = home / ".gemini" / "google_accounts.json"
    try:
        data = read_json(ProviderId.GEMINI, GEMINI_SOURCE, accounts)
    except AuthError:
        return None
    return optional_str(data, "active")


def read_qwen_code(home: Path) -> tuple[Path, OAuthToken]:
    path, token, data = _read(ProviderId.QWEN, QWEN_SOURCE, home)
    metadata = {"imported_from": "qwen-code"}
    resource_url = optional_str(data, RESOURCE_URL_KEY)
    if resource_url is not None:
        metadata[RESOURCE_URL_KEY] = resource_url
    return path, token.with_metadata(**metadata)
