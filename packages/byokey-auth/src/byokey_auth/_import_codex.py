"""Codex CLI's login: ``~/.codex/auth.json`` (``tokens`` with the ChatGPT id token).

The id token and the ChatGPT account id are kept: the Codex backend wants the
account id in a header, and the original dropped both. The access token is a JWT
whose ``exp`` is the expiry (the file itself only has ``last_refresh``).
"""

from __future__ import annotations

from pathlib import Path

from byokey_auth._import_files import ImportSource, optional_str, read_json, require_str
from byokey_auth._jwt_claims import unverified_claims
from byokey_auth._metadata_keys import CHATGPT_ACCOUNT_ID_KEY
from byokey_auth._token_response import codex_metadata
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["CODEX_SOURCE", "read_codex"]

CODEX_SOURCE = ImportSource(".codex/auth.json", "Codex CLI (`codex login`)")
_P = ProviderId.CODEX


def read_codex(home: Path) -> tuple[Path, OAuthToken]:
    path = CODEX_SOURCE.path(home)
    data = read_json(_P, CODEX_SOURCE, path)
    tokens = data.get("tokens")
    if not isinstance(tokens, dict):
        if optional_str(data, "OPENAI_API_KEY"):
            raise AuthError(
                f"cannot import codex token from {path}: it holds an API key, not a ChatGPT "
                "login; set providers.codex.api_key instead"
            )
        raise AuthError(f"cannot import codex token from {path}: missing field tokens")
    access = require_str(_P, path, tokens, "access_token", where="tokens.")
    metadata: dict[str, str] = {"imported_from": "codex-cli"}
    id_token = optional_str(tokens, "id_token")
    if id_token is not None:
        metadata["id_token"] = id_token
        metadata.update(codex_metadata(id_token))
    account_id = optional_str(tokens, "account_id")
    if account_id is not None:
        metadata[CHATGPT_ACCOUNT_ID_KEY] = account_id
    exp = unverified_claims(access).get("exp")
    token = OAuthToken(
        access_token=access,
        refresh_token=optional_str(tokens, "refresh_token"),
        expires_at=exp if isinstance(exp, int) and not isinstance(exp, bool) else None,
        metadata=metadata,
    )
    return path, token
