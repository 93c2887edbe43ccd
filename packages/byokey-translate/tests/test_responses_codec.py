"""The OpenAI Responses codec: input items, reasoning for Codex, output items and usage.

Outputs are validated against the ``openai`` SDK's own types: requests with
``ResponseCreateParamsNonStreaming``, responses with ``Response``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import Response
from openai.types.responses.response_create_params import (
    ResponseCreateParamsNonStreaming,
    ResponseCreateParamsStreaming,
)
from pydantic import TypeAdapter

from byokey_translate import Format, convert_request, convert_response
from byokey_translate._anthropic import merge_same_role
from byokey_translate._ir import (
    DocumentPart,
    ImagePart,
    Message,
    Part,
    Reasoning,
    RedactedThinkingPart,
    RequestIR,
    ResponseFormat,
    ResponseIR,
    TextPart,
    ThinkingPart,
    Tool,
    ToolCallPart,
    ToolChoice,
    ToolResultPart,
    Usage,
)
from byokey_translate._openai_responses import (
    read_request,
    read_response,
    reasoning_id,
    write_request,
    write_response,
)
from byokey_types.errors import InvalidRequest

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAgh0VAAAAAElFTkSuQmCC"
ENC = "gAAAAABoEncryptedReasoningPayload=="
REQUEST = TypeAdapter(ResponseCreateParamsNonStreaming)
STREAMING_REQUEST = TypeAdapter(ResponseCreateParamsStreaming)


def _validate(body: dict[str, Any]) -> None:
    (STREAMING_REQUEST if body.get("stream") else REQUEST).validate_python(body)


# --- reading requests ------------------------------------------------------------------


def test_a_string_input_is_one_user_turn() -> None:
    ir = read_request({"model": "gpt-5", "input": "Hi", "instructions": "Be brief."})
    assert ir.messages == [Message("user", [TextPart("Hi")])]
    assert ir.system == [TextPart("Be brief.")]


def test_a_codex_turn_with_reasoning_is_read() -> None:
    body = {
        "model": "gpt-5-codex",
        "instructions": "You are Codex.",
        "input": [
            {
                "type": "message",
                "role": "developer",
                "content": [{"type": "input_text", "text": "Rules."}],
            },
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "ls"}]},
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "Need a shell."}],
                "encrypted_content": ENC,
            },
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "shell",
                "arguments": '{"cmd":"ls"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": "a.txt"},
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "One file."}],
            },
            {"role": "user", "content": "thanks"},
        ],
        "tools": [
            {
                "type": "function",
                "name": "shell",
                "description": "Run",
                "parameters": {"type": "object"},
                "strict": False,
            },
            {"type": "web_search"},
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "reasoning": {"effort": "high", "summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
        "max_output_tokens": 1000,
        "text": {
            "format": {
                "type": "json_schema",
                "name": "out",
                "schema": {"type": "object"},
                "strict": True,
            }
        },
    }
    ir = read_request(body)
    assert ir.system == [TextPart("You are Codex."), TextPart("Rules.")]
    assert ir.messages == [
        Message("user", [TextPart("ls")]),
        Message(
            "assistant",
            [
                ThinkingPart("Need a shell.", ENC),
                ToolCallPart("call_1", "shell", args={"cmd": "ls"}),
            ],
        ),
        Message("user", [ToolResultPart("call_1", [TextPart("a.txt")], name="shell")]),
        Message("assistant", [TextPart("One file.")]),
        Message("user", [TextPart("thanks")]),
    ]
    thinking = ir.messages[1].parts[0]
    assert isinstance(thinking, ThinkingPart)
    assert thinking.id == "rs_1"
    assert ir.tools == [Tool("shell", "Run", {"type": "object"}, False)]
    assert (ir.tool_choice, ir.parallel_tool_calls, ir.max_tokens) == (
        ToolChoice("auto"),
        False,
        1000,
    )
    assert ir.reasoning == Reasoning(effort="high", summary="auto")
    assert ir.response_format == ResponseFormat(
        "json_schema", name="out", schema={"type": "object"}, strict=True
    )


def test_images_and_files_are_read() -> None:
    ir = read_request(
        {
            "model": "m",
            "input": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "input_image",
                            "image_url": f"data:image/png;base64,{PNG}",
                            "detail": "low",
                        },
                        {"type": "input_image", "image_url": "https://x.test/a.jpg"},
                        {"type": "input_image", "file_id": "file-1"},
                        {
                            "type": "input_file",
                            "file_data": "data:application/pdf;base64,JVBE",
                            "filename": "a.pdf",
                        },
                        {"type": "input_file", "file_id": "file-2"},
                        {"type": "input_file", "file_url": "https://x.test/b.pdf"},
                        {"type": "input_audio", "input_audio": {}},
                    ],
                }
            ],
        }
    )
    assert ir.messages[0].parts == [
        ImagePart("image/png", data=PNG, detail="low"),
        ImagePart(url="https://x.test/a.jpg"),
        DocumentPart("application/pdf", data="JVBE", filename="a.pdf"),
        DocumentPart(file_id="file-2"),
        DocumentPart(url="https://x.test/b.pdf"),
    ]


@pytest.mark.parametrize(
    ("value", "choice"),
    [
        ("required", ToolChoice("required")),
        ("none", ToolChoice("none")),
        ({"type": "function", "name": "f"}, ToolChoice("tool", "f")),
        ({"type": "allowed_tools", "mode": "required", "tools": []}, ToolChoice("required")),
        ({"type": "web_search"}, None),
    ],
)
def test_tool_choice_is_read(value: Any, choice: ToolChoice | None) -> None:
    assert read_request({"model": "m", "input": [], "tool_choice": value}).tool_choice == choice


def test_effort_none_disables_reasoning() -> None:
    assert read_request({"model": "m", "reasoning": {"effort": "none"}}).reasoning == Reasoning(
        disabled=True
    )


def test_redacted_thinking_survives_a_responses_client() -> None:
    claude = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-6",
        "content": [
            {"type": "thinking", "thinking": "Let me think.", "signature": "EqQBCkYIBxgC"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va"},
            {"type": "text", "text": "42"},
        ],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 3, "output_tokens": 5},
    }
    reply = convert_response(claude, source=Format.ANTHROPIC, target=Format.OPENAI_RESPONSES)
    Response.model_validate(reply)
    # the client sends its output back as the next turn's input
    follow_up = {
        "model": "claude-opus-4-6",
        "input": [
            {"role": "user", "content": "Q?"},
            *reply["output"],
            {"role": "user", "content": "More?"},
        ],
    }
    anthropic = convert_request(follow_up, source=Format.OPENAI_RESPONSES, target=Format.ANTHROPIC)
    assert anthropic["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "thinking", "thinking": "Let me think.", "signature": "EqQBCkYIBxgC"},
            {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va"},
            {"type": "text", "text": "42"},
        ],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"input": []}, "model"),
        ({"model": "m", "input": 3}, "input"),
        ({"model": "m", "input": [1]}, "input[0]"),
        ({"model": "m", "input": [{"role": "user", "content": 5}]}, "input[0].content"),
        (
            {"model": "m", "input": [{"role": "user", "content": [{"type": "input_text"}]}]},
            "input[0].content[0].text",
        ),
        ({"model": "m", "input": [{"type": "function_call", "name": "f"}]}, "input[0].call_id"),
        ({"model": "m", "input": [{"type": "function_call", "call_id": "c"}]}, "input[0].name"),
        (
            {"model": "m", "input": [{"type": "function_call_output", "output": ""}]},
            "input[0].call_id",
        ),
        ({"model": "m", "input": [{"type": "reasoning", "summary": "x"}]}, "input[0].summary"),
        ({"model": "m", "tools": [{"type": "function"}]}, "tools[0].name"),
        ({"model": "m", "instructions": 1}, "instructions"),
    ],
)
def test_malformed_requests_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        read_request(body)
    assert info.value.field == field


# --- writing requests ------------------------------------------------------------------


def test_chat_to_codex_request() -> None:
    chat = {
        "model": "gpt-5-codex",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            },
            {
                "role": "assistant",
                "content": "Checking.",
                "reasoning_content": "Look closer.",
                "reasoning_signature": ENC,
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "zoom", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_9", "content": "a cat"},
        ],
        "tools": [
            {"type": "function", "function": {"name": "zoom", "parameters": {"type": "object"}}}
        ],
        "tool_choice": {"type": "function", "function": {"name": "zoom"}},
        "reasoning_effort": "medium",
        "max_tokens": 300,
        "stop": ["x"],
        "response_format": {"type": "json_object"},
    }
    out = convert_request(chat, source=Format.OPENAI, target=Format.OPENAI_RESPONSES)
    _validate(out)
    assert out["instructions"] == "Be terse."
    reasoning = out["input"][1]
    assert reasoning["type"] == "reasoning"
    assert reasoning["id"].startswith("rs_")
    assert reasoning["encrypted_content"] == ENC
    assert reasoning["summary"] == [{"type": "summary_text", "text": "Look closer."}]
    assert out["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {
                    "type": "input_image",
                    "image_url": f"data:image/png;base64,{PNG}",
                    "detail": "auto",
                },
            ],
        },
        reasoning,
        {"type": "message", "role": "assistant", "content": "Checking."},
        {"type": "function_call", "call_id": "call_9", "name": "zoom", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_9", "output": "a cat"},
    ]
    assert out["tools"] == [
        {"type": "function", "name": "zoom", "parameters": {"type": "object"}, "strict": False}
    ]
    assert out["tool_choice"] == {"type": "function", "name": "zoom"}
    assert out["reasoning"] == {"effort": "medium", "summary": "auto"}
    assert out["include"] == ["reasoning.encrypted_content"]
    assert out["store"] is False
    assert out["max_output_tokens"] == 300
    assert out["text"] == {"format": {"type": "json_object"}}
    assert "stop" not in out


def test_foreign_signatures_are_not_sent_to_openai() -> None:
    ir = RequestIR(
        model="gpt-5",
        messages=[
            Message("user", [TextPart("q")]),
            Message(
                "assistant",
                [
                    ThinkingPart("claude thought", "EqQBCkYIBxgC"),
                    RedactedThinkingPart("EmwK"),
                    ThinkingPart("plain thought"),
                    TextPart("a"),
                ],
            ),
        ],
    )
    out = write_request(ir)
    _validate(out)
    assert out["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q"}]},
        {"type": "message", "role": "assistant", "content": "a"},
    ]
    assert "include" not in out
    assert out["instructions"] == ""


def test_reasoning_item_ids_are_kept() -> None:
    body = {
        "model": "m",
        "input": [{"type": "reasoning", "id": "rs_abc", "summary": [], "encrypted_content": ENC}],
    }
    out = write_request(read_request(body))
    assert out["input"] == [
        {"type": "reasoning", "id": "rs_abc", "summary": [], "encrypted_content": ENC}
    ]
    assert out["include"] == ["reasoning.encrypted_content"]


@pytest.mark.parametrize(
    ("reasoning", "written"),
    [
        (Reasoning(disabled=True), {"effort": "none"}),
        (Reasoning(effort="max"), {"effort": "xhigh", "summary": "auto"}),
        (Reasoning(budget=20000), {"effort": "high", "summary": "auto"}),
        (Reasoning(effort="auto", summary="detailed"), {"summary": "detailed"}),
    ],
)
def test_reasoning_is_written(reasoning: Reasoning, written: dict[str, Any]) -> None:
    out = write_request(RequestIR(model="m", messages=[], reasoning=reasoning))
    assert out["reasoning"] == written
    assert ("include" in out) is (not reasoning.disabled)


def test_anthropic_thinking_budget_becomes_effort() -> None:
    body = {
        "model": "gpt-5",
        "max_tokens": 5000,
        "thinking": {"type": "enabled", "budget_tokens": 4000},
        "messages": [{"role": "user", "content": "hi"}],
    }
    out = convert_request(body, source=Format.ANTHROPIC, target=Format.OPENAI_RESPONSES)
    _validate(out)
    assert out["reasoning"] == {"effort": "medium", "summary": "auto"}


def test_tool_results_with_images_are_output_lists() -> None:
    ir = RequestIR(
        model="m",
        messages=[
            Message("assistant", [ToolCallPart("c", "shot", args={})]),
            Message(
                "user",
                [
                    ToolResultPart("c", [TextPart("see"), ImagePart("image/png", data=PNG)]),
                    TextPart("ok?"),
                ],
            ),
        ],
    )
    out = write_request(ir)
    _validate(out)
    assert out["input"][1:] == [
        {
            "type": "function_call_output",
            "call_id": "c",
            "output": [
                {"type": "input_text", "text": "see"},
                {
                    "type": "input_image",
                    "image_url": f"data:image/png;base64,{PNG}",
                    "detail": "auto",
                },
            ],
        },
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "ok?"}]},
    ]


# --- responses ---------------------------------------------------------------------------


def _response(output: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1700000000,
        "status": "completed",
        "model": "gpt-5",
        "output": output,
        **extra,
    }


def test_response_items_are_read() -> None:
    ir = read_response(
        _response(
            [
                {
                    "type": "reasoning",
                    "id": "rs_1",
                    "summary": [
                        {"type": "summary_text", "text": "a"},
                        {"type": "summary_text", "text": "b"},
                    ],
                    "encrypted_content": ENC,
                },
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "content": [
                        {"type": "output_text", "text": "Hi", "annotations": []},
                        {"type": "refusal", "refusal": "no"},
                    ],
                },
                {"type": "web_search_call", "id": "ws_1", "status": "completed"},
                {
                    "type": "function_call",
                    "id": "fc_1",
                    "call_id": "call_1",
                    "name": "f",
                    "arguments": '{"a":1}',
                },
            ],
            usage={
                "input_tokens": 100,
                "input_tokens_details": {"cached_tokens": 40},
                "output_tokens": 30,
                "output_tokens_details": {"reasoning_tokens": 20},
                "total_tokens": 130,
            },
        )
    )
    assert ir.parts == [
        ThinkingPart("a\n\nb", ENC),
        TextPart("Hi"),
        TextPart("no"),
        ToolCallPart("call_1", "f", args={"a": 1}),
    ]
    assert (ir.id, ir.model, ir.created, ir.finish_reason) == (
        "resp_1",
        "gpt-5",
        1700000000,
        "tool_calls",
    )
    assert ir.usage == Usage(100, 30, 40, 0, 20)
    chat = convert_response(
        _response(
            [],
            usage={
                "input_tokens": 100,
                "input_tokens_details": {"cached_tokens": 40},
                "output_tokens": 30,
                "output_tokens_details": {"reasoning_tokens": 20},
            },
        ),
        source=Format.OPENAI_RESPONSES,
        target=Format.OPENAI,
    )
    assert chat["usage"]["prompt_tokens_details"]["cached_tokens"] == 40
    assert chat["usage"]["completion_tokens_details"]["reasoning_tokens"] == 20


@pytest.mark.parametrize(
    ("extra", "finish"),
    [
        ({"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}, "length"),
        (
            {"status": "incomplete", "incomplete_details": {"reason": "content_filter"}},
            "content_filter",
        ),
        ({"status": "incomplete"}, "length"),
        ({}, "stop"),
    ],
)
def test_incomplete_responses_map_to_finish_reasons(extra: dict[str, Any], finish: str) -> None:
    assert read_response(_response([], **extra)).finish_reason == finish


def test_a_completed_event_is_accepted_whole() -> None:
    event = {"type": "response.completed", "response": _response([])}
    assert read_response(event).id == "resp_1"


def test_max_tokens_is_written_as_incomplete() -> None:
    out = write_response(
        ResponseIR(
            id="chatcmpl-9", model="m", parts=[TextPart("cut")], finish_reason="length", created=5
        )
    )
    Response.model_validate(out)
    assert (out["id"], out["status"], out["incomplete_details"], out["created_at"]) == (
        "resp_9",
        "incomplete",
        {"reason": "max_output_tokens"},
        5,
    )
    claude = convert_response(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "c",
            "content": [{"type": "text", "text": "x"}],
            "stop_reason": "max_tokens",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 2},
        },
        source=Format.ANTHROPIC,
        target=Format.OPENAI_RESPONSES,
    )
    assert claude["status"] == "incomplete"
    assert read_response(claude).finish_reason == "length"


def test_response_usage_and_items_are_written() -> None:
    ir = ResponseIR(
        id="resp_x",
        model="m",
        parts=[
            ThinkingPart("t", ENC, "rs_7"),
            TextPart("a"),
            TextPart("b"),
            ToolCallPart("call_1", "f", args={}),
            TextPart("c"),
        ],
        finish_reason="tool_calls",
        usage=Usage(10, 8, 2, 1, 3),
    )

    out = write_response(ir)
    Response.model_validate(out)
    kinds = [(i["type"], i.get("id", "")[:3]) for i in out["output"]]
    assert kinds == [
        ("reasoning", "rs_"),
        ("message", "msg"),
        ("function_call", "fc_"),
        ("message", "msg"),
    ]
    assert out["output"][0]["id"] == "rs_7"
    assert out["output"][1]["content"] == [{"type": "output_text", "text": "ab", "annotations": []}]
    assert out["output"][2]["call_id"] == "call_1"
    assert out["usage"] == {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 2, "cache_write_tokens": 1},
        "output_tokens": 8,
        "output_tokens_details": {"reasoning_tokens": 3},
        "total_tokens": 18,
    }
    # ids are derived, not random: the same response is written the same way twice
    assert write_response(ir)["output"] == out["output"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"output": {}}, "output"),
        ({"output": [1]}, "output[0]"),
        ({"output": [{"type": "function_call", "name": "f"}]}, "output[0].call_id"),
        (
            {"output": [{"type": "message", "content": [{"type": "output_text"}]}]},
            "output[0].content[0].text",
        ),
    ],
)
def test_malformed_responses_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        read_response(body)
    assert info.value.field == field


# --- properties ------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
_name = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_ident = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
_enc = st.builds(lambda s: "gAAAAA" + s, _ident)
_args = st.dictionaries(_name, st.one_of(st.integers(-5, 5), _text, st.booleans()), max_size=3)
_schema = st.builds(
    lambda props: {"type": "object", "properties": {k: {"type": "string"} for k in props}},
    st.lists(_name, max_size=3),
)
_image = st.builds(
    lambda detail, url: (
        ImagePart("image/png", data=PNG, detail=detail)
        if url is None
        else ImagePart(url=f"https://x.test/{url}.png", detail=detail)
    ),
    st.sampled_from(["auto", "low", "high"]),
    st.none() | _name,
)


@st.composite
def conversations(draw: st.DrawFn) -> list[Message]:
    messages: list[Message] = []
    open_calls: list[ToolCallPart] = []
    for turn in range(draw(st.integers(1, 4))):
        user: list[Part] = [
            ToolResultPart(c.id, [TextPart(draw(_text))], name=c.name) for c in open_calls
        ]
        user += draw(
            st.lists(
                st.one_of(st.builds(TextPart, _text), _image), min_size=0 if user else 1, max_size=3
            )
        )
        messages.append(Message("user", user))
        assistant: list[Part] = []
        if draw(st.booleans()):
            assistant.append(
                ThinkingPart(draw(st.just("") | _text), draw(_enc), draw(st.none() | _ident))
            )
        if draw(st.booleans()):
            assistant.append(TextPart(draw(_text)))
        open_calls = [
            ToolCallPart(f"call_{turn}_{k}", draw(_name), args=draw(_args))
            for k in range(draw(st.integers(0, 2)))
        ]
        assistant += open_calls
        if not assistant:
            break
        messages.append(Message("assistant", assistant))
    return messages


@st.composite
def requests(draw: st.DrawFn) -> RequestIR:
    tools = [
        Tool(n, draw(st.none() | _text), draw(_schema), draw(st.booleans()))
        for n in draw(st.lists(_name, max_size=3, unique=True))
    ]
    return RequestIR(
        model="gpt-5",
        messages=draw(conversations()),
        system=draw(st.lists(st.builds(TextPart, _text), max_size=1)),
        tools=tools,
        tool_choice=draw(
            st.none()
            | st.sampled_from([ToolChoice("auto"), ToolChoice("required"), ToolChoice("none")])
            | st.builds(lambda n: ToolChoice("tool", n), _name)
        ),
        parallel_tool_calls=draw(st.none() | st.booleans()),
        max_tokens=draw(st.none() | st.integers(1, 10**6)),
        temperature=draw(st.none() | st.floats(0, 2)),
        top_p=draw(st.none() | st.floats(0, 1)),
        stream=draw(st.none() | st.booleans()),
        user=draw(st.none() | _ident),
        response_format=draw(
            st.none()
            | st.sampled_from([ResponseFormat("json_object"), ResponseFormat("text")])
            | st.builds(
                lambda name, schema, strict, description: ResponseFormat(
                    "json_schema", name=name, schema=schema, strict=strict, description=description
                ),
                _name,
                _schema,
                st.none() | st.booleans(),
                st.none() | _text,
            )
        ),
        reasoning=draw(
            st.none()
            | st.just(Reasoning(disabled=True))
            | st.builds(
                lambda e, s: Reasoning(effort=e, summary=s),
                st.sampled_from(["minimal", "low", "medium", "high", "xhigh"]),
                st.sampled_from(["auto", "concise", "detailed"]),
            )
        ),
    )


def _normalized(messages: list[Message]) -> list[Message]:
    """One message per turn, neighbouring texts joined: the shapes Responses cannot tell apart."""
    out: list[Message] = []
    for message in merge_same_role(messages):
        parts: list[Part] = []
        for part in message.parts:
            if (
                isinstance(part, TextPart)
                and message.role == "assistant"
                and parts
                and isinstance(parts[-1], TextPart)
            ):
                parts[-1] = TextPart(parts[-1].text + part.text)
            else:
                parts.append(part)
        out.append(Message(message.role, parts))
    return out


@given(requests())
def test_responses_request_round_trip(ir: RequestIR) -> None:
    body = write_request(ir)
    _validate(body)
    back = read_request(body)
    assert _normalized(back.messages) == _normalized(ir.messages)
    assert replace(back, messages=[]) == replace(ir, messages=[])
    ids = [reasoning_id(p) for m in ir.messages for p in m.parts if isinstance(p, ThinkingPart)]
    assert ids == [p.id for m in back.messages for p in m.parts if isinstance(p, ThinkingPart)]
    assert write_request(back) == body


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    parts: list[Part] = []
    for _ in range(draw(st.integers(0, 4))):
        parts.append(
            draw(
                st.one_of(
                    st.builds(ThinkingPart, _text, st.none() | _ident),
                    st.builds(RedactedThinkingPart, _ident),
                    st.builds(TextPart, _text),
                    st.builds(
                        lambda i, n, a: ToolCallPart(f"call_{i}", n, args=a), _ident, _name, _args
                    ),
                )
            )
        )
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, TextPart) and merged and isinstance(merged[-1], TextPart):
            merged[-1] = TextPart(merged[-1].text + part.text)
        else:
            merged.append(part)
    has_calls = any(isinstance(p, ToolCallPart) for p in merged)
    finish = draw(
        st.sampled_from(["length", "content_filter", "tool_calls" if has_calls else "stop"])
    )
    usage = draw(
        st.none()
        | st.builds(
            Usage,
            st.integers(0, 999),
            st.integers(0, 999),
            st.integers(0, 9),
            st.integers(0, 9),
            st.integers(0, 9),
        )
    )
    return ResponseIR(
        id="resp_" + draw(_ident),
        model="gpt-5",
        parts=merged,
        finish_reason=finish,
        usage=usage,
        created=draw(st.integers(0, 2**31)),
    )


@given(responses())
def test_responses_response_round_trip(ir: ResponseIR) -> None:
    body = write_response(ir)
    Response.model_validate(body)
    assert read_response(body) == ir
    assert write_response(read_response(body)) == body
