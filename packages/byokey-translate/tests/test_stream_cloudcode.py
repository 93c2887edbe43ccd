"""Gemini Code Assist streams: the Gemini stream inside ``{"response": …}``.

The envelope must change nothing but the envelope: the writer's events are
the Gemini writer's, wrapped; the reader reads wrapped and bare chunks alike;
and a stream folds into what the Code Assist codec reads from the same answer
unstreamed. Recorded-style Gemini CLI traffic is converted to OpenAI chat and
Anthropic, and an OpenAI chat stream to Code Assist.
"""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.types import RawMessageStreamEvent
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk
from pydantic import TypeAdapter

from byokey_translate import Format, StreamConverter
from byokey_translate import _gemini_cloudcode as cloudcode
from byokey_translate import _stream_gemini as gemini_stream
from byokey_translate._codecs import stream_module
from byokey_translate._ir import (
    FinishReason,
    Part,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from byokey_translate._stream_gemini_cloudcode import StreamReader, StreamWriter
from byokey_translate._stream_ir import StreamEvent, accumulate, events_of
from byokey_types.errors import UpstreamError

Frames = list[tuple[str | None, Any]]

# --- strategies: answers the Gemini format says exactly ----------------------------

texts = st.text(min_size=1, max_size=20)
names = st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True)
args = st.dictionaries(
    st.text(min_size=1, max_size=5),
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=6),
    max_size=3,
)


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    kinds = draw(st.lists(st.sampled_from(["text", "thinking", "call"]), max_size=6))
    parts: list[Part] = []
    for i, kind in enumerate(kinds):
        if kind == "text":
            if parts and isinstance(parts[-1], TextPart):
                continue  # adjacent texts are one part in Gemini
            parts.append(TextPart(draw(texts)))
        elif kind == "thinking":
            parts.append(
                ThinkingPart(
                    draw(texts), draw(st.from_regex(r"C[a-zA-Z0-9]{1,12}", fullmatch=True))
                )
            )
        else:
            parts.append(ToolCallPart(f"call_{i}", draw(names), args=draw(args)))
    has_calls = any(isinstance(p, ToolCallPart) for p in parts)
    finish: FinishReason = draw(st.sampled_from(["stop", "length", "content_filter"]))
    if finish == "stop" and has_calls:
        finish = "tool_calls"
    output = draw(st.integers(0, 10**5))
    usage = draw(
        st.none()
        | st.builds(
            Usage,
            st.integers(0, 10**5),
            st.just(output),
            st.integers(0, 10**4),
            st.just(0),
            st.integers(0, output),
        )
    )
    return ResponseIR(
        id=draw(st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True)),
        model=draw(names),
        parts=parts,
        finish_reason=finish,
        usage=usage,
    )


def write(events: list[StreamEvent], writer: gemini_stream.StreamWriter) -> Frames:
    frames: Frames = []
    for event in events:
        frames.extend(writer.feed(event))
    frames.extend(writer.finish())
    return frames


def read(frames: Frames, reader: gemini_stream.StreamReader) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return events


@given(responses(), st.integers(0, 5))
def test_the_envelope_changes_nothing_but_the_envelope(r: ResponseIR, chunk: int) -> None:
    events = events_of(r, chunk=chunk)
    wrapped = write(events, StreamWriter())
    bare = write(events, gemini_stream.StreamWriter())
    assert wrapped == [(None, {"response": data}) for _, data in bare]
    read_wrapped = read(wrapped, StreamReader())
    assert read_wrapped == read(bare, gemini_stream.StreamReader())
    assert read(bare, StreamReader()) == read_wrapped  # bare chunks are read too


@given(responses(), st.integers(0, 5))
def test_streamed_equals_unstreamed(r: ResponseIR, chunk: int) -> None:
    streamed = accumulate(read(write(events_of(r, chunk=chunk), StreamWriter()), StreamReader()))
    assert streamed == r
    assert streamed == cloudcode.read_response(cloudcode.write_response(r))


# --- recorded-style Gemini CLI traffic -----------------------------------------------

TRACE = "1a2b3c4d5e6f7a8b"


def envelope(parts: list[dict[str, Any]], **extra: Any) -> tuple[str | None, dict[str, Any]]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    if "finishReason" in extra:
        candidate["finishReason"] = extra.pop("finishReason")
    return (
        None,
        {
            "response": {
                "candidates": [candidate],
                "createTime": "2025-09-01T10:00:00.123456Z",
                "modelVersion": "gemini-2.5-flash",
                "responseId": "cc-resp-1",
                **extra,
            },
            "traceId": TRACE,
        },
    )


