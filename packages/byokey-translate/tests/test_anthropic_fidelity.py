"""What the Anthropic codec does so a body built from any format is accepted:
structured output in ``output_config.format``, role validation, the 0..1
temperature range, thinking constraints, tool results without content,
unsendable thinking left out, response-only block types, and the
``model_context_window_exceeded`` stop reason. Bodies are validated against
the ``anthropic`` SDK's own request and response types.
"""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.types import Message as AnthropicMessage
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming
from pydantic import TypeAdapter

from byokey_translate import Format, StreamConverter, convert_request, convert_response
from byokey_translate._anthropic import (
    JSON_OBJECT_INSTRUCTION,
    _thinking_constraints,
    read_request,
    write_block,
    write_response,
)
from byokey_translate._ir import (
    DocumentPart,
    ImagePart,
    RedactedThinkingPart,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
)
from byokey_types.errors import InvalidRequest

REQUEST = TypeAdapter(MessageCreateParamsNonStreaming)
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
CLAUDE_SIGNATURE = "EqQBCkgIARABGAIiQL1"


def to_anthropic(body: dict[str, Any], source: Format = Format.OPENAI) -> dict[str, Any]:
    out = convert_request(body, source=source, target=Format.ANTHROPIC)
    REQUEST.validate_python(out)
    return out


def chat(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"model": "claude-sonnet-4-5", "messages": list(messages), **extra}


USER = {"role": "user", "content": "Hi"}

# --- structured output ---------------------------------------------------------------


def test_json_schema_is_written_as_output_config_format() -> None:
    body = chat(
        USER,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": SCHEMA, "strict": True},
        },
    )
    out = to_anthropic(body)
    assert out["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    assert "output_format" not in out
    assert "system" not in out  # a schema needs no instruction in words


def test_json_object_without_a_schema_becomes_a_system_instruction() -> None:
    out = to_anthropic(chat(USER, response_format={"type": "json_object"}))
    assert "output_config" not in out
    assert out["system"] == JSON_OBJECT_INSTRUCTION
    with_system = to_anthropic(
        chat(
            {"role": "system", "content": "Be brief."},
            USER,
            response_format={"type": "json_object"},
        )
    )
    assert [b["text"] for b in with_system["system"]] == ["Be brief.", JSON_OBJECT_INSTRUCTION]


@pytest.mark.parametrize(
    "where",
    [
        {"output_config": {"format": {"type": "json_schema", "schema": SCHEMA}}},
        {"output_format": {"type": "json_schema", "schema": SCHEMA}},  # the beta's spelling
    ],
    ids=["output_config.format", "output_format"],
)
def test_both_schema_spellings_are_read(where: dict[str, Any]) -> None:
    body = {"model": "m", "max_tokens": 10, "messages": [USER], **where}
    fmt = read_request(body).response_format
    assert fmt is not None and fmt.type == "json_schema" and fmt.schema == SCHEMA
    openai = convert_request(body, source=Format.ANTHROPIC, target=Format.OPENAI)
    assert openai["response_format"]["type"] == "json_schema"
    assert openai["response_format"]["json_schema"]["schema"] == SCHEMA


def test_output_config_format_wins_and_other_kinds_are_not_a_schema() -> None:
    other = {"type": "json_schema", "schema": {"type": "string"}}
    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": [USER],
        "output_config": {"format": {"type": "json_schema", "schema": SCHEMA}},
        "output_format": other,
    }
    fmt = read_request(body).response_format
    assert fmt is not None and fmt.schema == SCHEMA
    body = {"model": "m", "max_tokens": 10, "messages": [USER], "output_format": {"type": "text"}}
    assert read_request(body).response_format is None


