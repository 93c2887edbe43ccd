"""OpenAI Chat Completions streams: writer output validated by the SDK, reader
robustness on what real upstreams send, and streamed == non-streamed.

Fidelity limits of the format (applied by :func:`expected`): the message has
one ``content`` string, so text parts join into one; ``stop_sequence`` has no
place (``finish_reason: stop``); an empty signature is no signature; an
empty, unsigned thinking block has nothing to stream and is not generated.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.lib.streaming.chat import ChatCompletionStreamState
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessageFunctionToolCall,
)

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
from byokey_translate._openai_chat import read_response, write_response
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
from byokey_translate._stream_openai_chat import StreamReader, StreamWriter
from byokey_types.errors import RateLimited, UpstreamError

Frames = list[tuple[str | None, Any]]

TEXT = st.text(alphabet=st.sampled_from(list('ab c,{}"\n中🙂')), max_size=16)
SIGNATURE = st.text(alphabet="Sig0123+/=", min_size=1, max_size=10)
ARGS = st.dictionaries(
    st.text(alphabet="xyz", min_size=1, max_size=3), st.integers(-5, 5) | TEXT, max_size=3
)
COUNTS = st.integers(0, 5000)

THINKING = st.one_of(
    st.builds(ThinkingPart, TEXT.filter(bool), st.none() | SIGNATURE),
    st.builds(ThinkingPart, st.just(""), SIGNATURE),
    st.builds(RedactedThinkingPart, st.text(alphabet="RDCT", min_size=1, max_size=6)),
)


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    """Responses in the order an assistant message holds them: thinking, text, calls."""
    parts: list[Part] = list(draw(st.lists(THINKING, max_size=3)))
    parts.extend(TextPart(t) for t in draw(st.lists(TEXT, max_size=3)))
    for i, args in enumerate(draw(st.lists(ARGS, max_size=3))):
        name = draw(st.sampled_from(["get_weather", "lookup"]))
        parts.append(ToolCallPart(f"call_{i}x", name, args_json=orjson.dumps(args).decode()))
    usage = draw(st.none() | st.builds(Usage, COUNTS, COUNTS, COUNTS, COUNTS, COUNTS))
    return ResponseIR(
        id=draw(st.sampled_from(["chatcmpl-abc", "abc", "msg_01"])),
        model="gpt-x",
        parts=parts,
        finish_reason=draw(
            st.sampled_from(["stop", "length", "tool_calls", "content_filter", "stop_sequence"])
        ),
        stop_sequence=draw(st.none() | st.just("END")),
        usage=usage,
        created=draw(st.integers(1, 2**31)),
    )


def unsign_empty(response: ResponseIR) -> ResponseIR:
    parts = [
        ThinkingPart(p.text, p.signature or None) if isinstance(p, ThinkingPart) else p
        for p in response.parts
    ]
    return replace(response, parts=parts)


def expected(response: ResponseIR) -> ResponseIR:
    """``response`` as far as an OpenAI chat message can say it."""
    thinking = [p for p in response.parts if isinstance(p, ThinkingPart | RedactedThinkingPart)]
    text = "".join(p.text for p in response.parts if isinstance(p, TextPart))
    calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
    parts: list[Part] = [*thinking, *([TextPart(text)] if text else []), *calls]
    reason = "stop" if response.finish_reason == "stop_sequence" else response.finish_reason
    return unsign_empty(
        replace(
            response,
            id=reprefix(response.id, "chatcmpl-"),
            parts=parts,
            finish_reason=reason,
            stop_sequence=None,
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


def validate(frames: Frames) -> list[dict[str, Any]]:
    """Every frame is an SDK-valid chunk with one id and one ``created``; ``[DONE]`` last."""
    assert frames[-1] == (None, "[DONE]")
    chunks = [data for _, data in frames[:-1]]
    assert all(name is None for name, _ in frames)
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk)
    assert len({(c["id"], c["created"], c["model"]) for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    finishes = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finishes) == 1
    return chunks


@given(responses(), st.integers(0, 5))
def test_stream_round_trip_equals_the_unstreamed_response(response: ResponseIR, k: int) -> None:
    frames = write(events_of(response, chunk=k))
    chunks = validate(frames)
    if response.usage is not None:
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"]["prompt_tokens"] == response.usage.input_tokens
    else:
        assert all("usage" not in c for c in chunks)
    streamed = read(frames)
    assert streamed == expected(response)
    assert streamed == unsign_empty(read_response(write_response(response)))


@given(responses(), st.integers(1, 5))
def test_the_sdk_accumulates_the_stream_to_the_unstreamed_body(
    response: ResponseIR, k: int
) -> None:
    state = ChatCompletionStreamState()
    for _, data in write(events_of(response, chunk=k))[:-1]:
        state.handle_chunk(ChatCompletionChunk.model_validate(data))
    got = state.current_completion_snapshot  # get_final_completion() refuses length/filter
    want = ChatCompletion.model_validate(write_response(response))
    assert (got.id, got.created, got.model) == (want.id, want.created, want.model)
    assert got.choices[0].finish_reason == want.choices[0].finish_reason
    assert (got.choices[0].message.content or "") == (want.choices[0].message.content or "")
    got_calls = [
        (c.id, c.function.name, c.function.arguments)
        for c in got.choices[0].message.tool_calls or []
    ]
    want_calls = [
        (c.id, c.function.name, c.function.arguments)
        for c in want.choices[0].message.tool_calls or []
        if isinstance(c, ChatCompletionMessageFunctionToolCall)
    ]
    assert got_calls == want_calls
    assert got.usage == want.usage


def chunk(
    delta: dict[str, Any] | None = None, finish: str | None = None, **top: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"object": "chat.completion.chunk", **top}
    body.setdefault("choices", [{"index": 0, "delta": delta or {}, "finish_reason": finish}])
    return body


def feed_all(items: list[dict[str, Any] | str]) -> tuple[list[StreamEvent], StreamReader]:
    reader = StreamReader()
    events: list[StreamEvent] = []
    for item in items:
        events.extend(reader.feed(None, item))
    return events, reader


def test_reader_on_a_realistic_tool_call_stream() -> None:
    ident: dict[str, Any] = {"id": "chatcmpl-9", "model": "gpt-4o", "created": 1700000000}
    events, reader = feed_all(
        [
            chunk({"role": "assistant", "content": ""}, **ident),
            chunk({"reasoning_content": "think"}, **ident),
            chunk({"reasoning_signature": "sig"}, **ident),
            chunk({"content": "Checking"}, **ident),
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_a",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                },
                **ident,
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]}, **ident),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}, **ident),
            chunk(
                {"tool_calls": [{"index": 1, "id": "call_b", "function": {"name": "lookup"}}]},
                **ident,
            ),
            chunk({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}, **ident),
            chunk({}, "tool_calls", **ident),
            {
                **ident,
                "object": "chat.completion.chunk",
                "choices": [],
                "usage": {
                    "prompt_tokens": 50,
                    "completion_tokens": 20,
                    "total_tokens": 70,
                    "prompt_tokens_details": {"cached_tokens": 30},
                    "completion_tokens_details": {"reasoning_tokens": 5},
                },
            },
            "[DONE]",
            chunk({"content": "after done is ignored"}, **ident),
        ]
    )
    assert events == [
        StreamStart("chatcmpl-9", "gpt-4o", 1700000000),
        ThinkingDelta(0, "think"),
        ThinkingDelta(0, "", "sig"),
        TextDelta(1, "Checking"),
        ToolCallStart(2, "call_a", "get_weather"),
        ToolCallDelta(2, '{"city":'),
        ToolCallDelta(2, '"Paris"}'),
        ToolCallStart(3, "call_b", "lookup"),
        ToolCallDelta(3, "{}"),
        Finish("tool_calls"),
        UsageUpdate(Usage(50, 20, 30, 0, 5)),
    ]
    assert reader.finish() == []


def test_reader_takes_choice_zero_and_usage_inside_the_finish_chunk() -> None:
    events, _ = feed_all(
        [
            {
                "choices": [
                    {"index": 1, "delta": {"content": "other"}},
                    {"index": 0, "delta": {"content": "mine"}},
                ]
            },
            chunk({}, "length", usage={"prompt_tokens": 3, "completion_tokens": 4}),
        ]
    )
    assert events == [
        StreamStart("", "unknown", None),
        TextDelta(0, "mine"),
        Finish("length"),
        UsageUpdate(Usage(3, 4)),
    ]


def test_reader_names_calls_without_ids_and_accepts_object_arguments() -> None:
    events, reader = feed_all(
        [
            chunk({"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": {"a": 1}}}]}),
            chunk({"tool_calls": [{"function": {"arguments": ""}}]}),
        ]
    )
    assert events[1:] == [ToolCallStart(0, "call_0", "f"), ToolCallDelta(0, '{"a":1}')]
    # no finish_reason before the end: a call was made, so the turn ends for tools
    assert reader.finish() == [Finish("tool_calls")]
    assert reader.finish() == []


def test_reader_splits_a_reused_index_with_a_new_id() -> None:
    events, _ = feed_all(
        [
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{}"}}
                    ]
                }
            ),
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "c2", "function": {"name": "g", "arguments": "{}"}}
                    ]
                }
            ),
        ]
    )
    got = accumulate(events)
    assert got.parts == [ToolCallPart("c1", "f", args={}), ToolCallPart("c2", "g", args={})]


def test_reader_synthesises_stop_and_handles_reasoning_alias_and_refusal() -> None:
    events, reader = feed_all(
        [chunk({"reasoning": "r1"}), chunk({"refusal": "no"}), chunk({"reasoning_content": "r2"})]
    )
    assert events[1:] == [ThinkingDelta(0, "r1"), TextDelta(1, "no"), ThinkingDelta(2, "r2")]
    assert reader.finish() == [Finish("stop")]


def test_reader_of_an_empty_stream_says_nothing() -> None:
    reader = StreamReader()
    assert reader.feed(None, "[DONE]") == []
    assert reader.finish() == []


def test_reader_keeps_redacted_and_whole_thinking_blocks() -> None:
    events, _ = feed_all(
        [
            chunk({"reasoning_content": "a"}),
            chunk(
                {
                    "reasoning_blocks": [
                        {"type": "redacted_thinking", "data": "xx"},
                        {"type": "thinking", "thinking": "b", "signature": "sb"},
                    ]
                }
            ),
            chunk({"reasoning_content": "c"}),
            chunk({"reasoning_signature": "sc"}),
        ]
    )
    assert accumulate(events).parts == [
        ThinkingPart("a"),
        RedactedThinkingPart("xx"),
        ThinkingPart("b", "sb"),
        ThinkingPart("c", "sc"),
    ]


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        ({"message": "slow down", "type": "rate_limit_error"}, 429, RateLimited),
        ({"message": "bad", "type": "invalid_request_error", "code": None}, 400, UpstreamError),
        ({"message": "boom", "code": 503}, 503, UpstreamError),
        ({"message": "odd", "code": "418"}, 418, UpstreamError),
        ({"type": "server_error"}, 500, UpstreamError),
    ],
)
def test_error_chunk_raises_upstream_error(
    error: dict[str, Any], status: int, kind: type[UpstreamError]
) -> None:
    reader = StreamReader()
    reader.feed(None, chunk({"content": "partial"}))
    with pytest.raises(kind) as info:
        reader.feed(None, {"error": error})
    assert info.value.upstream_status == status
    assert (error.get("message") or "error event in stream") in info.value.client_message


def test_writer_without_a_start_or_finish_still_writes_a_whole_stream() -> None:
    writer = StreamWriter()
    frames = writer.feed(ToolCallDelta(4, '{"q":1}')) + writer.finish()
    chunks = validate(frames)
    assert chunks[0]["id"].startswith("chatcmpl-") and chunks[0]["model"] == "unknown"
    call = chunks[1]["choices"][0]["delta"]["tool_calls"][0]
    assert call == {
        "index": 0,
        "id": "call_0",
        "type": "function",
        "function": {"name": "", "arguments": ""},
    }
    assert chunks[2]["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] == '{"q":1}'
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"
    assert writer.feed(TextDelta(0, "late")) == [] and writer.finish() == []


def test_writer_keeps_adjacent_unsigned_thinking_blocks_apart() -> None:
    frames = write(
        [
            StreamStart("x", "m", 1),
            ThinkingDelta(0, "one"),
            ThinkingDelta(1, "two"),
            RedactedThinking(2, "R"),
            Finish("stop"),
        ]
    )
    deltas = [d["choices"][0]["delta"] for _, d in frames[1:-2]]
    assert deltas == [
        {"reasoning_content": "one"},
        {"reasoning_signature": ""},
        {"reasoning_content": "two"},
        {"reasoning_blocks": [{"index": 0, "type": "redacted_thinking", "data": "R"}]},
    ]
    assert read(frames).parts == [
        ThinkingPart("one"),
        ThinkingPart("two"),
        RedactedThinkingPart("R"),
    ]


def test_writer_sends_usage_known_at_start_after_the_finish_chunk() -> None:
    frames = write([StreamStart("msg_1", "claude", None, Usage(12, 1, 10, 0)), TextDelta(0, "hi")])
    chunks = validate(frames)
    assert chunks[0]["id"] == "chatcmpl-msg_1"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 12,
        "completion_tokens": 1,
        "total_tokens": 13,
        "prompt_tokens_details": {"cached_tokens": 10},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