CODE_ASSIST_STREAM: Frames = [
    envelope(
        [{"text": "**Reading the file** Let me open it.", "thought": True}],
        usageMetadata={
            "promptTokenCount": 2048,
            "totalTokenCount": 2048,
            "trafficType": "ON_DEMAND",
        },
    ),
    envelope(
        [{"text": "The file defines", "thoughtSignature": "CmQBVKhc7w"}],
        usageMetadata={"promptTokenCount": 2048, "totalTokenCount": 2048},
    ),
    envelope([{"text": " two functions."}], usageMetadata={"promptTokenCount": 2048}),
    envelope(
        [{"text": ""}],
        finishReason="STOP",
        usageMetadata={
            "promptTokenCount": 2048,
            "candidatesTokenCount": 5,
            "thoughtsTokenCount": 40,
            "totalTokenCount": 2093,
            "cachedContentTokenCount": 1024,
        },
    ),
]

CODE_ASSIST_EXPECTED = ResponseIR(
    "cc-resp-1",
    "gemini-2.5-flash",
    [
        ThinkingPart("**Reading the file** Let me open it."),
        ThinkingPart("", "CmQBVKhc7w"),
        TextPart("The file defines two functions."),
    ],
    "stop",
    usage=Usage(2048, 45, 1024, 0, 40),
    created=1756720800,
)


def test_code_assist_stream_reads() -> None:
    assert accumulate(read(CODE_ASSIST_STREAM, StreamReader())) == CODE_ASSIST_EXPECTED


def convert(frames: Frames, source: Format, target: Format) -> Frames:
    converter = StreamConverter(source, target)
    out: Frames = []
    for name, data in frames:
        out.extend(converter.feed(name, data))
    out.extend(converter.finish())
    return out


def read_as(fmt: Format, frames: Frames) -> ResponseIR:
    reader = stream_module(fmt).StreamReader()
    events: list[StreamEvent] = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return accumulate(events)


def test_code_assist_stream_as_openai_chat_chunks() -> None:
    out = convert(CODE_ASSIST_STREAM, Format.GEMINI_CLOUDCODE, Format.OPENAI)
    assert out[-1] == (None, "[DONE]")
    chunks = [ChatCompletionChunk.model_validate(d) for _, d in out[:-1]]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "The file defines two functions."
    usage = chunks[-1].usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == (2048, 45)
    assert usage.completion_tokens_details is not None
    assert usage.completion_tokens_details.reasoning_tokens == 40
    back = read_as(Format.OPENAI, out)
    assert back.parts == CODE_ASSIST_EXPECTED.parts
    assert back.finish_reason == "stop"


def test_code_assist_stream_as_anthropic_events() -> None:
    out = convert(CODE_ASSIST_STREAM, Format.GEMINI_CLOUDCODE, Format.ANTHROPIC)
    adapter = TypeAdapter(RawMessageStreamEvent)
    for name, data in out:
        assert name == data["type"]
        adapter.validate_python(data)
    start = out[0][1]
    assert start["type"] == "message_start" and start["message"]["model"] == "gemini-2.5-flash"
    back = read_as(Format.ANTHROPIC, out)
    assert "".join(p.text for p in back.parts if isinstance(p, TextPart)) == (
        "The file defines two functions."
    )
    assert back.usage is not None
    assert (back.usage.input_tokens, back.usage.cache_read_tokens) == (2048, 1024)


def test_openai_chat_stream_to_code_assist() -> None:
    base = {"id": "chatcmpl-7", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o"}
    chat: Frames = [
        (None, {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
        (None, {**base, "choices": [{"index": 0, "delta": {"content": "Sure."}}]}),
        (
            None,
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "call_q1",
                                    "type": "function",
                                    "function": {"name": "read_file", "arguments": '{"path":'},
                                }
                            ]
                        },
                    }
                ],
            },
        ),
        (
            None,
            {
                **base,
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [{"index": 0, "function": {"arguments": '"a.py"}'}}]
                        },
                    }
                ],
            },
        ),
        (None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
        (
            None,
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39},
            },
        ),
        (None, "[DONE]"),
    ]
    out = convert(chat, Format.OPENAI, Format.GEMINI_CLOUDCODE)
    assert all(name is None and set(data) == {"response"} for name, data in out)
    parts = [p for _, d in out for p in d["response"]["candidates"][0]["content"]["parts"]]
    assert parts == [
        {"text": "Sure."},
        {"functionCall": {"id": "call_q1", "name": "read_file", "args": {"path": "a.py"}}},
    ]
    last = out[-1][1]["response"]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"]["promptTokenCount"] == 30
    assert last["responseId"] == "chatcmpl-7" and last["modelVersion"] == "gpt-4o"
    assert (
        cloudcode.read_response(
            {
                "response": {
                    **last,
                    "candidates": [
                        {**last["candidates"][0], "content": {"role": "model", "parts": parts}}
                    ],
                }
            }
        ).finish_reason
        == "tool_calls"
    )


def test_an_error_in_the_envelope_raises() -> None:
    with pytest.raises(UpstreamError) as raised:
        StreamReader().feed(
            None,
            {
                "error": {
                    "code": 503,
                    "message": "The model is overloaded.",
                    "status": "UNAVAILABLE",
                }
            },
        )
    assert raised.value.status == 502 and raised.value.upstream_status == 503
