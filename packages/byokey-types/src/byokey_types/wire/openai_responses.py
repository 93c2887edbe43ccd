"""OpenAI Responses (and the Codex backend that speaks it): shapes."""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

__all__ = [
    "InputItem",
    "OutputItem",
    "Reasoning",
    "Response",
    "ResponsesRequest",
    "StreamEvent",
    "Tool",
    "Usage",
]


class ContentPart(TypedDict, total=False):
    """``input_text``, ``input_image``, ``input_file``, ``output_text`` or ``refusal``."""

    type: Required[str]
    text: str
    image_url: str
    file_id: str
    file_data: str
    filename: str
    detail: str
    annotations: list[Any]
    refusal: str


class InputItem(TypedDict, total=False):
    """A message (``role`` + ``content``) or a typed item: ``function_call``
    (call_id, name, arguments), ``function_call_output`` (call_id, output) or
    ``reasoning`` (summary, encrypted_content)."""

    type: str
    role: Literal["user", "assistant", "system", "developer"]
    content: str | list[ContentPart]
    id: str
    call_id: str
    name: str
    arguments: str
    output: str | list[ContentPart]
    summary: list[dict[str, Any]]
    encrypted_content: str | None
    status: str


class Tool(TypedDict, total=False):
    type: Required[str]
    """``function`` for ours; built-in tools (``web_search`` …) pass through."""
    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool


class Reasoning(TypedDict, total=False):
    effort: Literal["minimal", "low", "medium", "high", "xhigh", "none"] | None
    summary: Literal["auto", "concise", "detailed"] | None


class ResponsesRequest(TypedDict, total=False):
    model: Required[str]
    input: str | list[InputItem]
    instructions: str
    stream: bool
    store: bool
    max_output_tokens: int
    temperature: float
    top_p: float
    tools: list[Tool]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    reasoning: Reasoning
    text: dict[str, Any]
    """``{"format": {"type": "json_schema", ...}}`` for structured output."""
    include: list[str]
    prompt_cache_key: str
    previous_response_id: str
    metadata: dict[str, str]


class OutputItem(TypedDict, total=False):
    """``message`` (role, content), ``function_call`` or ``reasoning``."""

    type: Required[str]
    id: str
    status: str
    role: Literal["assistant"]
    content: list[ContentPart]
    call_id: str
    name: str
    arguments: str
    summary: list[dict[str, Any]]
    encrypted_content: str | None


class Usage(TypedDict, total=False):
    input_tokens: Required[int]
    output_tokens: Required[int]
    total_tokens: int
    input_tokens_details: dict[str, int]
    output_tokens_details: dict[str, int]


class Response(TypedDict, total=False):
    id: Required[str]
    object: Required[Literal["response"]]
    created_at: int
    model: Required[str]
    status: str
    """``completed``, ``incomplete``, ``in_progress`` or ``failed``."""
    output: Required[list[OutputItem]]
    usage: Usage
    incomplete_details: dict[str, Any] | None
    error: dict[str, Any] | None


class StreamEvent(TypedDict, total=False):
    """``response.created``, ``response.output_item.added``,
    ``response.output_text.delta``, ``response.function_call_arguments.delta``,
    ``response.reasoning_summary_text.delta``, ``response.completed`` …"""

    type: Required[str]
    sequence_number: int
    response: Response
    item: OutputItem
    item_id: str
    output_index: int
    content_index: int
    summary_index: int
    delta: str
    text: str
    arguments: str
    part: ContentPart
