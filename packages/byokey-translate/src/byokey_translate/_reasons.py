"""Finish-reason tables between each format and the canonical names (spec §20.1)."""

from __future__ import annotations

from byokey_translate._ir import FinishReason

__all__ = [
    "from_anthropic",
    "from_gemini",
    "from_openai",
    "to_anthropic",
    "to_gemini",
    "to_openai",
]

_FROM_ANTHROPIC: dict[str, FinishReason] = {
    "end_turn": "stop",
    "max_tokens": "length",
    "stop_sequence": "stop_sequence",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
    "pause_turn": "stop",
    "model_context_window_exceeded": "length",
}
_TO_ANTHROPIC: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "stop_sequence": "stop_sequence",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}
_FROM_OPENAI: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}
_FROM_GEMINI: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}


def from_anthropic(reason: object) -> FinishReason:
    return _FROM_ANTHROPIC.get(reason, "stop") if isinstance(reason, str) else "stop"


def to_anthropic(reason: FinishReason | None) -> str:
    return _TO_ANTHROPIC.get(reason or "stop", "end_turn")


def from_openai(reason: object) -> FinishReason:
    return _FROM_OPENAI.get(reason, "stop") if isinstance(reason, str) else "stop"


def to_openai(reason: FinishReason | None) -> str:
    if reason is None or reason == "stop_sequence":
        return "stop"
    return reason


def from_gemini(reason: object, *, has_tool_calls: bool) -> FinishReason:
    """Gemini says ``STOP`` after a function call; the call is what matters."""
    mapped = _FROM_GEMINI.get(reason.upper(), "stop") if isinstance(reason, str) else "stop"
    if mapped == "stop" and has_tool_calls:
        return "tool_calls"
    return mapped


def to_gemini(reason: FinishReason | None) -> str:
    if reason == "length":
        return "MAX_TOKENS"
    if reason == "content_filter":
        return "SAFETY"
    return "STOP"
