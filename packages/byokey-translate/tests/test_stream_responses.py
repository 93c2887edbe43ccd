"""OpenAI Responses streams: writer output accepted by the official SDK (event
types and its own stream accumulator), reader robustness on what OpenAI and
Codex really send, and streamed == non-streamed.

Fidelity limits of the format (applied by :func:`expected`): a completed
response says ``tool_calls`` when it holds a call and ``stop`` otherwise, so
``stop_sequence`` and a ``tool_calls`` reason without calls do not survive;
ids carry the ``resp_`` prefix; an empty, unsigned thinking part and an empty
text part have nothing to stream. The non-streamed codec also joins adjacent
text parts into one message, so that comparison joins them too.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from anthropic.types import RawMessageStreamEvent
from hypothesis import given
from hypothesis import strategies as st
from openai import omit
from openai.lib.streaming.responses import ResponseStreamState
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from byokey_translate import Format, SSEDecoder, StreamConverter, encode_sse
from byokey_translate._codecs import stream_module
from byokey_translate._ids import reprefix
from byokey_translate._ir import (
    FinishReason,
    Part,
    RedactedThinkingPart,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from byokey_translate._openai_responses import read_response, write_response
from byokey_translate._stream_ir import (
    Finish,
    StreamEvent,
    StreamStart,
    TextDelta,
    ThinkingDelta,
    ToolCallDelta,
    ToolCallStart,
    UsageUpdate,
    accumulate,
    events_of,
)
from byokey_translate._stream_openai_responses import StreamReader, StreamWriter
from byokey_types.errors import RateLimited, UpstreamError

EVENT = TypeAdapter(ResponseStreamEvent)
Frames = list[tuple[str | None, Any]]

# --- strategies ----------------------------------------------------------------------

texts = st.text(min_size=1, max_size=24)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
args = st.dictionaries(st.text(min_size=1, max_size=6), json_values, max_size=4)
names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
signatures = st.from_regex(r"gAAAAA[A-Za-z0-9_=-]{1,20}", fullmatch=True)


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    kinds = draw(st.lists(st.sampled_from(["text", "thinking", "call", "redacted"]), max_size=6))
    parts: list[Part] = []
    for i, kind in enumerate(kinds):
        if kind == "text":
            parts.append(TextPart(draw(texts)))
        elif kind == "thinking":
            text = draw(st.text(max_size=24))
            signature = draw(st.none() | signatures)
            if text or signature:
                parts.append(ThinkingPart(text, signature))
        elif kind == "call":
            parts.append(ToolCallPart(f"call_{i}{draw(names)}", draw(names), args=draw(args)))
        else:
            parts.append(RedactedThinkingPart(draw(signatures)))
    usage = draw(
        st.none()
        | st.builds(
            Usage,
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.integers(0, 10**5),
            st.integers(0, 10**5),
            st.integers(0, 10**5),
        )
    )
    finish: FinishReason | None = draw(
        st.sampled_from([None, "stop", "length", "tool_calls", "content_filter", "stop_sequence"])
    )
    return ResponseIR(
        id=draw(st.from_regex(r"(resp_)?[a-z0-9]{1,12}", fullmatch=True)),
        model=draw(names),
        parts=parts,
        finish_reason=finish,
        usage=usage,
        created=draw(st.none() | st.integers(1, 2**31)),
    )


# --- helpers -------------------------------------------------------------------------


def write(events: list[StreamEvent]) -> Frames:
    writer = StreamWriter()
    frames: Frames = []
    for event in events:
        frames.extend(writer.feed(event))
    frames.extend(writer.finish())
    return frames


def read(frames: Frames) -> list[StreamEvent]:
    reader = StreamReader()
    events: list[StreamEvent] = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return events


def expected(r: ResponseIR) -> ResponseIR:
    """``r`` as a Responses stream can say it (see the module doc)."""
    has_calls = any(isinstance(p, ToolCallPart) for p in r.parts)
    finish = r.finish_reason
    if finish not in ("length", "content_filter"):
        finish = "tool_calls" if has_calls else "stop"
    return replace(
        r,
        id=reprefix(r.id, "resp_"),
        finish_reason=finish,
        stop_sequence=None,
        parts=list(r.parts),
    )


def join_texts(r: ResponseIR) -> ResponseIR:
    parts: list[Part] = []
    for part in r.parts:
        if isinstance(part, TextPart) and parts and isinstance(parts[-1], TextPart):
            parts[-1] = TextPart(parts[-1].text + part.text)
        else:
            parts.append(part)
    return replace(r, parts=parts)


def sdk_accumulated(frames: Frames) -> Response:
    """The response the ``openai`` SDK's own stream helper builds from ``frames``."""
    state: ResponseStreamState[object] = ResponseStreamState(input_tools=omit, text_format=omit)
    for _, data in frames:
        state.handle_event(EVENT.validate_python(data))
    completed = state._completed_response  # the helper's final, parsed response
    assert completed is not None
    return completed


