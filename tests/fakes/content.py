"""Provider-neutral scripted answers: "reply with text 'hi' and a tool call X".

Each family fake renders an :class:`Answer` in its own wire format (Anthropic
content blocks, OpenAI choices, Responses output items, Gemini parts), as a JSON body
or as that provider's real SSE event sequence, so one script works for every family.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson


@dataclass(frozen=True)
class TextPart:
    text: str


@dataclass(frozen=True)
class ThinkingPart:
    thinking: str
    signature: str = "EqQBfakeSignature=="


@dataclass(frozen=True)
class ToolCallPart:
    name: str
    arguments: dict[str, Any]
    id: str | None = None

    def arguments_json(self) -> str:
        return orjson.dumps(self.arguments).decode()


Part = TextPart | ThinkingPart | ToolCallPart
StopKind = Literal["end", "max_tokens", "tool_use", "stop_sequence", "refusal"]


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 10
    output_tokens: int = 5
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Answer:
    """What the model "says": ordered parts, why it stopped, and the token counts.

    ``stop`` defaults to ``tool_use`` when a tool call is present, else ``end``.
    ``model`` defaults to the model named in the request.
    """

    parts: tuple[Part, ...]
    stop: StopKind | None = None
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    chunk_size: int = 4

    @property
    def stop_kind(self) -> StopKind:
        if self.stop is not None:
            return self.stop
        return "tool_use" if self.tool_calls else "end"

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [p for p in self.parts if isinstance(p, ToolCallPart)]

    def pieces(self, text: str) -> Iterator[str]:
        """``text`` cut into streaming deltas of ``chunk_size`` characters."""
        size = max(1, self.chunk_size)
        for start in range(0, len(text), size):
            yield text[start : start + size]


def text(value: str) -> TextPart:
    return TextPart(value)


def thinking(value: str, signature: str = "EqQBfakeSignature==") -> ThinkingPart:
    return ThinkingPart(value, signature)


def tool_call(
    name: str, arguments: dict[str, Any] | None = None, id: str | None = None
) -> ToolCallPart:
    return ToolCallPart(name, dict(arguments or {}), id)


def answer(
    *parts: Part | str,
    stop: StopKind | None = None,
    usage: Usage | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    model: str | None = None,
    chunk_size: int = 4,
) -> Answer:
    """Build an :class:`Answer`; bare strings are text parts."""
    resolved = tuple(TextPart(p) if isinstance(p, str) else p for p in parts)
    base = usage or Usage()
    if input_tokens is not None or output_tokens is not None:
        base = Usage(
            input_tokens=base.input_tokens if input_tokens is None else input_tokens,
            output_tokens=base.output_tokens if output_tokens is None else output_tokens,
            cache_read_tokens=base.cache_read_tokens,
            cache_creation_tokens=base.cache_creation_tokens,
        )
    return Answer(resolved, stop=stop, usage=base, model=model, chunk_size=chunk_size)


class IdMaker:
    """Deterministic ids per fake (``toolu_fake_1``…) so tests can assert on them."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        count = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = count
        return f"{prefix}{count}"
