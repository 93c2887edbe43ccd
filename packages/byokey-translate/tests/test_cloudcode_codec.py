"""The Code Assist envelope (Gemini CLI, Antigravity) around native Gemini bodies."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_translate import Format, convert_request, convert_response
from byokey_translate._gemini import write_request as write_gemini_request
from byokey_translate._gemini import write_response as write_gemini_response
from byokey_translate._gemini_cloudcode import (
    read_request,
    read_response,
    write_request,
    write_response,
)
from byokey_translate._ir import (
    Message,
    Part,
    Reasoning,
    RequestIR,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolResultPart,
    Usage,
)
from byokey_types.errors import InvalidRequest

GEMINI_BODY: dict[str, Any] = {
    "contents": [
        {"role": "user", "parts": [{"text": "list files"}]},
        {
            "role": "model",
            "parts": [
                {
                    "functionCall": {"name": "list_directory", "args": {"path": "."}},
                    "thoughtSignature": "CiQBsig",
                }
            ],
        },
        {
            "role": "user",
            "parts": [
                {
                    "functionResponse": {
                        "name": "list_directory",
                        "response": {"output": "a.txt"},
                    }
                }
            ],
        },
    ],
    "systemInstruction": {"role": "user", "parts": [{"text": "You are Gemini CLI."}]},
    "generationConfig": {"thinkingConfig": {"includeThoughts": True, "thinkingBudget": 8192}},
}
ENVELOPE: dict[str, Any] = {
    "model": "gemini-2.5-pro",
    "project": "useful-wave-12345",
    "user_prompt_id": "abc########1",
    "request": GEMINI_BODY,
}


def test_the_envelope_is_opened() -> None:
    ir = read_request(ENVELOPE)
    assert ir.model == "gemini-2.5-pro"
    assert ir.system == [TextPart("You are Gemini CLI.")]
    assert ir.reasoning == Reasoning(budget=8192)
    call = ir.messages[1].parts[1]
    result = ir.messages[2].parts[0]
    assert ir.messages[1].parts[0] == ThinkingPart("", "CiQBsig")
    assert isinstance(call, ToolCallPart)
    assert isinstance(result, ToolResultPart)
    assert (result.id, result.name, result.text()) == (call.id, "list_directory", "a.txt")


def test_the_envelope_model_wins_and_stream_rides_along() -> None:
    body = {
        "model": "models/gemini-2.5-flash",
        "stream": True,
        "request": {**GEMINI_BODY, "model": "x"},
    }
    ir = read_request(body)
    assert (ir.model, ir.stream) == ("gemini-2.5-flash", True)


def test_writing_closes_the_envelope_around_the_gemini_body() -> None:
    ir = read_request(ENVELOPE)
    out = write_request(ir)
    gemini = write_gemini_request(ir)
    assert out == {
        "model": "gemini-2.5-pro",
        "request": {k: v for k, v in gemini.items() if k != "model"},
    }
    assert "model" not in out["request"]
    streamed = write_request(RequestIR(model="m", messages=[], stream=True))
    assert (streamed["stream"], "stream" in streamed["request"]) == (True, False)


def test_claude_to_cloudcode_request() -> None:
    claude = {
        "model": "gemini-3-pro-preview",
        "max_tokens": 1000,
        "system": "Be brief.",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}],
            },
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "ok"}],
            },
        ],
    }
    out = convert_request(claude, source=Format.ANTHROPIC, target=Format.GEMINI_CLOUDCODE)
    assert out["model"] == "gemini-3-pro-preview"
    assert out["request"]["contents"][1:] == [
        {
            "role": "model",
            "parts": [{"functionCall": {"id": "toolu_1", "name": "f", "args": {"a": 1}}}],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"id": "toolu_1", "name": "f", "response": {"result": "ok"}}}
            ],
        },
    ]
    assert out["request"]["generationConfig"] == {"maxOutputTokens": 1000}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"model": "m"}, "request"),
        ({"model": "m", "request": []}, "request"),
        ({"model": "m", "request": {"contents": "x"}}, "request.contents"),
        (
            {"model": "m", "request": {"contents": [{"parts": [{"text": 1}]}]}},
            "request.contents[0].parts[0].text",
        ),
        ({"request": {"contents": []}}, "model"),
    ],
)
def test_malformed_envelopes_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        read_request(body)
    assert info.value.field == field
    assert str(info.value) == f"invalid request: {field}: {info.value.message.split(': ', 1)[1]}"


REPLY: dict[str, Any] = {
    "candidates": [
        {
            "content": {"role": "model", "parts": [{"text": "Hello"}]},
            "finishReason": "MAX_TOKENS",
        }
    ],
    "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1, "totalTokenCount": 5},
    "modelVersion": "gemini-2.5-pro",
    "responseId": "r-1",
}


@pytest.mark.parametrize(
    "body", [{"response": REPLY, "traceId": "t"}, REPLY], ids=["wrapped", "bare"]
)
def test_responses_are_read_wrapped_or_bare(body: dict[str, Any]) -> None:
    ir = read_response(body)
    assert (ir.parts, ir.finish_reason, ir.id) == ([TextPart("Hello")], "length", "r-1")
    assert ir.usage == Usage(4, 1)


def test_response_errors_are_under_response() -> None:
    with pytest.raises(InvalidRequest) as info:
        read_response({"response": {"candidates": [{"content": {"parts": 1}}]}})
    assert info.value.field == "response.candidates[0].content.parts"
    with pytest.raises(InvalidRequest) as info:
        read_response({"response": 1})
    assert info.value.field == "response"


def test_responses_are_wrapped() -> None:
    ir = ResponseIR(id="r", model="m", parts=[TextPart("x")], usage=Usage(1, 2))
    assert write_response(ir) == {"response": write_gemini_response(ir)}
    chat = convert_response(
        {"response": REPLY}, source=Format.GEMINI_CLOUDCODE, target=Format.OPENAI
    )
    assert chat["choices"][0]["finish_reason"] == "length"
    assert chat["choices"][0]["message"]["content"] == "Hello"


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10
).filter(lambda s: not s.startswith("{"))
_name = st.from_regex(r"[a-z][a-z_]{0,6}", fullmatch=True)


@st.composite
def requests(draw: st.DrawFn) -> RequestIR:
    messages: list[Message] = []
    for turn in range(draw(st.integers(1, 3))):
        calls = [
            ToolCallPart(f"c{turn}{k}", draw(_name), args={"q": draw(_text)})
            for k in range(draw(st.integers(0, 2)))
        ]
        prior = messages[-1].parts if messages else []
        answers: list[Part] = [
            ToolResultPart(p.id, [TextPart(draw(_text))], name=p.name)
            for p in prior
            if isinstance(p, ToolCallPart)
        ]
        messages.append(Message("user", [*answers, TextPart(draw(_text))]))
        reply: list[Part] = [TextPart(draw(_text))] if draw(st.booleans()) or not calls else []
        messages.append(Message("assistant", [*reply, *calls]))
    return RequestIR(
        model=draw(_name),
        messages=messages,
        system=draw(st.lists(st.builds(TextPart, _text), max_size=2)),
        max_tokens=draw(st.none() | st.integers(1, 9999)),
        stream=draw(st.none() | st.booleans()),
    )


@given(requests())
def test_cloudcode_request_round_trip(ir: RequestIR) -> None:
    body = write_request(ir)
    assert read_request(body) == ir
    as_gemini = convert_request(body, source=Format.GEMINI_CLOUDCODE, target=Format.GEMINI)
    assert convert_request(as_gemini, source=Format.GEMINI, target=Format.GEMINI_CLOUDCODE) == body


@given(
    st.builds(
        lambda text, calls, i, o: ResponseIR(
            id="r",
            model="gemini-2.5-pro",
            parts=[
                TextPart(text),
                *[ToolCallPart(f"call_{k}", n, args={}) for k, n in enumerate(calls)],
            ],
            finish_reason="tool_calls" if calls else "stop",
            usage=Usage(i, o),
        ),
        _text,
        st.lists(_name, max_size=2),
        st.integers(0, 999),
        st.integers(0, 999),
    )
)
def test_cloudcode_response_round_trip(ir: ResponseIR) -> None:
    assert read_response(write_response(ir)) == ir