# --- writer + reader properties ------------------------------------------------------


@given(responses(), st.integers(0, 6))
def test_written_stream_is_valid_and_reads_back(r: ResponseIR, chunk: int) -> None:
    frames = write(events_of(r, chunk=chunk))
    for seq, (name, data) in enumerate(frames):
        EVENT.validate_python(data)
        assert name == data["type"]
        assert data["sequence_number"] == seq
    final = frames[-1][1]
    assert final["type"] == (
        "response.incomplete"
        if r.finish_reason in ("length", "content_filter")
        else "response.completed"
    )
    Response.model_validate(final["response"])
    assert frames[0][1]["type"] == "response.created"
    got = accumulate(read(frames))
    if r.created is None:  # the writer stamps the time it starts
        assert got.created is not None
        got.created = None
    assert got == expected(r)


@given(responses(), st.integers(0, 6))
def test_streamed_equals_unstreamed(r: ResponseIR, chunk: int) -> None:
    frames = write(events_of(r, chunk=chunk))
    streamed = accumulate(read(frames))
    unstreamed = read_response(write_response(r))
    streamed.created = unstreamed.created = r.created
    assert join_texts(streamed) == join_texts(unstreamed)
    # the final event's response is itself a whole Responses body the codec reads alike
    final = read_response(frames[-1][1]["response"])
    final.created = r.created
    assert join_texts(final) == join_texts(unstreamed)


@given(responses(), st.integers(1, 6))
def test_sdk_stream_helper_accumulates_the_same_output(r: ResponseIR, chunk: int) -> None:
    frames = write(events_of(r, chunk=chunk))
    if frames[-1][1]["type"] != "response.completed":
        return  # the helper only finalises completed responses
    completed = sdk_accumulated(frames)
    assert (
        completed.model_dump(exclude_none=True)["output"]
        == Response.model_validate(frames[-1][1]["response"]).model_dump(exclude_none=True)[
            "output"
        ]
    )
    calls = [item for item in completed.output if item.type == "function_call"]
    assert [(c.call_id, c.name) for c in calls] == [
        (p.id, p.name) for p in r.parts if isinstance(p, ToolCallPart)
    ]


def test_item_ids_match_the_unstreamed_body() -> None:
    r = ResponseIR(
        "resp_abc",
        "gpt-5",
        [TextPart("Hi"), ToolCallPart("call_1", "f", args={"a": 1}), TextPart("bye")],
        "tool_calls",
    )
    frames = write(events_of(r, chunk=1))
    streamed = [item["id"] for item in frames[-1][1]["response"]["output"]]
    assert streamed == [item["id"] for item in write_response(r)["output"]]
    added = [d["item"]["id"] for _, d in frames if d["type"] == "response.output_item.added"]
    assert added == streamed


def test_text_parts_in_a_row_share_one_message() -> None:
    frames = write(events_of(ResponseIR("r", "m", [TextPart("a"), TextPart("b")]), chunk=0))
    kinds = [d["type"] for _, d in frames]
    assert kinds.count("response.output_item.added") == 1
    assert kinds.count("response.content_part.added") == 2
    message = frames[-1][1]["response"]["output"][0]
    assert [c["text"] for c in message["content"]] == ["a", "b"]


def test_usage_after_finish_still_reaches_the_final_event() -> None:
    writer = StreamWriter()
    frames: Frames = []
    stream: list[StreamEvent] = [
        StreamStart("chatcmpl-1", "gpt-4o", 1),
        TextDelta(0, "Hi"),
        Finish("stop"),
        UsageUpdate(Usage(7, 2, 3)),
    ]
    for event in stream:
        frames.extend(writer.feed(event))
    assert frames[-1][1]["type"] != "response.completed"
    frames.extend(writer.finish())
    final = frames[-1][1]["response"]
    assert final["id"] == "resp_1"
    assert final["usage"]["input_tokens_details"]["cached_tokens"] == 3
    assert final["usage"]["total_tokens"] == 9


