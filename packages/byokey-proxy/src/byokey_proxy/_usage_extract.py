"""Token counts read out of response bodies and stream events, per wire format.

Streams report usage piecemeal (Anthropic puts input tokens in
``message_start`` and output tokens in ``message_delta``), so a
:class:`TokenCounts` accumulates: later values win per field.

One convention whatever the format: ``input_tokens`` are the prompt tokens
that were neither read from nor written to the prompt cache (Anthropic's own
meaning), so ``input + cache_read + cache_write`` is the whole prompt. OpenAI,
Responses and Gemini count cached tokens inside their prompt total, so those
are subtracted; otherwise the same Claude request would record 40 input tokens
for Claude Code and 78 for an OpenAI client. Cache writes survive translation
as ``prompt_tokens_details.cache_creation_tokens`` /
``input_tokens_details.cache_write_tokens`` (``byokey_translate``'s names).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from byokey_types import WireFormat

__all__ = ["TokenCounts", "usage_from_body", "usage_from_event"]


@dataclass(slots=True)
class TokenCounts:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _set(counts: TokenCounts, name: str, value: Any) -> None:
    number = _int(value)
    if number is not None:
        setattr(counts, name, number)


def _dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _prompt(
    counts: TokenCounts, total: Any, details: dict[str, Any] | None, read: str, write: str | None
) -> None:
    """Split a prompt total that includes cached tokens into the three categories."""
    cached = (_int(details.get(read)) or 0) if details else 0
    written = (_int(details.get(write)) or 0) if details and write else 0
    prompt = _int(total)
    if prompt is not None:
        counts.input_tokens = max(0, prompt - cached - written)
    if details:
        _set(counts, "cache_read_tokens", details.get(read))
        if write:
            _set(counts, "cache_write_tokens", details.get(write))


def _openai(counts: TokenCounts, usage: dict[str, Any]) -> None:
    details = _dict(usage.get("prompt_tokens_details"))
    _prompt(counts, usage.get("prompt_tokens"), details, "cached_tokens", "cache_creation_tokens")
    _set(counts, "output_tokens", usage.get("completion_tokens"))


def _anthropic(counts: TokenCounts, usage: dict[str, Any]) -> None:
    _set(counts, "input_tokens", usage.get("input_tokens"))
    _set(counts, "output_tokens", usage.get("output_tokens"))
    _set(counts, "cache_read_tokens", usage.get("cache_read_input_tokens"))
    _set(counts, "cache_write_tokens", usage.get("cache_creation_input_tokens"))


def _responses(counts: TokenCounts, usage: dict[str, Any]) -> None:
    details = _dict(usage.get("input_tokens_details"))
    _prompt(counts, usage.get("input_tokens"), details, "cached_tokens", "cache_write_tokens")
    _set(counts, "output_tokens", usage.get("output_tokens"))


def _gemini(counts: TokenCounts, usage: dict[str, Any]) -> None:
    _prompt(counts, usage.get("promptTokenCount"), usage, "cachedContentTokenCount", None)
    _set(counts, "output_tokens", usage.get("candidatesTokenCount"))


def usage_from_body(counts: TokenCounts, body: dict[str, Any], fmt: WireFormat) -> None:
    """Fold the usage of a complete response body into ``counts``."""
    if fmt is WireFormat.OPENAI:
        usage = _dict(body.get("usage"))
        if usage:
            _openai(counts, usage)
    elif fmt is WireFormat.ANTHROPIC:
        usage = _dict(body.get("usage"))
        if usage:
            _anthropic(counts, usage)
    elif fmt is WireFormat.OPENAI_RESPONSES:
        usage = _dict(body.get("usage"))
        if usage:
            _responses(counts, usage)
    else:
        inner = _dict(body.get("response")) or body
        usage = _dict(inner.get("usageMetadata"))
        if usage:
            _gemini(counts, usage)


def usage_from_event(
    counts: TokenCounts, event: str | None, data: dict[str, Any], fmt: WireFormat
) -> None:
    """Fold one stream event's usage (if it carries any) into ``counts``."""
    if fmt is WireFormat.ANTHROPIC:
        kind = data.get("type", event)
        if kind == "message_start":
            message = _dict(data.get("message"))
            usage = _dict(message.get("usage")) if message else None
            if usage:
                _anthropic(counts, usage)
        elif kind == "message_delta":
            usage = _dict(data.get("usage"))
            if usage:
                _anthropic(counts, usage)
    elif fmt is WireFormat.OPENAI_RESPONSES:
        if data.get("type", event) in ("response.completed", "response.incomplete"):
            response = _dict(data.get("response"))
            usage = _dict(response.get("usage")) if response else None
            if usage:
                _responses(counts, usage)
    else:
        usage_from_body(counts, data, fmt)
