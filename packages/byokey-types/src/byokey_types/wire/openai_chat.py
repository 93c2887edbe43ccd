"""OpenAI Chat Completions: request, response and stream chunk shapes."""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionRequest",
    "Choice",
    "ChunkChoice",
    "CompletionTokensDetails",
    "ContentPart",
    "Delta",
    "FunctionCall",
    "FunctionDefinition",
    "ImageURL",
    "Message",
    "PromptTokensDetails",
    "ResponseFormat",
    "StreamOptions",
    "Tool",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
]

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


class ImageURL(TypedDict, total=False):
    url: Required[str]
    detail: Literal["auto", "low", "high"]


class FileRef(TypedDict, total=False):
    file_data: str
    file_id: str
    filename: str


class InputAudio(TypedDict):
    data: str
    format: str


class ContentPart(TypedDict, total=False):
    type: Required[str]
    """``text``, ``image_url``, ``input_audio``, ``file`` or ``refusal``."""
    text: str
    image_url: ImageURL
    input_audio: InputAudio
    file: FileRef
    refusal: str
    cache_control: dict[str, Any]


class FunctionCall(TypedDict):
    name: str
    arguments: str
    """JSON text, exactly as the model produced it."""


class ToolCall(TypedDict, total=False):
    id: Required[str]
    type: Required[Literal["function"]]
    function: Required[FunctionCall]


class Message(TypedDict, total=False):
    role: Required[Role]
    content: str | list[ContentPart] | None
    name: str
    tool_calls: list[ToolCall]
    tool_call_id: str
    refusal: str | None
    reasoning_content: str
    """Thinking text, as DeepSeek, Qwen and the gateway peers put it."""
    reasoning_signature: str
    """Opaque thinking signature kept so a Claude turn validates on the next request."""


class FunctionDefinition(TypedDict, total=False):
    name: Required[str]
    description: str
    parameters: dict[str, Any]
    strict: bool


class Tool(TypedDict, total=False):
    type: Required[Literal["function"]]
    function: Required[FunctionDefinition]


class JSONSchemaFormat(TypedDict, total=False):
    name: Required[str]
    schema: dict[str, Any]
    description: str
    strict: bool


class ResponseFormat(TypedDict, total=False):
    type: Required[Literal["text", "json_object", "json_schema"]]
    json_schema: JSONSchemaFormat


class StreamOptions(TypedDict, total=False):
    include_usage: bool


class ChatCompletionRequest(TypedDict, total=False):
    model: Required[str]
    messages: Required[list[Message]]
    stream: bool
    stream_options: StreamOptions
    max_tokens: int
    max_completion_tokens: int
    temperature: float
    top_p: float
    n: int
    stop: str | list[str]
    presence_penalty: float
    frequency_penalty: float
    seed: int
    user: str
    tools: list[Tool]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    response_format: ResponseFormat
    reasoning_effort: Literal["minimal", "low", "medium", "high", "xhigh", "none"]
    metadata: dict[str, str]


class PromptTokensDetails(TypedDict, total=False):
    cached_tokens: int
    cache_creation_tokens: int
    """Not in OpenAI's schema; carries Anthropic's cache writes through a round trip."""


class CompletionTokensDetails(TypedDict, total=False):
    reasoning_tokens: int


class Usage(TypedDict, total=False):
    prompt_tokens: Required[int]
    completion_tokens: Required[int]
    total_tokens: Required[int]
    prompt_tokens_details: PromptTokensDetails
    completion_tokens_details: CompletionTokensDetails


class Choice(TypedDict, total=False):
    index: Required[int]
    message: Required[Message]
    finish_reason: FinishReason | None
    logprobs: Any


class ChatCompletion(TypedDict, total=False):
    id: Required[str]
    object: Required[Literal["chat.completion"]]
    created: Required[int]
    model: Required[str]
    choices: Required[list[Choice]]
    usage: Usage
    system_fingerprint: str


class FunctionCallDelta(TypedDict, total=False):
    name: str
    arguments: str


class ToolCallDelta(TypedDict, total=False):
    index: Required[int]
    id: str
    type: Literal["function"]
    function: FunctionCallDelta


class Delta(TypedDict, total=False):
    role: Role
    content: str | None
    reasoning_content: str
    reasoning_signature: str
    tool_calls: list[ToolCallDelta]
    refusal: str | None


class ChunkChoice(TypedDict, total=False):
    index: Required[int]
    delta: Required[Delta]
    finish_reason: FinishReason | None
    logprobs: Any


class ChatCompletionChunk(TypedDict, total=False):
    id: Required[str]
    object: Required[Literal["chat.completion.chunk"]]
    created: Required[int]
    model: Required[str]
    choices: Required[list[ChunkChoice]]
    usage: Usage | None
    system_fingerprint: str
