"""What the two Codex upstreams accept in a Responses body, and who the ChatGPT account is.

The ChatGPT backend (OAuth) is stricter than OpenAI's public API: it only
streams, stores nothing (so reasoning must travel back encrypted), always
wants ``instructions`` and a list ``input``, and rejects the sampling and
length knobs. The public API (API keys) takes a Responses body as it is; it
only gets a stable ``prompt_cache_key`` per key, so requests made with one key
land on the same prompt cache.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from byokey_types import OAuthToken

__all__ = [
    "ACCOUNT_ID_METADATA",
    "ENCRYPTED_REASONING",
    "api_key_body",
    "chatgpt_account_id",
    "chatgpt_body",
    "prompt_cache_key",
]

ENCRYPTED_REASONING = "reasoning.encrypted_content"
ACCOUNT_ID_METADATA = "chatgpt_account_id"
"""Token metadata key the auth layer stores the ChatGPT account id under."""

_AUTH_CLAIM = "https://api.openai.com/auth"
_CHATGPT_DROPPED = frozenset(
    {
        "max_output_tokens",
        "max_completion_tokens",
        "max_tokens",
        "temperature",
        "top_p",
        "stream_options",
    }
)
"""Fields the ChatGPT backend rejects ("Unsupported parameter")."""


def prompt_cache_key(api_key: str) -> str:
    """The key's prompt-cache id: UUIDv5 (OID namespace) of a fixed prefix plus the key.

    The same derivation as the original (and CLIProxyAPI), so a key keeps its
    cache affinity when moved between the two.
    """
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"cli-proxy-api:codex:prompt-cache:{api_key}"))


def chatgpt_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` made acceptable to ``/backend-api/codex/responses`` (and its WebSocket).

    ``stream`` and ``store`` are forced (``true`` / ``false``), encrypted
    reasoning is asked for (without storage it is the only way reasoning
    survives to the next turn), ``instructions`` defaults to ``""``, a string
    ``input`` becomes one user message, and unsupported knobs are dropped.
    """
    out = {k: v for k, v in body.items() if k not in _CHATGPT_DROPPED}
    if not isinstance(out.get("instructions"), str):
        out["instructions"] = ""
    given = out.get("input")
    if isinstance(given, str):
        out["input"] = [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": given}]}
        ]
    elif not isinstance(given, list):
        out["input"] = []
    raw = out.get("include")
    include = [i for i in raw if isinstance(i, str)] if isinstance(raw, list) else []
    if ENCRYPTED_REASONING not in include:
        include.append(ENCRYPTED_REASONING)
    out["include"] = include
    out["store"] = False
    out["stream"] = True
    return out


def api_key_body(body: Mapping[str, Any], *, api_key: str, stream: bool) -> dict[str, Any]:
    """``body`` for OpenAI's public Responses API: as given, with the key's cache id."""
    out = dict(body)
    out["stream"] = stream
    if not isinstance(out.get("prompt_cache_key"), str):
        out["prompt_cache_key"] = prompt_cache_key(api_key)
    return out


def _claims(jwt: object) -> dict[str, Any]:
    """The payload of a JWT, unverified (only used to read the account id out of it)."""
    if not isinstance(jwt, str) or jwt.count(".") != 2:
        return {}
    part = jwt.split(".")[1]
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def chatgpt_account_id(token: OAuthToken | None) -> str | None:
    """The ChatGPT account an OAuth token acts for (``chatgpt-account-id`` header).

    The login stores it as metadata; older stored tokens only have it inside
    the id token's (or the access token's) ``https://api.openai.com/auth`` claim.
    """
    if token is None:
        return None
    found = token.metadata.get(ACCOUNT_ID_METADATA)
    if found:
        return found
    for jwt in (token.metadata.get("id_token"), token.access_token):
        auth = _claims(jwt).get(_AUTH_CLAIM)
        if isinstance(auth, dict):
            account = auth.get(ACCOUNT_ID_METADATA)
            if isinstance(account, str) and account:
                return account
    return None