def test_schema_survives_thinking_written_by_level() -> None:
    body = chat(
        USER,
        reasoning_effort="high",
        response_format={"type": "json_schema", "json_schema": {"name": "c", "schema": SCHEMA}},
    )
    out = to_anthropic(body)
    assert out["thinking"]["type"] == "enabled"
    assert out["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}


# --- role and content validation -----------------------------------------------------


@pytest.mark.parametrize("role", ["system", "developer", "tool", None, 3])
def test_a_role_anthropic_does_not_have_is_rejected_naming_the_field(role: object) -> None:
    body = {"model": "m", "max_tokens": 5, "messages": [USER, {"role": role, "content": "x"}]}
    with pytest.raises(InvalidRequest) as info:
        convert_request(body, source=Format.ANTHROPIC, target=Format.OPENAI)
    assert info.value.field == "messages[1].role"
    assert info.value.status == 400
    assert "messages[1].role" in str(info.value)


def test_a_message_without_content_is_rejected_naming_the_field() -> None:
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user"}]}
    with pytest.raises(InvalidRequest) as info:
        convert_request(body, source=Format.ANTHROPIC, target=Format.GEMINI)
    assert info.value.field == "messages[0].content"


# --- temperature and thinking constraints --------------------------------------------


@given(st.floats(-5, 5, allow_nan=False))
def test_temperature_is_clamped_into_anthropics_range(temperature: float) -> None:
    out = to_anthropic(chat(USER, temperature=temperature))
    assert 0 <= out["temperature"] <= 1
    if 0 <= temperature <= 1:
        assert out["temperature"] == temperature
    else:
        assert out["temperature"] == (0 if temperature < 0 else 1)


def test_openai_range_temperatures_map_to_the_ends() -> None:
    assert to_anthropic(chat(USER, temperature=1.7))["temperature"] == 1
    assert to_anthropic(chat(USER, temperature=0.3))["temperature"] == 0.3
    assert "temperature" not in to_anthropic(chat(USER))


@pytest.mark.parametrize(
    ("top_p", "expected"), [(0.5, 0.95), (0.94, 0.95), (0.95, 0.95), (0.99, 0.99)]
)
def test_thinking_raises_top_p_to_0_95_and_forces_temperature_1(
    top_p: float, expected: float
) -> None:
    out = to_anthropic(chat(USER, reasoning_effort="medium", top_p=top_p, temperature=0.2))
    assert out["thinking"]["type"] == "enabled"
    assert out["top_p"] == expected
    assert out["temperature"] == 1


def test_thinking_drops_top_k() -> None:
    body = {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "generationConfig": {"topK": 40, "topP": 0.3, "thinkingConfig": {"thinkingBudget": 2048}},
        "model": "gemini-2.5-pro",
    }
    out = to_anthropic(body, Format.GEMINI)
    assert out["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "top_k" not in out and out["top_p"] == 0.95
    without = dict(body, generationConfig={"topK": 40, "topP": 0.3})
    kept = to_anthropic(without, Format.GEMINI)
    assert kept["top_k"] == 40 and kept["top_p"] == 0.3


def test_without_thinking_top_p_and_temperature_are_left_alone() -> None:
    out = to_anthropic(chat(USER, top_p=0.5, temperature=0.2))
    assert out["top_p"] == 0.5 and out["temperature"] == 0.2
    disabled = to_anthropic(chat(USER, reasoning_effort="none", top_p=0.5, temperature=0.2))
    assert disabled["thinking"] == {"type": "disabled"}
    assert disabled["top_p"] == 0.5 and disabled["temperature"] == 0.2


def test_a_forced_tool_turns_thinking_off_keeping_the_output_format() -> None:
    body = {
        "model": "m",
        "max_tokens": 10,
        "messages": [USER],
        "tool_choice": {"type": "any"},
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": SCHEMA}},
    }
    out = _thinking_constraints(body)
    assert "thinking" not in out
    assert out["output_config"] == {"format": {"type": "json_schema", "schema": SCHEMA}}
    only_effort = {**body, "output_config": {"effort": "high"}}
    assert "output_config" not in _thinking_constraints(only_effort)
    assert body["output_config"]["effort"] == "high"  # input not mutated


def test_a_forced_tool_from_openai_sends_no_thinking() -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    body = chat(
        USER, reasoning_effort="high", tools=[tool], tool_choice="required", temperature=0.2
    )
    out = to_anthropic(body)
    assert "thinking" not in out
    assert out["tool_choice"] == {"type": "any"}
    assert out["temperature"] == 0.2  # no thinking, so no constraint on it


# --- tool results and thinking in requests -------------------------------------------


def test_a_tool_result_without_content_has_no_content_key() -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = chat(
        USER,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": ""},
    )
    out = to_anthropic(body)
    result = out["messages"][2]["content"][0]
    assert result == {"type": "tool_result", "tool_use_id": "call_1"}
    back = convert_request(out, source=Format.ANTHROPIC, target=Format.OPENAI)
    assert back["messages"][-1] == {"role": "tool", "tool_call_id": "call_1", "content": ""}


def test_tool_result_of_text_is_a_string_and_of_images_a_list() -> None:
    ir_parts = [
        ToolResultPart("t1", [TextPart("a"), TextPart("b")]),
        ToolResultPart("t2", [TextPart("see"), ImagePart("image/png", data="AAAA")], is_error=True),
    ]
    first, second = (write_block(p) for p in ir_parts)
    assert first == {"type": "tool_result", "tool_use_id": "t1", "content": "ab"}
    assert second is not None and second["is_error"] is True
    assert [b["type"] for b in second["content"]] == ["text", "image"]


def assistant_with_reasoning(**fields: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": "Answer.", **fields}


def test_thinking_without_a_claude_signature_is_left_out() -> None:
    for fields in (
        {"reasoning_content": "DeepSeek thoughts"},  # no signature at all
        {"reasoning_content": "Gemini thoughts", "reasoning_signature": "CiQB-gemini"},
        {"reasoning_content": "o3 thoughts", "reasoning_signature": "gAAAAABencrypted"},
    ):
        out = to_anthropic(chat(USER, assistant_with_reasoning(**fields), USER))
        assert out["messages"][1] == {"role": "assistant", "content": "Answer."}, fields


def test_thinking_with_a_claude_signature_is_sent_first_in_the_turn() -> None:
    fields = {"reasoning_content": "Let me think.", "reasoning_signature": CLAUDE_SIGNATURE}
    out = to_anthropic(chat(USER, assistant_with_reasoning(**fields), USER))
    assert out["messages"][1]["content"] == [
        {"type": "thinking", "thinking": "Let me think.", "signature": CLAUDE_SIGNATURE},
        {"type": "text", "text": "Answer."},
    ]
    grouped = "modelGroup#" + CLAUDE_SIGNATURE  # a routing prefix before '#' is allowed
    out = to_anthropic(
        chat(
            USER, assistant_with_reasoning(reasoning_content="x", reasoning_signature=grouped), USER
        )
    )
    assert out["messages"][1]["content"][0]["signature"] == grouped


def test_redacted_thinking_is_always_sent_back() -> None:
    blocks = [
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "thinking", "thinking": "t", "signature": "not-claude"},
    ]
    msg = {"role": "assistant", "content": "Answer.", "reasoning_blocks": blocks}
    out = to_anthropic(chat(USER, msg, USER))
    assert out["messages"][1]["content"] == [
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "Answer."},
    ]


def test_a_turn_left_empty_by_dropped_thinking_disappears_and_neighbours_merge() -> None:
    msg = {"role": "assistant", "content": "", "reasoning_content": "unsigned"}
    out = to_anthropic(chat(USER, msg, {"role": "user", "content": "Again"}))
    assert out["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "Hi"}, {"type": "text", "text": "Again"}],
        }
    ]