def test_writer_without_start_makes_an_id_and_ignores_events_after_finish() -> None:
    writer = StreamWriter()
    frames: Frames = writer.feed(ToolCallDelta(0, '{"x"'))
    frames += writer.feed(ToolCallDelta(0, ":1}"))
    frames += writer.finish()
    assert frames[0][1]["response"]["id"].startswith("resp_")
    call = frames[-1][1]["response"]["output"][0]
    assert (call["call_id"], call["arguments"]) == ("call_0", '{"x":1}')
    assert writer.feed(TextDelta(1, "late")) == [] and writer.finish() == []


# --- reader on recorded-style upstream streams ---------------------------------------

CODEX_TOOL_STREAM: list[dict[str, Any]] = [
    {
        "type": "response.created",
        "sequence_number": 0,
        "response": {
            "id": "resp_68b1c0d2e3f4",
            "object": "response",
            "created_at": 1756500000,
            "status": "in_progress",
            "model": "gpt-5-codex",
            "output": [],
            "usage": None,
        },
    },
    {
        "type": "response.in_progress",
        "sequence_number": 1,
        "response": {"id": "resp_68b1c0d2e3f4", "status": "in_progress", "output": []},
    },
    {
        "type": "response.output_item.added",
        "sequence_number": 2,
        "output_index": 0,
        "item": {
            "id": "rs_01",
            "type": "reasoning",
            "summary": [],
            "encrypted_content": "gAAAAAB-partial",
        },
    },
    {
        "type": "response.reasoning_summary_part.added",
        "sequence_number": 3,
        "item_id": "rs_01",
        "output_index": 0,
        "summary_index": 0,
        "part": {"type": "summary_text", "text": ""},
    },
    {
        "type": "response.reasoning_summary_text.delta",
        "sequence_number": 4,
        "item_id": "rs_01",
        "output_index": 0,
        "summary_index": 0,
        "delta": "**Listing files** I should ",
    },
    {
        "type": "response.reasoning_summary_text.delta",
        "sequence_number": 5,
        "item_id": "rs_01",
        "output_index": 0,
        "summary_index": 0,
        "delta": "run ls.",
    },
    {
        "type": "response.reasoning_summary_text.done",
        "sequence_number": 6,
        "item_id": "rs_01",
        "output_index": 0,
        "summary_index": 0,
        "text": "**Listing files** I should run ls.",
    },
    {
        "type": "response.reasoning_summary_part.done",
        "sequence_number": 7,
        "item_id": "rs_01",
        "output_index": 0,
        "summary_index": 0,
        "part": {"type": "summary_text", "text": "**Listing files** I should run ls."},
    },
    {
        "type": "response.output_item.done",
        "sequence_number": 8,
        "output_index": 0,
        "item": {
            "id": "rs_01",
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "**Listing files** I should run ls."}],
            "encrypted_content": "gAAAAABo-full-encrypted-reasoning",
        },
    },
    {
        "type": "response.output_item.added",
        "sequence_number": 9,
        "output_index": 1,
        "item": {
            "id": "fc_02",
            "type": "function_call",
            "status": "in_progress",
            "arguments": "",
            "call_id": "call_Zx81",
            "name": "shell",
        },
    },
    {
        "type": "response.function_call_arguments.delta",
        "sequence_number": 10,
        "item_id": "fc_02",
        "output_index": 1,
        "delta": '{"command":["ls",',
    },
    {
        "type": "response.function_call_arguments.delta",
        "sequence_number": 11,
        "item_id": "fc_02",
        "output_index": 1,
        "delta": '"-la"],"workdir":"/tmp"}',
    },
    {
        "type": "response.function_call_arguments.done",
        "sequence_number": 12,
        "item_id": "fc_02",
        "output_index": 1,
        "arguments": '{"command":["ls","-la"],"workdir":"/tmp"}',
    },
    {
        "type": "response.output_item.done",
        "sequence_number": 13,
        "output_index": 1,
        "item": {
            "id": "fc_02",
            "type": "function_call",
            "status": "completed",
            "arguments": '{"command":["ls","-la"],"workdir":"/tmp"}',
            "call_id": "call_Zx81",
            "name": "shell",
        },
    },
    {
        "type": "response.completed",
        "sequence_number": 14,
        "response": {
            "id": "resp_68b1c0d2e3f4",
            "object": "response",
            "created_at": 1756500000,
            "status": "completed",
            "model": "gpt-5-codex",
            "output": [
                {
                    "id": "rs_01",
                    "type": "reasoning",
                    "summary": [
                        {"type": "summary_text", "text": "**Listing files** I should run ls."}
                    ],
                    "encrypted_content": "gAAAAABo-full-encrypted-reasoning",
                },
                {
                    "id": "fc_02",
                    "type": "function_call",
                    "status": "completed",
                    "arguments": '{"command":["ls","-la"],"workdir":"/tmp"}',
                    "call_id": "call_Zx81",
                    "name": "shell",
                },
            ],
            "usage": {
                "input_tokens": 5120,
                "input_tokens_details": {"cached_tokens": 4096},
                "output_tokens": 96,
                "output_tokens_details": {"reasoning_tokens": 64},
                "total_tokens": 5216,
            },
        },
    },
]

