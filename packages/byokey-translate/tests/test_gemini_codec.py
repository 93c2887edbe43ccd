"""The Gemini ``generateContent`` codec: requests and responses, read and written.

Unit tests pin the decisions of spec §12–16 as fixed here (ids that match,
``required`` → ``ANY``, schemas Gemini accepts, thought signatures kept);
property tests check that whatever the canonical form can say in Gemini
comes back unchanged, and that OpenAI → Gemini → OpenAI keeps text, images,
tool calls with their ids and thinking with its signature.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_translate import Format, convert_request, convert_response
from byokey_translate._gemini import (
    clean_schema,
    read_request,
    read_response,
    write_request,
    write_response,
)
from byokey_translate._ir import (
    DocumentPart,
    ImagePart,
    Message,
    Part,
    Reasoning,
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
from byokey_translate._openai_chat import read_request as read_chat_request
from byokey_types.errors import InvalidRequest

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAgh0VAAAAAElFTkSuQmCC"


def _body(contents: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"model": "gemini-2.5-pro", "contents": contents, **extra}


# --- reading requests ------------------------------------------------------------------


def test_parts_of_every_kind_are_read() -> None:
    ir = read_request(
        _body(
            [
                {
                    "role": "user",
                    "parts": [
                        {"text": "look"},
                        {"inlineData": {"mimeType": "image/png", "data": PNG}},
                        {"fileData": {"mimeType": "image/jpeg", "fileUri": "gs://b/cat.jpg"}},
                        {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://b/doc.pdf"}},
                        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
                        {"executableCode": {"language": "PYTHON", "code": "1"}},
                    ],
                }
            ],
            systemInstruction={"parts": [{"text": "Be brief."}, {"text": "Be kind."}]},
        )
    )
    assert ir.model == "gemini-2.5-pro"
    assert ir.system == [TextPart("Be brief."), TextPart("Be kind.")]
    assert ir.messages == [
        Message(
            "user",
            [
                TextPart("look"),
                ImagePart("image/png", data=PNG),
                ImagePart("image/jpeg", url="gs://b/cat.jpg"),
                DocumentPart("application/pdf", url="gs://b/doc.pdf"),
                DocumentPart("application/pdf", data="JVBERi0="),
            ],
        )
    ]


def test_calls_without_ids_get_stable_ids_that_their_responses_share() -> None:
    body = _body(
        [
            {"role": "user", "parts": [{"text": "weather in two cities"}]},
            {
                "role": "model",
                "parts": [
                    {"functionCall": {"name": "weather", "args": {"city": "Paris"}}},
                    {"functionCall": {"name": "weather", "args": {"city": "Rome"}}},
                    {"functionCall": {"name": "time", "args": {}}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "time", "response": {"result": "noon"}}},
                    {"functionResponse": {"name": "weather", "response": {"result": "sun"}}},
                    {"functionResponse": {"name": "weather", "response": {"result": "rain"}}},
                ],
            },
        ]
    )
    ir = read_request(body)
    calls = [p for p in ir.messages[1].parts if isinstance(p, ToolCallPart)]
    results = [p for p in ir.messages[2].parts if isinstance(p, ToolResultPart)]
    assert len({c.id for c in calls}) == 3
    by_id = {c.id: c for c in calls}
    assert [(by_id[r.id].name, r.name, r.text()) for r in results] == [
        ("time", "time", "noon"),
        ("weather", "weather", "sun"),
        ("weather", "weather", "rain"),
    ]
    assert by_id[results[1].id].args == {"city": "Paris"}
    # a pure function of the body: the same request gives the same ids
    assert [c.id for c in read_request(body).messages[1].parts if isinstance(c, ToolCallPart)] == [
        c.id for c in calls
    ]


def test_ids_given_by_gemini_are_kept() -> None:
    ir = read_request(
        _body(
            [
                {"role": "model", "parts": [{"functionCall": {"id": "fc-9", "name": "f"}}]},
                {
                    "role": "user",
                    "parts": [{"functionResponse": {"id": "fc-9", "name": "f", "response": {}}}],
                },
            ]
        )
    )
    assert ir.messages[0].parts == [ToolCallPart("fc-9", "f", args={})]
    assert ir.messages[1].parts == [ToolResultPart("fc-9", [TextPart("{}")], name="f")]


def test_structured_and_error_function_responses() -> None:
    ir = read_request(
        _body(
            [
                {"role": "model", "parts": [{"functionCall": {"id": "a", "name": "f"}}]},
                {
                    "role": "user",
                    "parts": [
                        {"functionResponse": {"id": "a", "name": "f", "response": {"t": 20}}},
                        {"functionResponse": {"id": "b", "name": "g", "response": {"error": "x"}}},
                    ],
                },
            ]
        )
    )
    first, second = ir.messages[1].parts
    assert isinstance(first, ToolResultPart)
    assert isinstance(second, ToolResultPart)
    assert (first.text(), first.is_error) == ('{"t":20}', False)
    assert (second.text(), second.is_error) == ("x", True)


def test_thoughts_and_signatures_are_read() -> None:
    ir = read_request(
        _body(
            [
                {
                    "role": "model",
                    "parts": [
                        {"text": "pondering", "thought": True, "thoughtSignature": "sig-a"},
                        {"text": "Let me call."},
                        {"functionCall": {"id": "c1", "name": "f"}, "thoughtSignature": "sig-b"},
                    ],
                }
            ]
        )
    )
    assert ir.messages[0].parts == [
        ThinkingPart("pondering", "sig-a"),
        TextPart("Let me call."),
        ThinkingPart("", "sig-b"),
        ToolCallPart("c1", "f", args={}),
    ]


def test_generation_config_tools_and_tool_config_are_read() -> None:
    ir = read_request(
        _body(
            [{"role": "user", "parts": [{"text": "hi"}]}],
            tools=[
                {
                    "functionDeclarations": [
                        {
                            "name": "f",
                            "description": "d",
                            "parameters": {
                                "type": "OBJECT",
                                "properties": {"a": {"type": "STRING", "nullable": True}},
                            },
                        },
                        {"name": "g", "parametersJsonSchema": {"type": "object", "x-y": 1}},
                    ]
                },
                {"googleSearch": {}},
            ],
            toolConfig={"functionCallingConfig": {"mode": "ANY"}},
            generationConfig={
                "maxOutputTokens": 100,
                "temperature": 0.2,
                "topP": 0.9,
                "topK": 40,
                "stopSequences": ["X"],
                "seed": 7,
                "responseMimeType": "application/json",
                "responseSchema": {"type": "OBJECT", "properties": {"n": {"type": "INTEGER"}}},
                "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True},
            },
        )
    )
    assert ir.tools == [
        Tool(
            "f",
            "d",
            {"type": "object", "properties": {"a": {"type": ["string", "null"]}}},
        ),
        Tool("g", None, {"type": "object", "x-y": 1}),
    ]
    assert ir.tool_choice == ToolChoice("required")
    assert (ir.max_tokens, ir.temperature, ir.top_p, ir.top_k, ir.stop, ir.seed) == (
        100,
        0.2,
        0.9,
        40,
        ["X"],
        7,
    )
    assert ir.response_format == ResponseFormat(
        "json_schema",
        name="response",
        schema={"type": "object", "properties": {"n": {"type": "integer"}}},
    )
    assert ir.reasoning == Reasoning(budget=2048)


@pytest.mark.parametrize(
    ("config", "choice"),
    [
        ({"mode": "AUTO"}, ToolChoice("auto")),
        ({"mode": "NONE"}, ToolChoice("none")),
        ({"mode": "ANY"}, ToolChoice("required")),
        ({"mode": "ANY", "allowedFunctionNames": ["f"]}, ToolChoice("tool", "f")),
        ({"mode": "ANY", "allowedFunctionNames": ["f", "g"]}, ToolChoice("required")),
    ],
)
def test_function_calling_modes(config: dict[str, Any], choice: ToolChoice) -> None:
    ir = read_request(_body([], toolConfig={"functionCallingConfig": config}))
    assert ir.tool_choice == choice


@pytest.mark.parametrize(
    ("thinking", "reasoning"),
    [
        ({"thinkingBudget": 0}, Reasoning(disabled=True)),
        ({"thinkingBudget": -1}, Reasoning(effort="auto")),
        ({"thinkingLevel": "HIGH"}, Reasoning(effort="high")),
        ({"includeThoughts": True}, Reasoning(effort="auto")),
        ({"includeThoughts": False}, None),
    ],
)
def test_thinking_config_is_read(thinking: dict[str, Any], reasoning: Reasoning | None) -> None:
    ir = read_request(_body([], generationConfig={"thinkingConfig": thinking}))
    assert ir.reasoning == reasoning


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"contents": "hi"}, "contents"),
        ({"contents": ["hi"]}, "contents[0]"),
        ({"contents": [{"role": "user"}]}, "contents[0].parts"),
        ({"contents": [{"parts": [{"text": 3}]}]}, "contents[0].parts[0].text"),
        (
            {"contents": [{"parts": [{"functionCall": {"args": {}}}]}]},
            "contents[0].parts[0].functionCall.name",
        ),
        (
            {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png"}}]}]},
            "contents[0].parts[0].inlineData.data",
        ),
        (
            {"contents": [], "tools": [{"functionDeclarations": [{}]}]},
            "tools[0].functionDeclarations[0].name",
        ),
        ({"contents": [], "systemInstruction": {"parts": "x"}}, "systemInstruction.parts"),
    ],
)
def test_malformed_requests_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        read_request(body)
    assert info.value.field == field
    assert str(info.value).startswith(f"invalid request: {field}: ")


# --- writing requests ------------------------------------------------------------------


def test_schemas_are_cleaned_of_what_gemini_rejects() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "url": {"type": "string", "format": "uri"},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": ["array", "null"], "items": {"$ref": "#/$defs/tag"}},
            "kind": {"const": "a"},
            "choice": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "opts": {"type": "object", "properties": {}},
        },
        "required": ["url", "missing"],
        "$defs": {"tag": {"type": "string", "enum": ["x", "y"], "minLength": 1}},
    }
    assert clean_schema(schema) == {
        "type": "object",
        "properties": {
            "url": {"type": "string"},
            "when": {"type": "string", "format": "date-time"},
            "tags": {
                "type": "array",
                "nullable": True,
                "items": {"type": "string", "enum": ["x", "y"], "minLength": 1},
            },
            "kind": {"type": "string", "enum": ["a"]},
            "choice": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
            "opts": {"type": "object"},
        },
        "required": ["url"],
    }
    assert "additionalProperties" in schema  # the input is not mutated


def test_recursive_refs_end_in_an_open_object() -> None:
    schema = {
        "type": "object",
        "properties": {"node": {"$ref": "#/$defs/node"}},
        "$defs": {"node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/node"}}}},
    }
    cleaned = clean_schema(schema)
    depth = 0
    node = cleaned["properties"]["node"]
    while "properties" in node:
        node = node["properties"]["next"]
        depth += 1
    assert node == {"type": "object"}
    assert depth == 8


def _ir(messages: list[Message], **extra: Any) -> RequestIR:
    return RequestIR(model="gemini-2.5-pro", messages=messages, **extra)


def test_tool_results_name_their_call_and_open_the_user_turn() -> None:
    body = convert_request(
        {
            "model": "gemini-2.5-pro",
            "messages": [
                {"role": "system", "content": "s1"},
                {"role": "developer", "content": "s2"},
                {"role": "user", "content": "go"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "a", "arguments": "{}"},
                        },
                        {
                            "id": "c2",
                            "type": "function",
                            "function": {"name": "b", "arguments": '{"x":1}'},
                        },
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "one"},
                {"role": "tool", "tool_call_id": "c2", "content": '{"ok": true}'},
                {"role": "user", "content": "and now?"},
            ],
            "tool_choice": "required",
        },
        source=Format.OPENAI,
        target=Format.GEMINI,
    )
    assert body["systemInstruction"] == {"parts": [{"text": "s1"}, {"text": "s2"}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "go"}]},
        {
            "role": "model",
            "parts": [
                {"functionCall": {"id": "c1", "name": "a", "args": {}}},
                {"functionCall": {"id": "c2", "name": "b", "args": {"x": 1}}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"id": "c1", "name": "a", "response": {"result": "one"}}},
                {"functionResponse": {"id": "c2", "name": "b", "response": {"ok": True}}},
                {"text": "and now?"},
            ],
        },
    ]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}


def test_images_documents_and_errors_are_written() -> None:
    out = write_request(
        _ir(
            [
                Message(
                    "user",
                    [
                        ImagePart("image/png", data=PNG),
                        ImagePart(url="https://example.com/a.jpg"),
                        DocumentPart("application/pdf", data="JVBERi0="),
                        DocumentPart(text="inline notes"),
                        TextPart(""),
                    ],
                ),
                Message("assistant", [ToolCallPart("c", "f", args_json='{"q": 1}')]),
                Message(
                    "user",
                    [
                        ToolResultPart(
                            "c", [TextPart("boom"), ImagePart("image/png", data=PNG)], is_error=True
                        )
                    ],
                ),
            ]
        )
    )
    assert out["contents"][0]["parts"] == [
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
        {"fileData": {"fileUri": "https://example.com/a.jpg", "mimeType": "image/jpeg"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
        {"text": "inline notes"},
    ]
    assert out["contents"][2]["parts"] == [
        {"functionResponse": {"id": "c", "name": "f", "response": {"error": "boom"}}},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
    ]


def test_signatures_attach_to_the_next_call_of_the_turn() -> None:
    # OpenAI's format moves thinking to the front of the turn; the signature
    # must still land on the functionCall, where Gemini 3 requires it.
    out = write_request(
        _ir(
            [
                Message(
                    "assistant",
                    [
                        ThinkingPart("why", "sig-a"),
                        ThinkingPart("", "sig-b"),
                        TextPart("Calling."),
                        ToolCallPart("c1", "f", args={}),
                        ToolCallPart("c2", "f", args={}),
                    ],
                ),
                Message("assistant", [ThinkingPart("", "sig-c"), TextPart("Done.")]),
            ]
        )
    )
    assert out["contents"] == [
        {
            "role": "model",
            "parts": [
                {"text": "why", "thought": True, "thoughtSignature": "sig-a"},
                {"text": "Calling."},
                {
                    "functionCall": {"id": "c1", "name": "f", "args": {}},
                    "thoughtSignature": "sig-b",
                },
                {"functionCall": {"id": "c2", "name": "f", "args": {}}},
                {"text": "Done.", "thoughtSignature": "sig-c"},
            ],
        }
    ]


def test_a_lone_signature_is_kept_as_an_empty_thought() -> None:
    out = write_request(_ir([Message("assistant", [TextPart("x"), ThinkingPart("", "sig")])]))
    assert out["contents"][0]["parts"] == [
        {"text": "x"},
        {"text": "", "thought": True, "thoughtSignature": "sig"},
    ]


def test_generation_config_and_structured_output_are_written() -> None:
    out = write_request(
        _ir(
            [Message("user", [TextPart("hi")])],
            tools=[Tool("noargs", "d", {"type": "object", "properties": {}}), Tool("bare")],
            tool_choice=ToolChoice("tool", "noargs"),
            max_tokens=64,
            temperature=0.0,
            top_p=0.5,
            top_k=3,
            stop=["END"],
            seed=1,
            presence_penalty=0.1,
            frequency_penalty=0.2,
            stream=True,
            response_format=ResponseFormat(
                "json_schema",
                name="x",
                schema={
                    "type": "object",
                    "properties": {"a": {"type": "string"}},
                    "additionalProperties": False,
                },
            ),
        )
    )
    assert out["tools"] == [
        {"functionDeclarations": [{"name": "noargs", "description": "d"}, {"name": "bare"}]}
    ]
    assert out["toolConfig"] == {
        "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["noargs"]}
    }
    assert out["generationConfig"] == {
        "maxOutputTokens": 64,
        "temperature": 0.0,
        "topP": 0.5,
        "topK": 3,
        "seed": 1,
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.2,
        "stopSequences": ["END"],
        "responseMimeType": "application/json",
        "responseSchema": {"type": "object", "properties": {"a": {"type": "string"}}},
    }
    assert (out["model"], out["stream"]) == ("gemini-2.5-pro", True)


@pytest.mark.parametrize(
    ("model", "reasoning", "thinking"),
    [
        (
            "gemini-2.5-pro",
            Reasoning(budget=2048),
            {"thinkingBudget": 2048, "includeThoughts": True},
        ),
        ("gemini-2.5-pro", Reasoning(disabled=True), {"thinkingBudget": 0}),
        (
            "gemini-2.5-pro",
            Reasoning(effort="auto"),
            {"thinkingBudget": -1, "includeThoughts": True},
        ),
        (
            "gemini-2.5-pro",
            Reasoning(effort="high"),
            {"thinkingBudget": 24576, "includeThoughts": True},
        ),
        (
            "gemini-3-pro-preview",
            Reasoning(effort="low"),
            {"thinkingLevel": "low", "includeThoughts": True},
        ),
        (
            "gemini-3-pro-preview",
            Reasoning(effort="xhigh"),
            {"thinkingLevel": "high", "includeThoughts": True},
        ),
        (
            "gemini-3-pro-preview",
            Reasoning(budget=900),
            {"thinkingBudget": 900, "includeThoughts": True},
        ),
    ],
)
def test_reasoning_is_written(model: str, reasoning: Reasoning, thinking: dict[str, Any]) -> None:
    ir = RequestIR(model=model, messages=[], reasoning=reasoning, max_tokens=10)
    out = write_request(ir)
    assert out["generationConfig"] == {"maxOutputTokens": 10, "thinkingConfig": thinking}


def test_openai_reasoning_effort_reaches_gemini() -> None:
    body = {"model": "gemini-2.5-flash", "messages": [], "reasoning_effort": "low"}
    out = convert_request(body, source=Format.OPENAI, target=Format.GEMINI)
    assert out["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 1024,
        "includeThoughts": True,
    }


# --- responses ---------------------------------------------------------------------------


def _reply(parts: list[dict[str, Any]], reason: str = "STOP", **extra: Any) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": reason}],
        **extra,
    }


def test_response_usage_counts_thoughts_as_output() -> None:
    ir = read_response(
        _reply(
            [{"text": "hm", "thought": True}, {"text": "Hi"}],
            usageMetadata={
                "promptTokenCount": 100,
                "candidatesTokenCount": 5,
                "cachedContentTokenCount": 60,
                "thoughtsTokenCount": 20,
                "totalTokenCount": 125,
            },
            responseId="abc",
            modelVersion="gemini-2.5-pro-002",
            createTime="2025-01-01T00:00:00.5Z",
        )
    )
    assert ir.parts == [ThinkingPart("hm"), TextPart("Hi")]
    assert ir.usage == Usage(100, 25, 60, 0, 20)
    assert (ir.id, ir.model, ir.created, ir.finish_reason) == (
        "abc",
        "gemini-2.5-pro-002",
        1735689600,
        "stop",
    )
    chat = convert_response(
        _reply(
            [{"text": "Hi"}],
            usageMetadata={
                "promptTokenCount": 100,
                "candidatesTokenCount": 5,
                "thoughtsTokenCount": 20,
                "cachedContentTokenCount": 60,
            },
        ),
        source=Format.GEMINI,
        target=Format.OPENAI,
    )
    assert chat["usage"]["completion_tokens"] == 25
    assert chat["usage"]["completion_tokens_details"] == {"reasoning_tokens": 20}
    assert chat["usage"]["prompt_tokens_details"]["cached_tokens"] == 60
    assert chat["id"] != "chatcmpl-gemini-2.5-pro"


@pytest.mark.parametrize(
    ("body", "finish"),
    [
        (_reply([{"text": "x"}], "MAX_TOKENS"), "length"),
        (_reply([{"text": "x"}], "max_tokens"), "length"),
        (_reply([], "SAFETY"), "content_filter"),
        (_reply([{"functionCall": {"name": "f"}}], "STOP"), "tool_calls"),
        (_reply([{"text": "x"}], "MALFORMED_FUNCTION_CALL"), "stop"),
        ({"promptFeedback": {"blockReason": "SAFETY"}}, "content_filter"),
        ({"candidates": [{"content": {"parts": [{"text": "x"}]}}]}, None),
    ],
)
def test_finish_reasons(body: dict[str, Any], finish: str | None) -> None:
    assert read_response(body).finish_reason == finish


def test_response_call_ids_are_derived_once_and_distinct() -> None:
    body = _reply(
        [
            {"functionCall": {"name": "f", "args": {"a": 1}}},
            {"functionCall": {"name": "f", "args": {"a": 1}}},
        ]
    )
    ids = [p.id for p in read_response(body).parts if isinstance(p, ToolCallPart)]
    assert len(set(ids)) == 2
    assert ids == [p.id for p in read_response(body).parts if isinstance(p, ToolCallPart)]
    chat = convert_response(body, source=Format.GEMINI, target=Format.OPENAI)
    assert [c["id"] for c in chat["choices"][0]["message"]["tool_calls"]] == ids


def test_response_is_written() -> None:
    out = write_response(
        ResponseIR(
            id="r1",
            model="gemini-2.5-pro",
            parts=[ThinkingPart("t", "s"), TextPart("a"), ToolCallPart("c", "f", args={"x": 1})],
            finish_reason="tool_calls",
            usage=Usage(10, 7, 4, 0, 3),
        )
    )
    assert out == {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "t", "thought": True, "thoughtSignature": "s"},
                        {"text": "a"},
                        {"functionCall": {"id": "c", "name": "f", "args": {"x": 1}}},
                    ],
                },
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "modelVersion": "gemini-2.5-pro",
        "responseId": "r1",
        "usageMetadata": {
            "promptTokenCount": 10,
            "candidatesTokenCount": 4,
            "totalTokenCount": 17,
            "cachedContentTokenCount": 4,
            "thoughtsTokenCount": 3,
        },
    }
    empty = write_response(ResponseIR(id="", model="m", parts=[], finish_reason="length"))
    assert empty["candidates"][0]["content"]["parts"] == [{"text": ""}]
    assert empty["candidates"][0]["finishReason"] == "MAX_TOKENS"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"candidates": {}}, "candidates"),
        ({"candidates": [3]}, "candidates[0]"),
        ({"candidates": [{"content": {"parts": {}}}]}, "candidates[0].content.parts"),
        (
            {"candidates": [{"content": {"parts": [{"functionCall": {}}]}}]},
            "candidates[0].content.parts[0].functionCall.name",
        ),
    ],
)
def test_malformed_responses_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        read_response(body)
    assert info.value.field == field


# --- properties ------------------------------------------------------------------------

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12
).filter(lambda s: not s.startswith("{"))
_name = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_ident = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
_args = st.dictionaries(_name, st.one_of(st.integers(-5, 5), _text, st.booleans()), max_size=3)
_schema = st.builds(
    lambda props: {
        "type": "object",
        "properties": {k: {"type": t} for k, t in props.items()},
        "required": sorted(props)[:1],
    },
    st.dictionaries(
        _name, st.sampled_from(["string", "integer", "number", "boolean"]), min_size=1, max_size=3
    ),
)
_image = st.one_of(
    st.builds(lambda: ImagePart("image/png", data=PNG)),
    st.builds(lambda n: ImagePart("image/png", url=f"https://example.com/{n}.png"), _name),
)


@st.composite
def conversations(draw: st.DrawFn) -> list[Message]:
    messages: list[Message] = []
    open_calls: list[ToolCallPart] = []
    for turn in range(draw(st.integers(1, 4))):
        user: list[Part] = [
            ToolResultPart(c.id, [TextPart(draw(_text))], name=c.name, is_error=draw(st.booleans()))
            for c in open_calls
        ]
        user += draw(
            st.lists(
                st.one_of(st.builds(TextPart, _text), _image), min_size=0 if user else 1, max_size=3
            )
        )
        messages.append(Message("user", user))
        assistant: list[Part] = []
        if draw(st.booleans()):
            assistant.append(ThinkingPart(draw(_text), draw(st.none() | _ident)))
        if draw(st.booleans()):
            assistant.append(TextPart(draw(_text)))
        open_calls = []
        for k in range(draw(st.integers(0, 2))):
            if k == 0 and draw(st.booleans()):
                assistant.append(ThinkingPart("", draw(_ident)))
            call = ToolCallPart(f"call_{turn}_{k}", draw(_name), args=draw(_args))
            open_calls.append(call)
            assistant.append(call)
        if assistant:
            messages.append(Message("assistant", assistant))
        else:
            open_calls = []
            break
    return messages


@st.composite
def requests(draw: st.DrawFn) -> RequestIR:
    tools = [
        Tool(n, draw(st.none() | _text), draw(_schema))
        for n in draw(st.lists(_name, max_size=3, unique=True))
    ]
    choice = draw(
        st.none()
        | st.sampled_from([ToolChoice("auto"), ToolChoice("required"), ToolChoice("none")])
        | (
            st.builds(lambda t: ToolChoice("tool", t.name), st.sampled_from(tools))
            if tools
            else st.none()
        )
    )
    return RequestIR(
        model="gemini-2.5-pro",
        messages=draw(conversations()),
        system=draw(st.lists(st.builds(TextPart, _text), max_size=2)),
        tools=tools,
        tool_choice=choice,
        max_tokens=draw(st.none() | st.integers(1, 10**6)),
        temperature=draw(st.none() | st.floats(0, 2)),
        top_p=draw(st.none() | st.floats(0, 1)),
        top_k=draw(st.none() | st.integers(1, 100)),
        stop=draw(st.none() | st.lists(_text, min_size=1, max_size=2)),
        seed=draw(st.none() | st.integers(0, 2**31)),
        presence_penalty=draw(st.none() | st.floats(-2, 2)),
        frequency_penalty=draw(st.none() | st.floats(-2, 2)),
        stream=draw(st.none() | st.booleans()),
        response_format=draw(
            st.none()
            | st.just(ResponseFormat("json_object"))
            | st.builds(lambda s: ResponseFormat("json_schema", name="response", schema=s), _schema)
        ),
        reasoning=draw(
            st.none()
            | st.builds(lambda b: Reasoning(budget=b), st.integers(1, 32768))
            | st.just(Reasoning(disabled=True))
            | st.just(Reasoning(effort="auto"))
        ),
    )


@given(requests())
def test_gemini_request_round_trip(ir: RequestIR) -> None:
    body = write_request(ir)
    assert read_request(body) == ir
    assert write_request(read_request(body)) == body


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    parts: list[Part] = []
    if draw(st.booleans()):
        parts.append(ThinkingPart(draw(_text), draw(st.none() | _ident)))
    if draw(st.booleans()):
        parts.append(TextPart(draw(_text)))
    calls = [
        ToolCallPart(f"call_{k}", draw(_name), args=draw(_args))
        for k in range(draw(st.integers(0, 2)))
    ]
    parts += calls
    finish = "tool_calls" if calls else draw(st.sampled_from(["stop", "length", "content_filter"]))
    thoughts = draw(st.integers(0, 50))
    usage = draw(
        st.none()
        | st.builds(
            lambda i, o, c: Usage(i, o + thoughts, c, 0, thoughts),
            st.integers(0, 1000),
            st.integers(0, 1000),
            st.integers(0, 10),
        )
    )
    return ResponseIR(
        id=draw(_ident), model="gemini-2.5-pro", parts=parts, finish_reason=finish, usage=usage
    )


@given(responses())
def test_gemini_response_round_trip(ir: ResponseIR) -> None:
    body = write_response(ir)
    assert read_response(body) == ir


def _chat_message(parts: list[Part], role: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": role}
    content: list[dict[str, Any]] = []
    for p in parts:
        if isinstance(p, TextPart):
            content.append({"type": "text", "text": p.text})
        elif isinstance(p, ImagePart):
            url = f"data:{p.media_type};base64,{p.data}" if p.data else p.url
            content.append({"type": "image_url", "image_url": {"url": url}})
    message["content"] = content if role == "user" else "".join(c["text"] for c in content)
    calls = [p for p in parts if isinstance(p, ToolCallPart)]
    if calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.args_json}}
            for c in calls
        ]
    thinking = [p for p in parts if isinstance(p, ThinkingPart) and p.text]
    if thinking:
        message["reasoning_content"] = thinking[0].text
        if thinking[0].signature:
            message["reasoning_signature"] = thinking[0].signature
    return message


@st.composite
def chat_requests(draw: st.DrawFn) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": draw(_text)}]
    for message in draw(conversations()):
        results = [p for p in message.parts if isinstance(p, ToolResultPart)]
        for r in results:
            messages.append({"role": "tool", "tool_call_id": r.id, "content": r.text()})
        rest = [p for p in message.parts if not isinstance(p, (ToolResultPart,))]
        rest = [p for p in rest if not (isinstance(p, ThinkingPart) and not p.text)]
        if message.role == "user":
            if rest:
                messages.append(_chat_message(rest, "user"))
        else:
            messages.append(_chat_message(rest, "assistant"))
    return {"model": "gemini-2.5-pro", "messages": messages}


def _conversation(ir: RequestIR) -> list[tuple[str, list[Any]]]:
    turns: list[tuple[str, list[Any]]] = []
    for message in ir.messages:
        items: list[Any] = []
        for p in message.parts:
            if isinstance(p, TextPart):
                # OpenAI's writer joins a text-only content into one string
                if items and items[-1][0] == "text":
                    items[-1] = ("text", items[-1][1] + p.text)
                else:
                    items.append(("text", p.text))
            elif isinstance(p, ImagePart):
                items.append(("image", p.data, p.url))
            elif isinstance(p, ToolCallPart):
                items.append(("call", p.id, p.name, p.args))
            elif isinstance(p, ToolResultPart):
                items.append(("result", p.id, p.text()))
            elif isinstance(p, ThinkingPart):
                items.append(("thinking", p.text, p.signature))
        if turns and turns[-1][0] == message.role:
            turns[-1][1].extend(items)
        else:
            turns.append((message.role, items))
    return turns


@given(chat_requests())
def test_openai_to_gemini_to_openai_keeps_the_conversation(body: dict[str, Any]) -> None:
    gemini = convert_request(body, source=Format.OPENAI, target=Format.GEMINI)
    back = convert_request(gemini, source=Format.GEMINI, target=Format.OPENAI)
    original, returned = read_chat_request(body), read_chat_request(back)
    assert _conversation(returned) == _conversation(original)
    assert [p.text for p in returned.system] == [p.text for p in original.system]
