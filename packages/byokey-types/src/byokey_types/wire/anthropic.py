"""Anthropic Messages: request, response and stream event shapes."""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

__all__ = [
    "CacheControl",
    "ContentBlock",
    "ImageSource",
    "Message",
    "MessagesRequest",
    "MessagesResponse",
    "StreamEvent",
    "SystemBlock",
    "ThinkingConfig",
    "Tool",
    "ToolChoice",
    "Usage",
]

StopReason = Literal["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"]


class CacheControl(TypedDict, total=False):
    type: Required[Literal["ephemeral"]]
    ttl: str
    """``5m`` or ``1h``."""


class ImageSource(TypedDict, total=False):
    type: Required[Literal["base64", "url", "file", "text", "content"]]
    media_type: str
    data: str
    url: str
    file_id: str


class ContentBlock(TypedDict, total=False):
    """Any content block; ``type`` says which keys apply.

    ``text`` (text), ``image``/``document`` (source, title, context, citations),
    ``tool_use`` (id, name, input), ``tool_result`` (tool_use_id, content,
    is_error), ``thinking`` (thinking, signature), ``redacted_thinking`` (data),
    ``server_tool_use`` / ``web_search_tool_result`` (kept verbatim).
    """

    type: Required[str]
    text: str
    source: ImageSource
    title: str
    context: str
    citations: Any
    id: str
    name: str
    input: dict[str, Any]
    tool_use_id: str
    content: str | list[ContentBlock]
    is_error: bool
    thinking: str
    signature: str
    data: str
    cache_control: CacheControl | None


class SystemBlock(TypedDict, total=False):
    type: Required[Literal["text"]]
    text: Required[str]
    cache_control: CacheControl | None


class Message(TypedDict):
    role: Literal["user", "assistant"]
    content: str | list[ContentBlock]


class Tool(TypedDict, total=False):
    name: Required[str]
    description: str
    input_schema: dict[str, Any]
    type: str
    """Server tools (``web_search_20250305`` …) set a versioned type."""
    cache_control: CacheControl | None


class ToolChoice(TypedDict, total=False):
    type: Required[Literal["auto", "any", "tool", "none"]]
    name: str
    disable_parallel_tool_use: bool


class ThinkingConfig(TypedDict, total=False):
    type: Required[Literal["enabled", "disabled", "adaptive"]]
    budget_tokens: int


class MessagesRequest(TypedDict, total=False):
    model: Required[str]
    messages: Required[list[Message]]
    max_tokens: Required[int]
    system: str | list[SystemBlock]
    stream: bool
    temperature: float
    top_p: float
    top_k: int
    stop_sequences: list[str]
    tools: list[Tool]
    tool_choice: ToolChoice
    thinking: ThinkingConfig
    metadata: dict[str, Any]
    output_format: dict[str, Any]


class Usage(TypedDict, total=False):
    input_tokens: Required[int]
    output_tokens: Required[int]
    cache_creation_input_tokens: int | None
    cache_read_input_tokens: int | None
    service_tier: str | None


class MessagesResponse(TypedDict, total=False):
    id: Required[str]
    type: Required[Literal["message"]]
    role: Required[Literal["assistant"]]
    model: Required[str]
    content: Required[list[ContentBlock]]
    stop_reason: StopReason | None
    stop_sequence: str | None
    usage: Required[Usage]


class StreamEvent(TypedDict, total=False):
    """One SSE event: ``message_start``, ``content_block_start``,
    ``content_block_delta``, ``content_block_stop``, ``message_delta``,
    ``message_stop``, ``ping`` or ``error``."""

    type: Required[str]
    message: MessagesResponse
    index: int
    content_block: ContentBlock
    delta: dict[str, Any]
    usage: Usage
    error: dict[str, Any]