CODEX_EXPECTED = ResponseIR(
    "resp_68b1c0d2e3f4",
    "gpt-5-codex",
    [
        ThinkingPart("**Listing files** I should run ls.", "gAAAAABo-full-encrypted-reasoning"),
        ToolCallPart("call_Zx81", "shell", args={"command": ["ls", "-la"], "workdir": "/tmp"}),
    ],
    "tool_calls",
    usage=Usage(5120, 96, 4096, 0, 64),
    created=1756500000,
)


def codex_frames() -> Frames:
    return [(e["type"], e) for e in CODEX_TOOL_STREAM]


def test_codex_tool_stream_reads_with_the_signature_from_the_done_item() -> None:
    assert accumulate(read(codex_frames())) == CODEX_EXPECTED
    # the unstreamed reading of the final response agrees
    assert read_response(CODEX_TOOL_STREAM[-1]["response"]) == CODEX_EXPECTED


def test_codex_tool_stream_through_sse_bytes_split_anywhere() -> None:
    raw = b"".join(encode_sse(name, data) for name, data in codex_frames())
    for step in (1, 7, 64):
        decoder = SSEDecoder()
        frames: Frames = []
        for i in range(0, len(raw), step):
            frames.extend((e.event, e.data) for e in decoder.feed(raw[i : i + step]))
        frames.extend((e.event, e.data) for e in decoder.finish())
        assert accumulate(read(frames)) == CODEX_EXPECTED


def convert(frames: Frames, target: Format) -> Frames:
    converter = StreamConverter(Format.OPENAI_RESPONSES, target)
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


def test_codex_tool_stream_as_openai_chat_chunks() -> None:
    out = convert(codex_frames(), Format.OPENAI)
    assert out[-1] == (None, "[DONE]")
    chunks = [ChatCompletionChunk.model_validate(d) for _, d in out[:-1]]
    assert {c.id for c in chunks} == {"chatcmpl-resp_68b1c0d2e3f4"}
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "tool_calls"
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert calls[0].id == "call_Zx81" and calls[0].function is not None
    assert calls[0].function.name == "shell"
    usage = chunks[-1].usage
    assert usage is not None and usage.prompt_tokens == 5120 and usage.completion_tokens == 96
    assert (
        usage.prompt_tokens_details is not None
        and usage.prompt_tokens_details.cached_tokens == 4096
    )
    back = read_as(Format.OPENAI, out)
    assert back.parts == CODEX_EXPECTED.parts
    assert back.finish_reason == "tool_calls"


