"""Amp CLI's login: ``~/.local/share/amp/secrets.json``.

The Amp CLI stores the API key it got from ``amp login`` under a key of the form
``apiKey@<server URL>``. It is long-lived (no expiry, no refresh token), like a
pasted Amp API key.
"""

from __future__ import annotations

from pathlib import Path

from byokey_auth._import_files import ImportSource, read_json
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["AMP_SOURCE", "read_amp"]

AMP_SOURCE = ImportSource(".local/share/amp/secrets.json", "Amp CLI (`amp login`)")
_P = ProviderId.AMP


def read_amp(home: Path) -> tuple[Path, OAuthToken]:
    path = AMP_SOURCE.path(home)
    data = read_json(_P, AMP_SOURCE, path)
    keys = sorted(k for k, v in data.items() if k.startswith("apiKey") and isinstance(v, str) and v)
    if not keys:
        raise AuthError(f"cannot import amp token from {path}: missing field apiKey@<server>")
    # Prefer the public server; otherwise the first entry in sorted order.
    chosen = next((k for k in keys if "ampcode.com" in k), keys[0])
    metadata = {"imported_from": "amp-cli"}
    _, _, server = chosen.partition("@")
    if server:
        metadata["server_url"] = server
    return path, OAuthToken(access_token=data[chosen], metadata=metadata)