# --- responses -----------------------------------------------------------------------


def test_a_response_holds_only_response_block_types() -> None:
    ir = ResponseIR(
        "msg_1",
        "claude",
        [
            ThinkingPart("why", CLAUDE_SIGNATURE),
            RedactedThinkingPart("opaque"),
            TextPart("Here."),
            ImagePart("image/png", data="AAAA"),
            DocumentPart("application/pdf", data="JVBER"),
            ToolResultPart("t", [TextPart("x")]),
            ToolCallPart("toolu_1", "f", args={"a": 1}),
        ],
        "tool_calls",
    )
    out = write_response(ir)
    AnthropicMessage.model_validate(out)
    assert [b["type"] for b in out["content"]] == [
        "thinking",
        "redacted_thinking",
        "text",
        "tool_use",
    ]
    assert out["stop_reason"] == "tool_use"


def test_a_gemini_image_answer_reaches_anthropic_as_its_text() -> None:
    reply = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "A cat:"},
                        {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
                    ],
                },
                "finishReason": "STOP",
            }
        ]
    }
    out = convert_response(reply, source=Format.GEMINI, target=Format.ANTHROPIC)
    AnthropicMessage.model_validate(out)
    assert out["content"] == [{"type": "text", "text": "A cat:"}]


# --- model_context_window_exceeded ---------------------------------------------------


