"""All twenty ordered pairs of the five formats, for requests, responses and streams.

One conversation is written by hand in each format. Converting it from any
format to any other must keep what both formats can say: the system prompt,
every turn's text, images, tool definitions, tool calls with their ids and
arguments, tool results pointing at the same ids, and the generation
parameters. Outputs in OpenAI and Anthropic shapes are validated against the
official SDKs' own types. Streams: the converted stream, folded back, must be
the converted non-streamed response.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from anthropic.types import Message as AnthropicMessage
from anthropic.types import RawMessageStreamEvent
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from openai.types.responses import Response, ResponseStreamEvent
from openai.types.responses.response_create_params import ResponseCreateParamsNonStreaming
from pydantic import TypeAdapter

from byokey_translate import Format, StreamConverter, convert_request, convert_response
from byokey_translate._codecs import codec, stream_module
from byokey_translate._ir import (
    ImagePart,
    RequestIR,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)
from byokey_translate._stream_ir import accumulate, events_of

FORMATS = list(Format)
STREAM_FORMATS = FORMATS
PAIRS = list(itertools.permutations(FORMATS, 2))
PAIR_IDS = [f"{a.value}->{b.value}" for a, b in PAIRS]
STREAM_PAIRS = list(itertools.permutations(STREAM_FORMATS, 2))
STREAM_IDS = [f"{a.value}->{b.value}" for a, b in STREAM_PAIRS]

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAgh0VAAAAAElFTkSuQmCC"
ARGS = {"city": "Paris", "days": 3}
TOOL_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}

GEMINI_BODY: dict[str, Any] = {
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "contents": [
        {
            "role": "user",
            "parts": [
                {"text": "What is in this picture, and the weather?"},
                {"inlineData": {"mimeType": "image/png", "data": PNG}},
            ],
        },
        {
            "role": "model",
            "parts": [
                {"text": "Let me check."},
                {"functionCall": {"id": "call_w1", "name": "get_weather", "args": ARGS}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "id": "call_w1",
                        "name": "get_weather",
                        "response": {"content": "sunny"},
                    }
                }
            ],
        },
        {"role": "user", "parts": [{"text": "Thanks!"}]},
    ],
    "tools": [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather by city",
                    "parameters": TOOL_SCHEMA,
                }
            ]
        }
    ],
    "generationConfig": {"maxOutputTokens": 512, "temperature": 0.5, "stopSequences": ["END"]},
}

REQUESTS: dict[Format, dict[str, Any]] = {
    Format.OPENAI: {
        "model": "test-model",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture, and the weather?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            },
            {
                "role": "assistant",
                "content": "Let me check.",
                "tool_calls": [
                    {
                        "id": "call_w1",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city": "Paris", "days": 3}',
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_w1", "content": "sunny"},
            {"role": "user", "content": "Thanks!"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_weather",
                    "description": "Weather by city",
                    "parameters": TOOL_SCHEMA,
                },
            }
        ],
        "max_tokens": 512,
        "temperature": 0.5,
        "stop": ["END"],
    },
    Format.ANTHROPIC: {
        "model": "test-model",
        "system": "Be brief.",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture, and the weather?"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": ARGS},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "call_w1", "content": "sunny"},
                    {"type": "text", "text": "Thanks!"},
                ],
            },
        ],
        "tools": [
            {"name": "get_weather", "description": "Weather by city", "input_schema": TOOL_SCHEMA}
        ],
        "max_tokens": 512,
        "temperature": 0.5,
        "stop_sequences": ["END"],
    },
    Format.OPENAI_RESPONSES: {
        "model": "test-model",
        "instructions": "Be brief.",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this picture, and the weather?"},
                    {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}"},
                ],
            },
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Let me check."}],
            },
            {
                "type": "function_call",
                "call_id": "call_w1",
                "name": "get_weather",
                "arguments": '{"city": "Paris", "days": 3}',
            },
            {"type": "function_call_output", "call_id": "call_w1", "output": "sunny"},
            {"type": "message", "role": "user", "content": "Thanks!"},
        ],
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather by city",
                "parameters": TOOL_SCHEMA,
            }
        ],
        "max_output_tokens": 512,
        "temperature": 0.5,
    },
    Format.GEMINI: {"model": "test-model", **GEMINI_BODY},
    Format.GEMINI_CLOUDCODE: {"model": "test-model", "project": "p-1", "request": GEMINI_BODY},
}

TEXT = "The weather in Paris is sunny."
RESPONSES: dict[Format, dict[str, Any]] = {
    Format.OPENAI: {
        "id": "chatcmpl-r1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": TEXT,
                    "tool_calls": [
                        {
                            "id": "call_w2",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'},
                        }
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 9, "total_tokens": 29},
    },
    Format.ANTHROPIC: {
        "id": "msg_r1",
        "type": "message",
        "role": "assistant",
        "model": "test-model",
        "content": [
            {"type": "text", "text": TEXT},
            {"type": "tool_use", "id": "call_w2", "name": "get_weather", "input": {"city": "Rome"}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 9},
    },
    Format.OPENAI_RESPONSES: {
        "id": "resp_r1",
        "object": "response",
        "created_at": 1700000000,
        "status": "completed",
        "model": "test-model",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": TEXT, "annotations": []}],
            },
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_w2",
                "name": "get_weather",
                "arguments": '{"city":"Rome"}',
                "status": "completed",
            },
        ],
        "usage": {
            "input_tokens": 20,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 9,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 29,
        },
    },
    Format.GEMINI: {
        "responseId": "r1",
        "modelVersion": "test-model",
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": TEXT},
                        {
                            "functionCall": {
                                "id": "call_w2",
                                "name": "get_weather",
                                "args": {"city": "Rome"},
                            }
                        },
                    ],
                },
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 20, "candidatesTokenCount": 9, "totalTokenCount": 29},
    },
}
RESPONSES[Format.GEMINI_CLOUDCODE] = {"response": RESPONSES[Format.GEMINI]}


def request_summary(ir: RequestIR) -> dict[str, Any]:
    """What every format can say about a request, in comparable form."""
    turns: list[tuple[str, list[Any]]] = []
    for message in ir.messages:
        items: list[Any] = []
        for part in message.parts:
            if isinstance(part, TextPart):
                items.append(("text", part.text))
            elif isinstance(part, ImagePart):
                items.append(("image", part.media_type, part.data))
            elif isinstance(part, ToolCallPart):
                items.append(("call", part.id, part.name, part.args))
            elif isinstance(part, ToolResultPart):
                items.append(("result", part.id, part.text()))
        turns.append((message.role, items))
    # Formats differ on whether a tool result and the next user text share a turn.
    merged: list[tuple[str, list[Any]]] = []
    for role, items in turns:
        if merged and merged[-1][0] == role:
            merged[-1][1].extend(items)
        else:
            merged.append((role, items))
    return {
        "system": "".join(p.text for p in ir.system),
        "turns": merged,
        "tools": [(t.name, t.description, t.parameters) for t in ir.tools],
        "max_tokens": ir.max_tokens,
        "temperature": ir.temperature,
    }


def response_summary(ir: ResponseIR) -> dict[str, Any]:
    parts: list[Any] = []
    for part in ir.parts:
        if isinstance(part, TextPart):
            if parts and parts[-1][0] == "text":
                parts[-1] = ("text", parts[-1][1] + part.text)
            else:
                parts.append(("text", part.text))
        elif isinstance(part, ToolCallPart):
            parts.append(("call", part.id, part.name, part.args))
        elif isinstance(part, ThinkingPart):
            parts.append(("thinking", part.text, part.signature))
    usage = ir.usage
    return {
        "parts": parts,
        "finish": ir.finish_reason,
        "usage": None if usage is None else (usage.input_tokens, usage.output_tokens),
    }


def validate_request(fmt: Format, body: dict[str, Any]) -> None:
    if fmt is Format.OPENAI:
        TypeAdapter(CompletionCreateParamsNonStreaming).validate_python(body)
    elif fmt is Format.ANTHROPIC:
        TypeAdapter(MessageCreateParamsNonStreaming).validate_python(body)
    elif fmt is Format.OPENAI_RESPONSES:
        TypeAdapter(ResponseCreateParamsNonStreaming).validate_python(body)


def validate_response(fmt: Format, body: dict[str, Any]) -> None:
    if fmt is Format.OPENAI:
        ChatCompletion.model_validate(body)
    elif fmt is Format.ANTHROPIC:
        AnthropicMessage.model_validate(body)
    elif fmt is Format.OPENAI_RESPONSES:
        Response.model_validate(body)


def validate_event(fmt: Format, name: str | None, data: dict[str, Any] | str) -> None:
    if isinstance(data, str):
        assert fmt is Format.OPENAI and data == "[DONE]"
        return
    if fmt is Format.OPENAI:
        ChatCompletionChunk.model_validate(data)
    elif fmt is Format.ANTHROPIC:
        assert name == data["type"]
        TypeAdapter(RawMessageStreamEvent).validate_python(data)
    elif fmt is Format.OPENAI_RESPONSES:
        assert name == data["type"]
        TypeAdapter(ResponseStreamEvent).validate_python(data)


def test_every_format_has_a_codec_and_a_stream_module() -> None:
    assert len(PAIRS) == len(STREAM_PAIRS) == 20
    for fmt in FORMATS:
        module = codec(fmt)
        assert callable(module.read_request) and callable(module.write_response)
        assert stream_module(fmt).StreamReader and stream_module(fmt).StreamWriter


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.value for f in FORMATS])
def test_the_fixtures_say_the_same_thing(fmt: Format) -> None:
    reference = request_summary(codec(Format.OPENAI).read_request(REQUESTS[Format.OPENAI]))
    assert request_summary(codec(fmt).read_request(REQUESTS[fmt])) == reference
    reference_response = response_summary(
        codec(Format.OPENAI).read_response(RESPONSES[Format.OPENAI])
    )
    assert response_summary(codec(fmt).read_response(RESPONSES[fmt])) == reference_response


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=PAIR_IDS)
def test_request_pair(source: Format, target: Format) -> None:
    out = convert_request(REQUESTS[source], source=source, target=target)
    validate_request(target, out)
    got = request_summary(codec(target).read_request(out))
    assert got == request_summary(codec(source).read_request(REQUESTS[source]))


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=PAIR_IDS)
def test_response_pair(source: Format, target: Format) -> None:
    out = convert_response(RESPONSES[source], source=source, target=target)
    validate_response(target, out)
    got = response_summary(codec(target).read_response(out))
    assert got == response_summary(codec(source).read_response(RESPONSES[source]))


def _stream_of(fmt: Format, response: ResponseIR, chunk: int) -> list[tuple[str | None, Any]]:
    writer = stream_module(fmt).StreamWriter()
    frames: list[tuple[str | None, Any]] = []
    for event in events_of(response, chunk=chunk):
        frames.extend(writer.feed(event))
    frames.extend(writer.finish())
    return frames


def _read_stream(fmt: Format, frames: list[tuple[str | None, Any]]) -> ResponseIR:
    reader = stream_module(fmt).StreamReader()
    events = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return accumulate(events)


@pytest.mark.parametrize(("source", "target"), STREAM_PAIRS, ids=STREAM_IDS)
def test_stream_pair_equals_the_unstreamed_conversion(source: Format, target: Format) -> None:
    content = codec(source).read_response(RESPONSES[source])
    frames = _stream_of(source, content, chunk=4)
    converter = StreamConverter(source, target)
    out: list[tuple[str | None, Any]] = []
    for name, data in frames:
        out.extend(converter.feed(name, data))
    out.extend(converter.finish())
    for name, data in out:
        validate_event(target, name, data)
    if target is Format.OPENAI:
        assert out[-1] == (None, "[DONE]")
    streamed = response_summary(_read_stream(target, out))
    unstreamed = convert_response(RESPONSES[source], source=source, target=target)
    assert streamed == response_summary(codec(target).read_response(unstreamed))
