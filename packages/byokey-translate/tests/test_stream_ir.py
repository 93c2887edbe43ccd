"""The canonical stream: replaying a response as events and folding events back."""

from __future__ import annotations

import math

import orjson
from hypothesis import given
from hypothesis import strategies as st

from byokey_translate._ir import (
    Part,
    RedactedThinkingPart,
    ResponseIR,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    Usage,
)
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
    merge_usage,
)

TEXT = st.text(alphabet=st.sampled_from(list('ab c,{}"\n中🙂')), max_size=20)
ARGS = st.dictionaries(
    st.text(alphabet="xyz", min_size=1, max_size=3),
    st.integers(-5, 5) | TEXT | st.booleans(),
    max_size=3,
)
COUNTS = st.integers(0, 10_000)

PARTS: st.SearchStrategy[Part] = st.one_of(
    TEXT.map(TextPart),
    st.builds(ThinkingPart, TEXT, st.none() | st.text(alphabet="sig0123", max_size=8)),
    st.builds(RedactedThinkingPart, st.text(alphabet="RDCT", min_size=1, max_size=6)),
    st.builds(
        lambda i, name, args: ToolCallPart(
            f"call_{i}", name, args_json=orjson.dumps(args).decode()
        ),
        st.integers(0, 99),
        st.sampled_from(["get_weather", "lookup"]),
        ARGS,
    ),
)
RESPONSES = st.builds(
    ResponseIR,
    id=st.text(alphabet="abc123", min_size=1, max_size=6),
    model=st.sampled_from(["m1", "claude-x"]),
    parts=st.lists(PARTS, max_size=6),
    finish_reason=st.sampled_from(["stop", "length", "tool_calls", "content_filter", None]),
    stop_sequence=st.none() | st.just("END"),
    usage=st.none() | st.builds(Usage, COUNTS, COUNTS, COUNTS, COUNTS, COUNTS),
    created=st.none() | st.integers(0, 2**31),
)


@given(RESPONSES, st.integers(0, 7))
def test_accumulate_inverts_events_of(response: ResponseIR, chunk: int) -> None:
    assert accumulate(events_of(response, chunk=chunk)) == response


@given(RESPONSES, st.integers(1, 7))
def test_chunking_splits_text_and_arguments(response: ResponseIR, chunk: int) -> None:
    events = events_of(response, chunk=chunk)
    assert isinstance(events[0], StreamStart)
    assert isinstance(events[-1], Finish)
    for index, part in enumerate(response.parts):
        if isinstance(part, TextPart):
            pieces = [e.text for e in events if isinstance(e, TextDelta) and e.index == index]
        elif isinstance(part, ToolCallPart):
            pieces = [
                e.args_json for e in events if isinstance(e, ToolCallDelta) and e.index == index
            ]
        else:
            continue
        whole = part.text if isinstance(part, TextPart) else part.args_json
        assert "".join(pieces) == whole
        assert len(pieces) == max(1, math.ceil(len(whole) / chunk))
        assert all(len(p) <= chunk for p in pieces)


def test_accumulate_places_interleaved_deltas_by_index() -> None:
    events: list[StreamEvent] = [
        StreamStart("r1", "m", 7),
        ToolCallStart(1, "call_a", "f"),
        ToolCallStart(2, "call_b", "g"),
        ToolCallDelta(1, '{"x":'),
        ToolCallDelta(2, '{"y":2}'),
        ToolCallDelta(1, "1}"),
        ThinkingDelta(0, "hm"),
        ThinkingDelta(0, "", "sig-"),
        ThinkingDelta(0, "", "tail"),
        RedactedThinking(3, "opaque"),
        UsageUpdate(Usage(10, 0)),
        Finish("tool_calls"),
        UsageUpdate(Usage(0, 5, reasoning_tokens=2)),
    ]
    got = accumulate(events)
    assert got.parts == [
        ThinkingPart("hm", "sig-tail"),
        ToolCallPart("call_a", "f", args={"x": 1}),
        ToolCallPart("call_b", "g", args={"y": 2}),
        RedactedThinkingPart("opaque"),
    ]
    assert got.usage == Usage(10, 5, reasoning_tokens=2)
    assert (got.id, got.model, got.created, got.finish_reason) == ("r1", "m", 7, "tool_calls")


def test_accumulate_of_a_delta_without_its_start() -> None:
    got = accumulate([ToolCallDelta(0, '{"a":1}'), TextDelta(1, "x")])
    assert got.parts == [ToolCallPart("", "", args={"a": 1}), TextPart("x")]
    assert got.finish_reason is None


@given(
    st.none() | st.builds(Usage, COUNTS, COUNTS, COUNTS, COUNTS, COUNTS),
    st.builds(Usage, COUNTS, COUNTS, COUNTS, COUNTS, COUNTS),
)
def test_merge_usage_prefers_new_non_zero_fields(old: Usage | None, new: Usage) -> None:
    merged = merge_usage(old, new)
    base = old or Usage()
    for name in (
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "reasoning_tokens",
    ):
        assert getattr(merged, name) == (getattr(new, name) or getattr(base, name))
    assert merged is not new and merged is not old