def claude_reply(stop_reason: str) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "partial"}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


@pytest.mark.parametrize(
    ("target", "path", "expected"),
    [
        (Format.OPENAI, ("choices", 0, "finish_reason"), "length"),
        (Format.GEMINI, ("candidates", 0, "finishReason"), "MAX_TOKENS"),
        (Format.OPENAI_RESPONSES, ("incomplete_details", "reason"), "max_output_tokens"),
        (Format.ANTHROPIC, ("stop_reason",), "model_context_window_exceeded"),  # passthrough
    ],
)
def test_context_window_exceeded_is_a_length_stop(
    target: Format, path: tuple[Any, ...], expected: str
) -> None:
    value: Any = convert_response(
        claude_reply("model_context_window_exceeded"), source=Format.ANTHROPIC, target=target
    )
    for key in path:
        value = value[key]
    assert value == expected


def test_context_window_exceeded_in_a_stream_is_length() -> None:
    conv = StreamConverter(Format.ANTHROPIC, Format.OPENAI)
    events: list[dict[str, Any]] = [
        {
            "type": "message_start",
            "message": {**claude_reply("x"), "content": [], "stop_reason": None},
        },
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "par"}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "model_context_window_exceeded", "stop_sequence": None},
            "usage": {"output_tokens": 1},
        },
        {"type": "message_stop"},
    ]
    frames = [f for ev in events for f in conv.feed(ev["type"], ev)] + conv.finish()
    reasons = [
        c["finish_reason"]
        for _, data in frames
        if isinstance(data, dict)
        for c in data.get("choices", [])
        if c.get("finish_reason")
    ]
    assert reasons == ["length"]


# --- documents read from Anthropic, written for OpenAI Chat --------------------------


def test_documents_become_chat_file_or_text_parts() -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "source": {
                            "type": "base64",
                            "media_type": "application/pdf",
                            "data": "JVBE",
                        },
                        "title": "a.pdf",
                    },
                    {
                        "type": "document",
                        "source": {"type": "text", "media_type": "text/plain", "data": "plain"},
                    },
                    {"type": "document", "source": {"type": "url", "url": "https://x/a.pdf"}},
                    {"type": "document", "source": {"type": "file", "file_id": "file_1"}},
                    {"type": "document", "source": {"type": "file"}},  # nothing to send
                    {"type": "text", "text": "Summarise."},
                ],
            }
        ],
    }
    out = convert_request(body, source=Format.ANTHROPIC, target=Format.OPENAI)
    TypeAdapter(CompletionCreateParamsNonStreaming).validate_python(out)
    assert out["messages"][0]["content"] == [
        {
            "type": "file",
            "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"},
        },
        {"type": "text", "text": "plain"},
        {"type": "text", "text": "https://x/a.pdf"},
        {"type": "file", "file": {"file_id": "file_1"}},
        {"type": "text", "text": "Summarise."},
    ]
