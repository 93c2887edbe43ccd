"""StreamConverter between OpenAI chat chunks and Anthropic events.

Realistic sequences (reasoning and signatures, tool-call argument fragments,
the final usage chunk, ``[DONE]``) are converted and checked event by event
against the SDKs' types and accumulators; random responses check that a
converted stream says what the converted complete response says.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import RawMessageStreamEvent
from hypothesis import given
from hypothesis import strategies as st
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import ChatCompletionChunk
from pydantic import TypeAdapter

from byokey_translate import Format, StreamConverter, convert_response
from byokey_translate._codecs import codec, stream_module
from byokey_translate._ir import (
    Part,
    RedactedThinkingPart,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
from byokey_translate._stream_ir import StreamEvent, accumulate, events_of
from byokey_types.errors import UpstreamError

Frames = list[tuple[str | None, Any]]
EVENT = TypeAdapter(RawMessageStreamEvent)


def convert(source: Format, target: Format, frames: Frames) -> Frames:
    converter = StreamConverter(source, target)
    out: Frames = []
    for name, data in frames:
        out.extend(converter.feed(name, data))
    out.extend(converter.finish())
    return out


def validate(fmt: Format, frames: Frames) -> None:
    for name, data in frames:
        if fmt is Format.ANTHROPIC:
            assert name == data["type"]
            EVENT.validate_python(data)
        elif data != "[DONE]":
            assert name is None
            ChatCompletionChunk.model_validate(data)
    if fmt is Format.OPENAI:
        assert frames[-1] == (None, "[DONE]")
        assert [d for _, d in frames].count("[DONE]") == 1


def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, dict[str, Any]]:
    return (
        None,
        {
            "id": "chatcmpl-AB1",
            "object": "chat.completion.chunk",
            "created": 1710000000,
            "model": "deepseek-reasoner",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        },
    )


def call(index: int, arguments: str, **first: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if first:
        entry.update(id=first["id"], type="function")
        entry["function"]["name"] = first["name"]
    return {"tool_calls": [entry]}


OPENAI_STREAM: Frames = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"reasoning_content": "The user wants"}),
    chunk({"reasoning_content": " two cities."}),
    chunk({"reasoning_signature": "c2lnbmF0dXJl"}),
    chunk({"content": "Looking "}),
    chunk({"content": "up."}),
    chunk(call(0, "", id="call_p", name="get_weather")),
    chunk(call(0, '{"city":')),
    chunk(call(0, '"Paris"}')),
    chunk(call(1, '{"city":"Rome"}', id="call_r", name="get_weather")),
    chunk({}, "tool_calls"),
    (
        None,
        {
            "id": "chatcmpl-AB1",
            "object": "chat.completion.chunk",
            "created": 1710000000,
            "model": "deepseek-reasoner",
            "choices": [],
            "usage": {
                "prompt_tokens": 1200,
                "completion_tokens": 80,
                "total_tokens": 1280,
                "prompt_tokens_details": {"cached_tokens": 1024},
                "completion_tokens_details": {"reasoning_tokens": 30},
            },
        },
    ),
    (None, "[DONE]"),
]


def test_openai_to_anthropic_realistic_stream() -> None:
    out = convert(Format.OPENAI, Format.ANTHROPIC, OPENAI_STREAM)
    validate(Format.ANTHROPIC, out)
    summary: list[tuple[Any, ...]] = []
    for name, data in out:
        if name == "content_block_start":
            summary.append((name, data["index"], data["content_block"]["type"]))
        elif name == "content_block_delta":
            delta = data["delta"]
            value = next(v for k, v in delta.items() if k != "type")
            summary.append((name, data["index"], delta["type"], value))
        elif name == "content_block_stop":
            summary.append((name, data["index"]))
        else:
            summary.append((name,))
    assert summary == [
        ("message_start",),
        ("content_block_start", 0, "thinking"),
        ("content_block_delta", 0, "thinking_delta", "The user wants"),
        ("content_block_delta", 0, "thinking_delta", " two cities."),
        ("content_block_delta", 0, "signature_delta", "c2lnbmF0dXJl"),
        ("content_block_stop", 0),
        ("content_block_start", 1, "text"),
        ("content_block_delta", 1, "text_delta", "Looking "),
        ("content_block_delta", 1, "text_delta", "up."),
        ("content_block_stop", 1),
        ("content_block_start", 2, "tool_use"),
        ("content_block_delta", 2, "input_json_delta", '{"city":'),
        ("content_block_delta", 2, "input_json_delta", '"Paris"}'),
        ("content_block_stop", 2),
        ("content_block_start", 3, "tool_use"),
        ("content_block_delta", 3, "input_json_delta", '{"city":"Rome"}'),
        ("content_block_stop", 3),
        ("message_delta",),
        ("message_stop",),
    ]
    assert out[0][1]["message"]["id"] == "msg_AB1"
    assert out[0][1]["message"]["model"] == "deepseek-reasoner"
    assert out[-2][1] == {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        # Anthropic counts cache reads apart from input_tokens
        "usage": {
            "input_tokens": 176,
            "output_tokens": 80,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 1024,
        },
    }
    snapshot = None
    bufs: dict[int, bytes] = {}
    for _, data in out:
        snapshot = accumulate_event(
            event=EVENT.validate_python(data), current_snapshot=snapshot, json_bufs=bufs
        )
    assert snapshot is not None
    blocks = snapshot.content
    assert blocks[0].type == "thinking" and blocks[0].signature == "c2lnbmF0dXJl"
    assert blocks[1].type == "text" and blocks[1].text == "Looking up."
    assert [(b.id, b.input) for b in blocks[2:] if b.type == "tool_use"] == [
        ("call_p", {"city": "Paris"}),
        ("call_r", {"city": "Rome"}),
    ]


ANTHROPIC_STREAM: list[dict[str, Any]] = [
    {
        "type": "message_start",
        "message": {
            "id": "msg_01X",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": 10,
                "cache_creation_input_tokens": 500,
                "cache_read_input_tokens": 3000,
                "output_tokens": 1,
            },
        },
    },
    {"type": "ping"},
    {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "thinking_delta", "thinking": "Hmm"},
    },
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "signature_delta", "signature": "ErUB"},
    },
    {"type": "content_block_stop", "index": 0},
    {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "Sure."}},
    {"type": "content_block_stop", "index": 1},
    {
        "type": "content_block_start",
        "index": 2,
        "content_block": {"type": "tool_use", "id": "toolu_01", "name": "search", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "input_json_delta", "partial_json": '{"q": '},
    },
    {
        "type": "content_block_delta",
        "index": 2,
        "delta": {"type": "input_json_delta", "partial_json": '"cats"}'},
    },
    {"type": "content_block_stop", "index": 2},
    {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 64},
    },
    {"type": "message_stop"},
]


def test_anthropic_to_openai_realistic_stream() -> None:
    out = convert(Format.ANTHROPIC, Format.OPENAI, [(e["type"], e) for e in ANTHROPIC_STREAM])
    validate(Format.OPENAI, out)
    chunks = [data for _, data in out[:-1]]
    assert {(c["id"], c["model"]) for c in chunks} == {("chatcmpl-msg_01X", "claude-sonnet-4-5")}
    assert len({c["created"] for c in chunks}) == 1
    deltas = [(c["choices"][0]["delta"], c["choices"][0]["finish_reason"]) for c in chunks[:-1]]
    assert deltas == [
        ({"role": "assistant", "content": ""}, None),
        ({"reasoning_content": "Hmm"}, None),
        ({"reasoning_signature": "ErUB"}, None),
        ({"content": "Sure."}, None),
        (
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "toolu_01",
                        "type": "function",
                        "function": {"name": "search", "arguments": ""},
                    }
                ]
            },
            None,
        ),
        ({"tool_calls": [{"index": 0, "function": {"arguments": '{"q": '}}]}, None),
        ({"tool_calls": [{"index": 0, "function": {"arguments": '"cats"}'}}]}, None),
        ({}, "tool_calls"),
    ]
    assert chunks[-1]["choices"] == []
    # OpenAI's prompt_tokens is the whole prompt: fresh + cache reads + cache writes
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 3510,
        "completion_tokens": 64,
        "total_tokens": 3574,
        "prompt_tokens_details": {"cached_tokens": 3000, "cache_creation_tokens": 500},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    state = ChatCompletionStreamState()
    for data in chunks:
        state.handle_chunk(ChatCompletionChunk.model_validate(data))
    final = state.get_final_completion()
    message = final.choices[0].message
    assert message.content == "Sure."
    assert [
        (c.id, c.function.name, c.function.parsed_arguments) for c in message.tool_calls or []
    ] == [
        ("toolu_01", "search", None)  # parsed only for strict tools passed as input_tools
    ]
    assert [c.function.arguments for c in message.tool_calls or []] == ['{"q": "cats"}']
    assert final.usage is not None and final.usage.prompt_tokens == 3510


def test_openai_stream_cut_short_still_ends_the_anthropic_message() -> None:
    out = convert(Format.OPENAI, Format.ANTHROPIC, OPENAI_STREAM[:8])
    validate(Format.ANTHROPIC, out)
    assert [n for n, _ in out[-4:]] == [
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert out[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_anthropic_stream_cut_short_still_ends_the_openai_stream() -> None:
    out = convert(Format.ANTHROPIC, Format.OPENAI, [(e["type"], e) for e in ANTHROPIC_STREAM[:8]])
    validate(Format.OPENAI, out)
    assert out[-3][1]["choices"][0]["finish_reason"] == "stop"
    assert out[-2][1]["usage"]["prompt_tokens"] == 3510  # known from message_start


def test_an_error_event_mid_stream_raises() -> None:
    converter = StreamConverter(Format.ANTHROPIC, Format.OPENAI)
    converter.feed("message_start", ANTHROPIC_STREAM[0])
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(UpstreamError) as info:
        converter.feed("error", error)
    assert info.value.upstream_status == 529


def test_same_format_passes_events_through() -> None:
    converter = StreamConverter("openai", "openai")
    for name, data in OPENAI_STREAM:
        assert converter.feed(name, data) == [(name, data)]
    assert converter.finish() == []
    assert (converter.source, converter.target) == (Format.OPENAI, Format.OPENAI)


TEXT = st.text(alphabet=st.sampled_from(list('ab c,{}"\n中🙂')), max_size=12)


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    parts: list[Part] = []
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["text", "thinking", "redacted", "call"]))
        if kind == "text":
            parts.append(TextPart(draw(TEXT)))
        elif kind == "thinking":
            # an empty, unsigned thinking block has nothing to stream on the OpenAI side
            signature = draw(st.none() | st.text(alphabet="S0+/", min_size=1, max_size=6))
            parts.append(
                ThinkingPart(draw(TEXT.filter(bool) if signature is None else TEXT), signature)
            )
        elif kind == "redacted":
            parts.append(RedactedThinkingPart(draw(st.text(alphabet="RD", min_size=1))))
        else:
            args = draw(
                st.dictionaries(st.sampled_from("xyz"), st.integers(0, 9) | TEXT, max_size=2)
            )
            parts.append(ToolCallPart(f"call_{i}", "f", args_json=orjson.dumps(args).decode()))
    counts = st.integers(0, 999)
    fresh, read, write = draw(counts), draw(counts), draw(counts)
    return ResponseIR(
        id="abc",
        model="m",
        parts=parts,
        finish_reason=draw(st.sampled_from(["stop", "length", "tool_calls", "content_filter"])),
        usage=Usage(fresh + read + write, draw(counts), read, write),
        created=1700000000,
    )


def openai_shape(response: ResponseIR) -> ResponseIR:
    """Parts in the one order a chat message holds them; empty signatures as none."""
    thinking: list[Part] = [
        ThinkingPart(p.text, p.signature or None) if isinstance(p, ThinkingPart) else p
        for p in response.parts
        if isinstance(p, ThinkingPart | RedactedThinkingPart)
    ]
    text = "".join(p.text for p in response.parts if isinstance(p, TextPart))
    calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
    parts = [*thinking, *([TextPart(text)] if text else []), *calls]
    # Anthropic has no `created`: both sides stamp the clock, maybe a second apart
    return replace(response, parts=parts, created=None)


def read_stream(fmt: Format, frames: Frames) -> ResponseIR:
    reader = stream_module(fmt).StreamReader()
    events: list[StreamEvent] = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return accumulate(events)


@pytest.mark.parametrize(
    ("source", "target"),
    [(Format.OPENAI, Format.ANTHROPIC), (Format.ANTHROPIC, Format.OPENAI)],
    ids=["openai->anthropic", "anthropic->openai"],
)
@given(response=responses(), k=st.integers(1, 4))
def test_converted_stream_says_what_the_converted_response_says(
    source: Format, target: Format, response: ResponseIR, k: int
) -> None:
    writer = stream_module(source).StreamWriter()
    frames: Frames = []
    for event in events_of(response, chunk=k):
        frames.extend(writer.feed(event))
    frames.extend(writer.finish())
    out = convert(source, target, frames)
    validate(target, out)
    streamed = read_stream(target, out)
    body = convert_response(codec(source).write_response(response), source=source, target=target)
    unstreamed = codec(target).read_response(body)
    assert openai_shape(streamed) == openai_shape(unstreamed)
    assert (streamed.id, streamed.finish_reason, streamed.usage) == (
        unstreamed.id,
        unstreamed.finish_reason,
        unstreamed.usage,
    )
