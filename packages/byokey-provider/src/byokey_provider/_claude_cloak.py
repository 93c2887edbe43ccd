"""Making an Anthropic Messages body look like Claude Code's own (billing header, cloaking).

Claude OAuth tokens are only honoured for Claude Code traffic: the system prompt
must start with Claude Code's billing block and identity line, and
``metadata.user_id`` must name the device. The *light* form (billing + prefix, ids
when known) is what every OAuth request gets; *full* cloaking adds strict mode
(drop the caller's own system blocks) and sensitive-word obfuscation, and is opt-in
through ``providers.claude.cloak``. All functions take and return Anthropic-format
bodies and never mutate their input.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from byokey_config import CloakConfig
from byokey_provider._claude_identity import CLAUDE_CLI_VERSION

__all__ = [
    "BILLING_MARKER",
    "CLAUDE_CODE_PREFIX",
    "CloakIds",
    "account_uuid",
    "apply_billing_header",
    "billing_block",
    "cloak_body",
    "obfuscate",
]

BILLING_MARKER: Final = "x-anthropic-billing-header"
CLAUDE_CODE_PREFIX: Final = "You are Claude Code, Anthropic's official CLI for Claude."
_PREFIX_MARKER: Final = "You are Claude Code"
_BILLING_SALT: Final = "59cf53e54c78"
_ZERO_WIDTH_SPACE: Final = "\u200b"


@dataclass(frozen=True, slots=True)
class CloakIds:
    """The ids written into ``metadata.user_id``."""

    device_id: str
    account_uuid: str
    session_id: str

    def user_id(self) -> str:
        """Compact JSON in a string, as Claude Code sends it."""
        return orjson.dumps(
            {
                "device_id": self.device_id,
                "account_uuid": self.account_uuid,
                "session_id": self.session_id,
            }
        ).decode()


def account_uuid(scope: str) -> str:
    """UUIDv5 in the OID namespace of the credential scope (``global`` → ``58538c3e-…``)."""
    return str(uuid.uuid5(uuid.NAMESPACE_OID, scope))


def _first_user_text(body: dict[str, Any]) -> str:
    for message in body.get("messages") or ():
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "text":
                    text = block.get("text")
                    return text if isinstance(text, str) else ""
        return ""
    return ""


def billing_block(body: dict[str, Any], *, cli_version: str = CLAUDE_CLI_VERSION) -> dict[str, Any]:
    """The billing system block: a 3-hex fingerprint of the first user message."""
    text = _first_user_text(body)
    picked = "".join(text[i] if i < len(text) else "0" for i in (4, 7, 20))
    fp = hashlib.sha256(f"{_BILLING_SALT}{picked}{cli_version}".encode()).hexdigest()[:3]
    return {
        "type": "text",
        "text": f"{BILLING_MARKER}: cc_version={cli_version}.{fp}; cc_entrypoint=cli;",
    }


def _system_blocks(system: Any) -> list[Any]:
    if isinstance(system, str):
        return [{"type": "text", "text": system}] if system else []
    if isinstance(system, list):
        return [dict(b) if isinstance(b, dict) else b for b in system]
    return []


def _contains(block: Any, marker: str) -> bool:
    return isinstance(block, dict) and marker in str(block.get("text") or "")


def _with_identity_system(body: dict[str, Any], *, strict: bool, cli_version: str) -> list[Any]:
    blocks = _system_blocks(body.get("system"))
    billing = next((b for b in blocks if _contains(b, BILLING_MARKER)), None)
    prefix = next((b for b in blocks if b is not billing and _contains(b, _PREFIX_MARKER)), None)
    system: list[Any] = [
        billing if billing is not None else billing_block(body, cli_version=cli_version),
        prefix if prefix is not None else {"type": "text", "text": CLAUDE_CODE_PREFIX},
    ]
    if not strict:
        system.extend(b for b in blocks if b is not billing and b is not prefix)
    return system


def _with_user_id(body: dict[str, Any], ids: CloakIds) -> None:
    metadata = body.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    metadata["user_id"] = ids.user_id()
    body["metadata"] = metadata


def apply_billing_header(
    body: dict[str, Any], ids: CloakIds | None = None, *, cli_version: str = CLAUDE_CLI_VERSION
) -> dict[str, Any]:
    """The light form: billing + prefix blocks first (never strict); user id when ``ids``."""
    out = dict(body)
    out["system"] = _with_identity_system(body, strict=False, cli_version=cli_version)
    if ids is not None:
        _with_user_id(out, ids)
    return out


def obfuscate(text: str, words: Iterable[str]) -> str:
    """Break each listed word (case-insensitively) with a zero-width space after its first char.

    Longest words first, so ``anthropic`` is handled before ``ant`` and the shorter
    word does not split the longer one's match.
    """
    for word in sorted((w for w in words if w), key=len, reverse=True):
        lowered_word = word.lower()
        out: list[str] = []
        position = 0
        lowered = text.lower()
        while True:
            found = lowered.find(lowered_word, position)
            if found < 0:
                break
            original = text[found : found + len(word)]
            out.append(text[position:found])
            out.append(original[0] + _ZERO_WIDTH_SPACE + original[1:])
            position = found + len(word)
        out.append(text[position:])
        text = "".join(out)
    return text


def _obfuscate_blocks(blocks: Any, words: Sequence[str]) -> Any:
    if isinstance(blocks, str):
        return obfuscate(blocks, words)
    if not isinstance(blocks, list):
        return blocks
    out: list[Any] = []
    for block in blocks:
        if (
            isinstance(block, dict)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        ):
            block = {**block, "text": obfuscate(block["text"], words)}
        out.append(block)
    return out


def cloak_body(
    body: dict[str, Any],
    config: CloakConfig,
    ids: CloakIds,
    *,
    cli_version: str = CLAUDE_CLI_VERSION,
) -> dict[str, Any]:
    """Full cloaking: identity system (strict drops the caller's blocks), user id, words.

    The billing and prefix blocks are never obfuscated: they must stay verbatim.
    """
    out = dict(body)
    system = _with_identity_system(body, strict=config.strict_mode, cli_version=cli_version)
    _with_user_id(out, ids)
    words = list(config.sensitive_words)
    if words:
        system = system[:2] + _obfuscate_blocks(system[2:], words)
        messages = []
        for message in out.get("messages") or ():
            if isinstance(message, dict) and "content" in message:
                message = {**message, "content": _obfuscate_blocks(message["content"], words)}
            messages.append(message)
        if "messages" in out:
            out["messages"] = messages
    out["system"] = system
    return out
