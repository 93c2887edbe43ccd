"""Anthropic Messages streams: the writer's state machine checked event by event
and by the SDK's own accumulator, the reader on real event sequences, and
streamed == non-streamed.

Fidelity limits of the format (applied by :func:`expected`): empty text
blocks do not exist; a thinking block always has a signature, empty when
there is none; usage has no reasoning count and no ``created``; a stop
sequence is only reported with ``stop_reason: stop_sequence``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message, RawMessageStreamEvent
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from byokey_translate._anthropic import read_response, write_response
from byokey_translate._ids import reprefix
from byokey_translate._ir import (
    Part,
    RedactedThinkingPart,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from byokey_translate._stream_anthropic import StreamReader, StreamWriter
from byokey_translate._stream_ir import (
    Finish,
    RedactedThinking,
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
from byokey_types.errors import RateLimited, UpstreamError

Frames = list[tuple[str | None, Any]]
EVENT = TypeAdapter(RawMessageStreamEvent)

TEXT = st.text(alphabet=st.sampled_from(list('ab c,{}"\n中🙂')), max_size=16)
ARGS = st.dictionaries(
    st.text(alphabet="xyz", min_size=1, max_size=3), st.integers(-5, 5) | TEXT, max_size=3
)
COUNTS = st.integers(0, 5000)


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    fresh, read, write = draw(COUNTS), draw(COUNTS), draw(COUNTS)
    return Usage(fresh + read + write, draw(COUNTS), read, write, draw(COUNTS))


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    parts: list[Part] = []
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["text", "thinking", "redacted", "call"]))
        if kind == "text":
            parts.append(TextPart(draw(TEXT)))
        elif kind == "thinking":
            signature = draw(st.none() | st.text(alphabet="Sig0123+/=", max_size=10))
            parts.append(ThinkingPart(draw(TEXT), signature))
        elif kind == "redacted":
            parts.append(RedactedThinkingPart(draw(st.text(alphabet="RDCT", min_size=1))))
        else:
            args = orjson.dumps(draw(ARGS)).decode()
            parts.append(
                ToolCallPart(f"toolu_{i}", draw(st.sampled_from(["f", "g"])), args_json=args)
            )
    return ResponseIR(
        id=draw(st.sampled_from(["msg_01", "abc", "chatcmpl-7"])),
        model="claude-x",
        parts=parts,
        finish_reason=draw(
            st.sampled_from(
                ["stop", "length", "tool_calls", "content_filter", "stop_sequence", None]
            )
        ),
        stop_sequence=draw(st.none() | st.just("END")),
        usage=draw(st.none() | usages()),
        created=draw(st.none() | st.integers(1, 2**31)),
    )


def unsign_empty(response: ResponseIR) -> ResponseIR:
    parts = [
        ThinkingPart(p.text, p.signature or None) if isinstance(p, ThinkingPart) else p
        for p in response.parts
    ]
    return replace(response, parts=parts)


def expected(response: ResponseIR) -> ResponseIR:
    """``response`` as far as an Anthropic message can say it."""
    reason = response.finish_reason or "stop"
    sequence = response.stop_sequence if reason == "stop_sequence" else None
    if reason == "stop_sequence" and sequence is None:
        reason = "stop"
    usage = response.usage or Usage()
    return unsign_empty(
        replace(
            response,
            id=reprefix(response.id, "msg_"),
            parts=[p for p in response.parts if not (isinstance(p, TextPart) and not p.text)],
            finish_reason=reason,
            stop_sequence=sequence,
            usage=replace(usage, reasoning_tokens=0),
            created=None,
        )
    )


def write(events: list[StreamEvent]) -> Frames:
    writer = StreamWriter()
    frames: Frames = []
    for event in events:
        frames.extend(writer.feed(event))
    frames.extend(writer.finish())
    return frames


def read(frames: Frames) -> ResponseIR:
    reader = StreamReader()
    events: list[StreamEvent] = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return accumulate(events)


def validate(frames: Frames, *, sequential: bool = True) -> None:
    """SDK-valid events named by their type, in the order the protocol allows."""
    for name, data in frames:
        assert name == data["type"]
        EVENT.validate_python(data)
    kinds = [name for name, _ in frames]
    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert "message_start" not in kinds[1:] and kinds.count("message_delta") == 1
    open_block: int | None = None
    started: list[int] = []
    for name, data in frames[1:-2]:
        if name == "content_block_start":
            assert open_block is None, "a block opened before the previous one closed"
            assert data["index"] == len(started)
            open_block = data["index"]
            started.append(data["index"])
        elif name == "content_block_stop":
            assert data["index"] == open_block
            open_block = None
        elif name == "content_block_delta" and sequential:
            assert data["index"] == open_block
    assert open_block is None


def sdk_message(frames: Frames) -> Message:
    snapshot = None
    bufs: dict[int, bytes] = {}
    for _, data in frames:
        snapshot = accumulate_event(
            event=EVENT.validate_python(data), current_snapshot=snapshot, json_bufs=bufs
        )
    assert snapshot is not None
    return Message.model_validate(
        snapshot.model_dump(exclude={"content"})
        | {
            "content": [
                {k: v for k, v in block.model_dump().items() if k != "parsed_output"}
                for block in snapshot.content
            ]
        }
    )


@given(responses(), st.integers(0, 5))
def test_stream_round_trip_equals_the_unstreamed_response(response: ResponseIR, k: int) -> None:
    frames = write(events_of(response, chunk=k))
    validate(frames)
    streamed = read(frames)
    assert streamed == expected(response)
    assert streamed == unsign_empty(read_response(write_response(response)))


@given(responses(), st.integers(1, 5))
def test_the_sdk_accumulates_the_stream_to_the_unstreamed_body(
    response: ResponseIR, k: int
) -> None:
    got = sdk_message(write(events_of(response, chunk=k)))
    want = Message.model_validate(write_response(response))
    assert got.model_dump(exclude={"id"}) == want.model_dump(exclude={"id"})
    assert got.id == want.id


MESSAGE_START = {
    "type": "message_start",
    "message": {
        "id": "msg_01A",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 12,
            "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 2000,
            "output_tokens": 1,
        },
    },
}


def real_stream() -> list[dict[str, Any]]:
    """A stream as the Messages API sends it: thinking, text, a tool call, usage."""
    return [
        MESSAGE_START,
        {"type": "ping"},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Let me"},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": " see."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "EqQB"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "text_delta", "text": "Checking"},
        },
        {"type": "content_block_stop", "index": 1},
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "get_weather",
                "input": {},
            },
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": '{"city": "Pa'},
        },
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": 'ris"}'},
        },
        {"type": "content_block_stop", "index": 2},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 89},
        },
        {"type": "message_stop"},
    ]


def feed_all(items: list[dict[str, Any]]) -> tuple[list[StreamEvent], StreamReader]:
    reader = StreamReader()
    events: list[StreamEvent] = []
    for item in items:
        events.extend(reader.feed(item["type"], item))
    return events, reader


def test_reader_on_a_real_stream() -> None:
    events, reader = feed_all(real_stream())
    start_usage = Usage(2112, 1, 2000, 100)
    assert events == [
        StreamStart("msg_01A", "claude-sonnet-4-5", None, start_usage),
        ThinkingDelta(0, ""),
        ThinkingDelta(0, "Let me"),
        ThinkingDelta(0, " see."),
        ThinkingDelta(0, "", "EqQB"),
        TextDelta(1, "Checking"),
        ToolCallStart(2, "toolu_01", "get_weather"),
        ToolCallDelta(2, '{"city": "Pa'),
        ToolCallDelta(2, 'ris"}'),
        UsageUpdate(Usage(2112, 89, 2000, 100)),
        Finish("tool_calls", None),
    ]
    assert reader.finish() == []
    got = accumulate(events)
    assert got.parts == [
        ThinkingPart("Let me see.", "EqQB"),
        TextPart("Checking"),
        ToolCallPart("toolu_01", "get_weather", args={"city": "Paris"}),
    ]


def test_reader_takes_cumulative_usage_from_message_delta() -> None:
    items = real_stream()
    items[-2] = {
        "type": "message_delta",
        "delta": {"stop_reason": "stop_sequence", "stop_sequence": "END"},
        "usage": {"input_tokens": 15, "cache_read_input_tokens": 2000, "output_tokens": 90},
    }
    events, _ = feed_all(items)
    got = accumulate(events)
    # cache_creation kept from message_start, the rest overridden: 15 + 2000 + 100
    assert got.usage == Usage(2115, 90, 2000, 100)
    assert (got.finish_reason, got.stop_sequence) == ("stop_sequence", "END")


def test_reader_drops_server_tool_blocks_and_empty_text() -> None:
    events, reader = feed_all(
        [
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            {"type": "content_block_stop", "index": 0},
            {
                "type": "content_block_start",
                "index": 1,
                "content_block": {
                    "type": "server_tool_use",
                    "id": "srvtoolu_1",
                    "name": "web_search",
                    "input": {},
                },
            },
            {
                "type": "content_block_delta",
                "index": 1,
                "delta": {"type": "input_json_delta", "partial_json": "{}"},
            },
            {"type": "content_block_stop", "index": 1},
            {
                "type": "content_block_start",
                "index": 2,
                "content_block": {"type": "redacted_thinking", "data": "XyZ"},
            },
            {
                "type": "content_block_start",
                "index": 3,
                "content_block": {"type": "text", "text": "Hi"},
            },
            {
                "type": "content_block_delta",
                "index": 3,
                "delta": {"type": "citations_delta", "citation": {}},
            },
            {
                "type": "content_block_delta",
                "index": 3,
                "delta": {"type": "text_delta", "text": "!"},
            },
        ]
    )
    # no message_start: an anonymous start is made up; no message_delta: finish() ends it
    assert events == [
        StreamStart("", "unknown"),
        RedactedThinking(0, "XyZ"),
        TextDelta(1, "Hi"),
        TextDelta(1, "!"),
    ]
    assert reader.finish() == [Finish("stop")]


def test_reader_ends_a_cut_stream_for_tools_and_ignores_done() -> None:
    events, reader = feed_all(real_stream()[:14])
    assert reader.feed(None, "[DONE]") == []
    assert reader.finish() == [Finish("tool_calls")]
    assert reader.finish() == []
    assert isinstance(events[-1], ToolCallDelta)


def test_reader_takes_a_tool_input_given_up_front() -> None:
    events, _ = feed_all(
        [
            MESSAGE_START,
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {
                    "type": "tool_use",
                    "id": "toolu_9",
                    "name": "f",
                    "input": {"a": 1},
                },
            },
        ]
    )
    assert events[-2:] == [ToolCallStart(0, "toolu_9", "f"), ToolCallDelta(0, '{"a":1}')]


@pytest.mark.parametrize(
    ("error_type", "status", "kind", "client_type"),
    [
        ("overloaded_error", 529, UpstreamError, "api_error"),
        ("rate_limit_error", 429, RateLimited, "rate_limit_error"),
        ("invalid_request_error", 400, UpstreamError, "invalid_request_error"),
        ("api_error", 500, UpstreamError, "api_error"),
        ("something_new", 500, UpstreamError, "api_error"),
    ],
)
def test_error_event_raises_upstream_error(
    error_type: str, status: int, kind: type[UpstreamError], client_type: str
) -> None:
    reader = StreamReader()
    reader.feed("message_start", MESSAGE_START)
    with pytest.raises(kind) as info:
        reader.feed(
            "error", {"type": "error", "error": {"type": error_type, "message": "Overloaded"}}
        )
    assert info.value.upstream_status == status
    assert "Overloaded" in info.value.client_message
    # the proxy writes the error frame in the client's shape from the error itself;
    # upstream server failures reach the client as the gateway's 502
    assert info.value.to_anthropic()["error"]["type"] == client_type
    assert info.value.status == (status if status < 500 else 502)


def test_writer_without_a_start_opens_with_message_start() -> None:
    writer = StreamWriter()
    frames: Frames = [*writer.feed(TextDelta(0, "hi")), *writer.finish()]
    validate(frames)
    start = frames[0][1]["message"]
    assert start["id"].startswith("msg_") and start["model"] == "unknown"
    assert frames[-2][1]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert writer.feed(TextDelta(0, "late")) == [] and writer.finish() == []


def test_writer_converts_usage_both_ways() -> None:
    frames = write(
        [
            StreamStart("chatcmpl-1", "gpt", 5, Usage(2112, 0, 2000, 100)),
            TextDelta(0, "ok"),
            UsageUpdate(Usage(0, 42, reasoning_tokens=7)),
            Finish("length"),
        ]
    )
    validate(frames)
    assert frames[0][1]["message"]["id"] == "msg_1"
    assert frames[0][1]["message"]["usage"] == {
        "input_tokens": 12,
        "output_tokens": 0,
        "cache_creation_input_tokens": 100,
        "cache_read_input_tokens": 2000,
    }
    assert frames[-2][1] == {
        "type": "message_delta",
        "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
        "usage": {
            "input_tokens": 12,
            "output_tokens": 42,
            "cache_creation_input_tokens": 100,
            "cache_read_input_tokens": 2000,
        },
    }
    assert read(frames).usage == Usage(2112, 42, 2000, 100)


def test_writer_sends_late_tool_arguments_on_their_block() -> None:
    events: list[StreamEvent] = [
        StreamStart("m", "x"),
        ToolCallStart(0, "call.a", "f"),
        ToolCallDelta(0, '{"a":'),
        ToolCallStart(1, "call_b", "g"),
        ToolCallDelta(0, "1}"),
        ToolCallDelta(1, "{}"),
    ]
    frames = write(events)
    validate(frames, sequential=False)
    kinds = [(n, d.get("index")) for n, d in frames]
    assert ("content_block_stop", 0) in kinds and kinds.count(("content_block_stop", 1)) == 1
    message = sdk_message(frames)
    assert [
        (b.type, getattr(b, "id", None), getattr(b, "input", None)) for b in message.content
    ] == [
        ("tool_use", "call_a", {"a": 1}),  # id made acceptable to Anthropic
        ("tool_use", "call_b", {}),
    ]
    assert message.stop_reason == "tool_use"


def test_writer_reports_a_stop_sequence_only_with_its_reason() -> None:
    frames = write([StreamStart("m", "x"), TextDelta(0, "a"), Finish("stop_sequence", "END")])
    assert frames[-2][1]["delta"] == {"stop_reason": "stop_sequence", "stop_sequence": "END"}
    frames = write([StreamStart("m", "x"), Finish("stop_sequence")])
    assert frames[-2][1]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    frames = write([StreamStart("m", "x"), Finish("stop", "END")])
    assert frames[-2][1]["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
