"""Claude Code's login: ``~/.claude/.credentials.json`` (``claudeAiOauth``).

On macOS Claude Code keeps it in the login keychain instead; this reads the file
form, which Linux and Windows installs (and ``CLAUDE_CONFIG_DIR`` setups) write.
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
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["CLAUDE_SOURCE", "read_claude_code"]

CLAUDE_SOURCE = ImportSource(".claude/.credentials.json", "Claude Code CLI (`claude`)")
_P = ProviderId.CLAUDE


def read_claude_code(home: Path) -> tuple[Path, OAuthToken]:
    path = CLAUDE_SOURCE.path(home)
    data = read_json(_P, CLAUDE_SOURCE, path)
    oauth = data.get("claudeAiOauth")
    if not isinstance(oauth, dict):
        raise AuthError(f"cannot import claude token from {path}: missing field claudeAiOauth")
    metadata: dict[str, str] = {"imported_from": "claude-code"}
    for key, name in (
        ("subscriptionType", "subscription_type"),
        ("rateLimitTier", "rate_limit_tier"),
    ):
        if (value := optional_str(oauth, key)) is not None:
            metadata[name] = value
    scopes = oauth.get("scopes")
    if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
        metadata["scopes"] = " ".join(scopes)
    token = OAuthToken(
        access_token=require_str(_P, path, oauth, "accessToken", where="claudeAiOauth."),
        refresh_token=optional_str(oauth, "refreshToken"),
        expires_at=epoch_seconds(oauth.get("expiresAt")),
        metadata=metadata,
    )
    return path, token