def test_codex_tool_stream_as_anthropic_events() -> None:
    out = convert(codex_frames(), Format.ANTHROPIC)
    adapter = TypeAdapter(RawMessageStreamEvent)
    for name, data in out:
        assert name == data["type"]
        adapter.validate_python(data)
    kinds = [d["type"] for _, d in out]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    blocks = [d["content_block"] for _, d in out if d["type"] == "content_block_start"]
    assert [b["type"] for b in blocks] == ["thinking", "tool_use"]
    assert blocks[1]["id"] == "call_Zx81" and blocks[1]["name"] == "shell"
    signatures = [
        d["delta"]["signature"]
        for _, d in out
        if d["type"] == "content_block_delta" and d["delta"]["type"] == "signature_delta"
    ]
    assert signatures == ["gAAAAABo-full-encrypted-reasoning"]
    delta = next(d for _, d in out if d["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"
    back = read_as(Format.ANTHROPIC, out)
    assert back.parts == CODEX_EXPECTED.parts
    assert back.usage == Usage(5120, 96, 4096, 0, 0)


# --- reader robustness ---------------------------------------------------------------


def _events(*payloads: dict[str, Any]) -> list[StreamEvent]:
    return read([(p.get("type"), p) for p in payloads])


def test_text_only_in_done_events_or_final_output_is_reported_once() -> None:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Hello", "annotations": []}],
    }
    only_done = _events(
        {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**message, "content": []},
        },
        {
            "type": "response.output_text.done",
            "output_index": 0,
            "content_index": 0,
            "text": "Hello",
        },
        {"type": "response.output_item.done", "output_index": 0, "item": message},
        {"type": "response.completed", "response": {"id": "resp_1", "output": [message]}},
    )
    assert accumulate(only_done).parts == [TextPart("Hello")]
    only_final = _events(
        {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
        {"type": "response.completed", "response": {"id": "resp_1", "output": [message]}},
    )
    assert accumulate(only_final).parts == [TextPart("Hello")]
    assert accumulate(only_final).finish_reason == "stop"


def test_deltas_addressed_by_item_id_and_refusals() -> None:
    got = accumulate(
        _events(
            {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": "msg_9", "type": "message", "content": []},
            },
            {
                "type": "response.output_text.delta",
                "item_id": "msg_9",
                "content_index": 0,
                "delta": "Hi ",
            },
            {
                "type": "response.refusal.delta",
                "item_id": "msg_9",
                "content_index": 1,
                "delta": "no.",
            },
            {"type": "response.completed", "response": {"id": "resp_1"}},
        )
    )
    assert got.parts == [TextPart("Hi "), TextPart("no.")]


def test_several_summary_parts_join_with_a_blank_line() -> None:
    where = {"item_id": "rs_1", "output_index": 0}
    got = accumulate(
        _events(
            {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": "rs_1", "type": "reasoning", "summary": []},
            },
            {"type": "response.reasoning_summary_part.added", **where, "summary_index": 0},
            {
                "type": "response.reasoning_summary_text.delta",
                **where,
                "summary_index": 0,
                "delta": "one",
            },
            {"type": "response.reasoning_summary_part.added", **where, "summary_index": 1},
            {
                "type": "response.reasoning_summary_text.delta",
                **where,
                "summary_index": 1,
                "delta": "two",
            },
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": {"id": "rs_1", "type": "reasoning", "summary": []},
            },
            {"type": "response.completed", "response": {"id": "resp_1"}},
        )
    )
    assert got.parts == [ThinkingPart("one\n\ntwo")]


def test_raw_reasoning_text_and_unknown_items() -> None:
    got = accumulate(
        _events(
            {"type": "response.created", "response": {"id": "resp_1", "model": "gpt-oss"}},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": "ws_1", "type": "web_search_call"},
            },
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": {"id": "ws_1", "type": "web_search_call"},
            },
            {
                "type": "response.output_item.added",
                "output_index": 1,
                "item": {"id": "rs_1", "type": "reasoning", "summary": []},
            },
            {
                "type": "response.reasoning_text.delta",
                "item_id": "rs_1",
                "output_index": 1,
                "content_index": 0,
                "delta": "raw",
            },
            {"type": "response.completed", "response": {"id": "resp_1"}},
        )
    )
    assert got.parts == [ThinkingPart("raw")]


