"""Which wire format a path speaks, for errors raised before a handler runs."""

from __future__ import annotations

from byokey_types import WireFormat

__all__ = ["format_for_path"]


def format_for_path(path: str) -> WireFormat:
    if path.endswith(("/v1/messages", "/v1/messages/count_tokens")):
        return WireFormat.ANTHROPIC
    if "/v1beta/models/" in path:
        return WireFormat.GEMINI
    return WireFormat.OPENAI
