"""The canonical form every wire format is read into and written from.

Twenty ordered pairs of five formats would need twenty hand-written converters
per kind (request, response, stream); reading each format into one small
vocabulary and writing it back out needs five readers and five writers. The
vocabulary is the union of what the formats can say: parts of a conversation,
tools, generation parameters, reasoning settings and usage. Big opaque values
(JSON schemas, tool inputs, base64 payloads) are held by reference, never
copied, so a 500 KB request costs a walk over its structure and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

__all__ = [
    "DocumentPart",
    "FinishReason",
    "ImagePart",
    "Message",
    "Part",
    "Reasoning",
    "RedactedThinkingPart",
    "RequestIR",
    "ResponseFormat",
    "ResponseIR",
    "TextPart",
    "ThinkingPart",
    "Tool",
    "ToolCallPart",
    "ToolChoice",
    "ToolResultPart",
    "Usage",
]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "stop_sequence"]
"""``stop_sequence`` is kept apart from ``stop`` so Anthropic's reason survives."""


@dataclass(slots=True)
class TextPart:
    text: str
    cache_control: dict[str, Any] | None = None


@dataclass(slots=True)
class ImagePart:
    """An image as base64 ``data`` with its media type, or as a ``url``."""

    media_type: str | None = None
    data: str | None = None
    url: str | None = None
    detail: str | None = None
    cache_control: dict[str, Any] | None = None


@dataclass(slots=True)
class DocumentPart:
    """A file (PDF, plain text …): base64 ``data``, a ``url``, inline ``text`` or a ``file_id``."""

    media_type: str | None = None
    data: str | None = None
    url: str | None = None
    text: str | None = None
    file_id: str | None = None
    title: str | None = None
    filename: str | None = None
    cache_control: dict[str, Any] | None = None


class ToolCallPart:
    """A call the model made. Arguments are held as JSON text, parsed data or
    both, and converted only when a writer asks for the other form."""

    __slots__ = ("_args", "_args_json", "cache_control", "id", "name")

    def __init__(
        self,
        id: str,
        name: str,
        *,
        args_json: str | None = None,
        args: Any = None,
        cache_control: dict[str, Any] | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self._args_json = args_json
        self._args = args
        self.cache_control = cache_control

    @property
    def args_json(self) -> str:
        if self._args_json is None:
            self._args_json = orjson.dumps(self._args if self._args is not None else {}).decode()
        return self._args_json

    @property
    def args(self) -> Any:
        """Parsed arguments; text that is not JSON becomes ``{}`` (as upstreams expect an object)."""
        if self._args is None:
            text = self._args_json or ""
            try:
                self._args = orjson.loads(text) if text.strip() else {}
            except orjson.JSONDecodeError:
                self._args = {}
        return self._args

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolCallPart):
            return NotImplemented
        return (self.id, self.name, self.args) == (other.id, other.name, other.args)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ToolCallPart(id={self.id!r}, name={self.name!r}, args={self.args!r})"


@dataclass(slots=True)
class ToolResultPart:
    """The answer to a tool call. ``name`` is filled when the source format
    names the tool (Gemini) or a reader could recover it from the call."""

    id: str
    content: list[TextPart | ImagePart | DocumentPart]
    name: str | None = None
    is_error: bool = False
    cache_control: dict[str, Any] | None = None

    def text(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, TextPart))


@dataclass(slots=True)
class ThinkingPart:
    """Model reasoning with the opaque signature that lets it be sent back.

    ``id`` is the Responses reasoning item id (``rs_…``), kept so a Codex turn
    sent back names the same item; it takes no part in equality, since no other
    format has it.
    """

    text: str
    signature: str | None = None
    id: str | None = field(default=None, compare=False)


@dataclass(slots=True)
class RedactedThinkingPart:
    data: str


Part = (
    TextPart
    | ImagePart
    | DocumentPart
    | ToolCallPart
    | ToolResultPart
    | ThinkingPart
    | RedactedThinkingPart
)


@dataclass(slots=True)
class Message:
    role: Literal["user", "assistant"]
    parts: list[Part]


@dataclass(slots=True)
class Tool:
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None
    cache_control: dict[str, Any] | None = None


@dataclass(slots=True)
class ToolChoice:
    mode: Literal["auto", "required", "none", "tool"]
    name: str | None = None


@dataclass(slots=True)
class ResponseFormat:
    type: Literal["text", "json_object", "json_schema"]
    name: str | None = None
    schema: dict[str, Any] | None = None
    strict: bool | None = None
    description: str | None = None


@dataclass(slots=True)
class Reasoning:
    """What the client asked of the model's thinking.

    ``effort`` is a level name (``minimal`` … ``max``, or ``auto``); ``budget``
    a token budget; ``disabled`` wins over both.
    """

    effort: str | None = None
    budget: int | None = None
    disabled: bool = False
    summary: str | None = None


@dataclass(slots=True)
class RequestIR:
    model: str
    messages: list[Message]
    system: list[TextPart] = field(default_factory=list)
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice | None = None
    parallel_tool_calls: bool | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    stop: list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stream: bool | None = None
    user: str | None = None
    response_format: ResponseFormat | None = None
    reasoning: Reasoning | None = None


@dataclass(slots=True)
class Usage:
    """Token counts with one meaning for every format.

    ``input_tokens`` counts the whole prompt, cache reads and writes included
    (OpenAI's meaning); ``output_tokens`` includes ``reasoning_tokens``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(slots=True)
class ResponseIR:
    id: str
    model: str
    parts: list[Part]
    finish_reason: FinishReason | None = "stop"
    stop_sequence: str | None = None
    usage: Usage | None = None
    created: int | None = None