def test_incomplete_maps_to_length_or_content_filter() -> None:
    cases: list[tuple[str, FinishReason]] = [
        ("max_output_tokens", "length"),
        ("content_filter", "content_filter"),
    ]
    for reason, finish in cases:
        events = _events(
            {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
            {
                "type": "response.incomplete",
                "response": {
                    "id": "resp_1",
                    "status": "incomplete",
                    "incomplete_details": {"reason": reason},
                },
            },
        )
        assert events[-1] == Finish(finish)


def test_errors_raise_upstream_errors() -> None:
    reader = StreamReader()
    with pytest.raises(RateLimited):
        reader.feed(
            "error",
            {
                "type": "error",
                "code": "rate_limit_exceeded",
                "message": "slow down",
                "sequence_number": 3,
            },
        )
    with pytest.raises(UpstreamError) as failed:
        StreamReader().feed(
            "response.failed",
            {
                "type": "response.failed",
                "response": {
                    "id": "r",
                    "status": "failed",
                    "error": {"code": "server_error", "message": "boom"},
                },
            },
        )
    assert failed.value.status == 502 and "boom" in failed.value.body


def test_a_cut_stream_still_finishes() -> None:
    reader = StreamReader()
    events = reader.feed(
        "response.created", {"type": "response.created", "response": {"id": "resp_1", "model": "m"}}
    )
    events += reader.feed(
        "response.output_item.added",
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "function_call", "call_id": "c1", "name": "f", "arguments": '{"a":1}'},
        },
    )
    events += reader.finish()
    assert events == [
        StreamStart("resp_1", "m", None),
        ToolCallStart(0, "c1", "f"),
        ToolCallDelta(0, '{"a":1}'),
        Finish("tool_calls"),
    ]
    assert reader.finish() == []
    assert StreamReader().finish() == []


def test_redacted_thinking_survives_a_trip_through_responses() -> None:
    r = ResponseIR("resp_1", "claude", [RedactedThinkingPart("EqQBCgIYAh"), TextPart("ok")])
    frames = write(events_of(r))
    items = frames[-1][1]["response"]["output"]
    assert (
        items[0]["id"].startswith("rs_redacted_") and items[0]["encrypted_content"] == "EqQBCgIYAh"
    )
    assert accumulate(read(frames)).parts == r.parts


def test_thinking_signature_from_a_chat_stream_lands_on_the_done_item() -> None:
    frames = write(
        [
            StreamStart("x", "m"),
            ThinkingDelta(0, "hmm"),
            ThinkingDelta(0, "", "sig-1"),
            TextDelta(1, "ok"),
            Finish("stop"),
        ]
    )
    done = [d["item"] for _, d in frames if d["type"] == "response.output_item.done"]
    assert done[0]["encrypted_content"] == "sig-1"
    assert done[0]["summary"] == [{"type": "summary_text", "text": "hmm"}]


# --- item ids: reasoning ids carried across streams, every id unique -----------------


@st.composite
def responses_with_ids(draw: st.DrawFn) -> ResponseIR:
    """Responses whose parts reuse ids: reasoning items with their own (or no) id,
    calls that share a call id, identical redacted blocks."""
    kinds = draw(st.lists(st.sampled_from(["text", "thinking", "call", "redacted"]), max_size=7))
    parts: list[Part] = []
    for kind in kinds:
        if kind == "text":
            parts.append(TextPart(draw(texts)))
        elif kind == "thinking":
            item_id = draw(st.sampled_from([None, "rs_a", "rs_b", "rs_a_2"]))
            parts.append(ThinkingPart(draw(texts), draw(st.none() | signatures), item_id))
        elif kind == "call":
            parts.append(ToolCallPart(draw(st.sampled_from(["call_1", "call_2"])), "f", args={}))
        else:
            parts.append(RedactedThinkingPart("EqQBredacted"))
    return ResponseIR("resp_ids", "gpt-5", parts, "stop", created=1)


def thinking_ids(r: ResponseIR) -> list[str | None]:
    return [p.id for p in r.parts if isinstance(p, ThinkingPart)]


@given(responses_with_ids(), st.integers(0, 4))
def test_item_ids_are_unique_and_the_same_streamed_or_not(r: ResponseIR, chunk: int) -> None:
    unstreamed = write_response(r)
    ids = [item["id"] for item in unstreamed["output"]]
    assert len(set(ids)) == len(ids)
    Response.model_validate(unstreamed)
    frames = write(events_of(r, chunk=chunk))
    final = [item["id"] for item in frames[-1][1]["response"]["output"]]
    added = [d["item"]["id"] for _, d in frames if d["type"] == "response.output_item.added"]
    assert final == added == ids
    # a reasoning item keeps the id it came with (made unique when repeated)
    own = [p.id for p in r.parts if isinstance(p, ThinkingPart)]
    written = [
        item["id"]
        for item in unstreamed["output"]
        if item["type"] == "reasoning" and not item["id"].startswith("rs_redacted_")
    ]
    for original, out in zip(own, written, strict=True):
        assert out.startswith(original or "rs_")
    for original, out in zip(own, written, strict=True):
        if original is not None:
            assert out == original  # the first item with its own id keeps it exactly
            break


@given(responses_with_ids(), st.integers(0, 4))
def test_reasoning_ids_survive_a_stream(r: ResponseIR, chunk: int) -> None:
    streamed = accumulate(read(write(events_of(r, chunk=chunk))))
    unstreamed = read_response(write_response(r))
    assert thinking_ids(streamed) == thinking_ids(unstreamed)
    assert all(i is not None for i in thinking_ids(streamed))
    first = {p.id for p in r.parts if isinstance(p, ThinkingPart) and p.id is not None}
    assert first <= set(thinking_ids(streamed))


def test_events_of_and_accumulate_carry_the_reasoning_id() -> None:
    r = ResponseIR("resp_1", "m", [ThinkingPart("why", "gAAAAAsig", "rs_own")], "stop")
    events = events_of(r, chunk=1)
    deltas = [e for e in events if isinstance(e, ThinkingDelta)]
    assert deltas and all(e.id == "rs_own" for e in deltas)
    assert thinking_ids(accumulate(events)) == ["rs_own"]
    # formats without reasoning ids send none; the first id seen wins
    folded = accumulate(
        [ThinkingDelta(0, "a"), ThinkingDelta(0, "b", id="rs_x"), ThinkingDelta(0, "", id="rs_y")]
    )
    assert thinking_ids(folded) == ["rs_x"]


def test_a_codex_reasoning_item_id_reaches_a_responses_client() -> None:
    """Codex events read to the canonical stream and written for a Responses
    client (as the proxy does between two Responses upstreams it normalises)."""
    upstream: Frames = [
        (
            "response.created",
            {"type": "response.created", "response": {"id": "resp_9", "model": "gpt-5"}},
        ),
        (
            "response.output_item.added",
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {"id": "rs_codex_1", "type": "reasoning", "summary": []},
            },
        ),
        (
            "response.reasoning_summary_text.delta",
            {
                "type": "response.reasoning_summary_text.delta",
                "item_id": "rs_codex_1",
                "output_index": 0,
                "delta": "Hm.",
            },
        ),
        (
            "response.output_item.done",
            {
                "type": "response.output_item.done",
                "output_index": 0,
                "item": {
                    "id": "rs_codex_1",
                    "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": "Hm."}],
                    "encrypted_content": "gAAAAAenc",
                },
            },
        ),
        (
            "response.completed",
            {
                "type": "response.completed",
                "response": {"id": "resp_9", "model": "gpt-5", "status": "completed", "output": []},
            },
        ),
    ]
    events = read(upstream)
    assert {e.id for e in events if isinstance(e, ThinkingDelta)} == {"rs_codex_1"}
    frames = write(events)
    added = [d["item"] for _, d in frames if d["type"] == "response.output_item.added"]
    assert added[0]["id"] == "rs_codex_1"
    done = frames[-1][1]["response"]["output"][0]
    assert done == {
        "id": "rs_codex_1",
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Hm."}],
        "encrypted_content": "gAAAAAenc",
    }
    # folded, the part sent back to Codex on the next turn names the same item
    assert thinking_ids(accumulate(read(frames))) == ["rs_codex_1"]


def test_an_item_added_without_an_id_takes_the_done_items_id() -> None:
    events = read(
        [
            (
                "response.created",
                {"type": "response.created", "response": {"id": "r", "model": "m"}},
            ),
            (
                "response.output_item.added",
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {"type": "reasoning"},
                },
            ),
            (
                "response.output_item.done",
                {
                    "type": "response.output_item.done",
                    "output_index": 0,
                    "item": {
                        "id": "rs_late",
                        "type": "reasoning",
                        "summary": [{"type": "summary_text", "text": "t"}],
                    },
                },
            ),
        ]
    )
    assert [e.id for e in events if isinstance(e, ThinkingDelta)] == ["rs_late"]


def test_duplicate_call_ids_give_distinct_items_in_both_writers() -> None:
    r = ResponseIR(
        "resp_d",
        "m",
        [ToolCallPart("call_1", "f", args={}), ToolCallPart("call_1", "g", args={"a": 1})],
        "tool_calls",
    )
    ids = [item["id"] for item in write_response(r)["output"]]
    assert ids[0] != ids[1] and ids[1] == f"{ids[0]}_1"
    frames = write(events_of(r))
    assert [item["id"] for item in frames[-1][1]["response"]["output"]] == ids
