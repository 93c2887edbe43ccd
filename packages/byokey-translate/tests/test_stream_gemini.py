"""Gemini ``streamGenerateContent`` streams: writer and reader round trips,
streamed == non-streamed against the Gemini codec, and recorded-style streams
converted to OpenAI chat and Anthropic (validated by their SDKs).

Fidelity limits of the format (applied by :func:`gemini_view` to both sides):
text fragments in a row are one text part; an unsigned thinking part merges
with the thinking that follows it; a text-less signature travels on a
neighbouring part (the non-streamed writer prefers the next call, the stream
writer the next part), so only its place relative to that part is kept;
redacted thinking and empty, unsigned thinking have no Gemini form; ``STOP`` after a call is ``tool_calls`` and
``stop_sequence`` is ``stop``; usage has no cache-write counter.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson
import pytest
from anthropic.types import RawMessageStreamEvent
from hypothesis import given
from hypothesis import strategies as st
from openai.types.chat import ChatCompletionChunk
from pydantic import TypeAdapter

from byokey_translate import Format, StreamConverter
from byokey_translate._codecs import stream_module
from byokey_translate._gemini import read_response, write_response
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
from byokey_translate._stream_gemini import StreamReader, StreamWriter
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
from byokey_types.errors import RateLimited

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
signatures = st.from_regex(r"C[A-Za-z0-9+/=]{1,20}", fullmatch=True)


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    output = draw(st.integers(0, 10**6))
    return Usage(
        draw(st.integers(0, 10**6)),
        output,
        draw(st.integers(0, 10**5)),
        draw(st.integers(0, 10**5)),
        draw(st.integers(0, output)),
    )


@st.composite
def responses(draw: st.DrawFn) -> ResponseIR:
    kinds = draw(st.lists(st.sampled_from(["text", "thinking", "call", "redacted"]), max_size=7))
    parts: list[Part] = []
    for i, kind in enumerate(kinds):
        if kind == "text":
            parts.append(TextPart(draw(texts)))
        elif kind == "thinking":
            parts.append(ThinkingPart(draw(st.text(max_size=24)), draw(st.none() | signatures)))
        elif kind == "call":
            call_id = draw(st.sampled_from(["", f"call_{i}"]))
            parts.append(ToolCallPart(call_id, draw(names), args=draw(args)))
        else:
            parts.append(RedactedThinkingPart(draw(signatures)))
    finish: FinishReason | None = draw(
        st.sampled_from([None, "stop", "length", "tool_calls", "content_filter", "stop_sequence"])
    )
    return ResponseIR(
        id=draw(st.from_regex(r"[A-Za-z0-9_-]{0,12}", fullmatch=True)),
        model=draw(names),
        parts=parts,
        finish_reason=finish,
        usage=draw(st.none() | usages()),
        created=draw(st.none() | st.integers(1, 2**31)),
    )


# --- helpers -------------------------------------------------------------------------


def _signature_only(part: Part) -> bool:
    return isinstance(part, ThinkingPart) and not part.text and bool(part.signature)


def _rides_on(part: Part) -> bool:
    """Whether a Gemini writer can hang a signature on ``part``."""
    if isinstance(part, TextPart):
        return bool(part.text)
    return isinstance(part, ToolCallPart)


def _place_signatures(parts: list[Part]) -> list[Part]:
    """Each text-less signature just before the part a Gemini writer hangs it on:
    the next call before the next such signature, else the next text."""
    parts = list(parts)
    i = 0
    while i < len(parts):
        if _signature_only(parts[i]):
            following: list[int] = []
            for j in range(i + 1, len(parts)):
                if _signature_only(parts[j]):
                    break
                following.append(j)
            target = next((j for j in following if isinstance(parts[j], ToolCallPart)), None)
            if target is None:
                target = next((j for j in following if _rides_on(parts[j])), None)
            if target is not None and target != i + 1:
                parts.insert(target - 1, parts.pop(i))
                continue
        i += 1
    return parts


def _merged(parts: list[Part]) -> list[Part]:
    out: list[Part] = []
    for part in parts:
        last = out[-1] if out else None
        if isinstance(part, TextPart) and isinstance(last, TextPart):
            out[-1] = TextPart(last.text + part.text)
        elif (
            isinstance(part, ThinkingPart)
            and isinstance(last, ThinkingPart)
            and last.signature is None
        ):
            out[-1] = ThinkingPart(last.text + part.text, part.signature)
        else:
            out.append(part)
    return out


def gemini_view(r: ResponseIR) -> ResponseIR:
    """``r`` as far as a Gemini stream can say it (see the module doc)."""
    kept: list[Part] = []
    for part in r.parts:
        if isinstance(part, RedactedThinkingPart):
            continue
        if isinstance(part, ThinkingPart) and not part.text and not part.signature:
            continue
        if isinstance(part, TextPart) and not part.text:
            continue
        kept.append(
            ToolCallPart(part.id, part.name, args=part.args)
            if isinstance(part, ToolCallPart)
            else part
        )
    parts = _merged(_place_signatures(_merged(kept)))
    has_calls = any(isinstance(p, ToolCallPart) for p in parts)
    finish = r.finish_reason
    if finish not in ("length", "content_filter"):
        finish = "tool_calls" if has_calls else "stop"
    usage = r.usage
    if usage is not None:
        usage = replace(usage, cache_write_tokens=0)
    return replace(r, parts=parts, finish_reason=finish, stop_sequence=None, usage=usage)


def without_call_ids(r: ResponseIR) -> ResponseIR:
    return replace(
        r,
        parts=[
            ToolCallPart("", p.name, args=p.args) if isinstance(p, ToolCallPart) else p
            for p in r.parts
        ],
    )


def write(events: list[StreamEvent], writer: StreamWriter | None = None) -> Frames:
    writer = writer or StreamWriter()
    frames: Frames = []
    for event in events:
        frames.extend(writer.feed(event))
    frames.extend(writer.finish())
    return frames


def read(frames: Frames, reader: StreamReader | None = None) -> list[StreamEvent]:
    reader = reader or StreamReader()
    events: list[StreamEvent] = []
    for name, data in frames:
        events.extend(reader.feed(name, data))
    events.extend(reader.finish())
    return events


def merged_body(frames: Frames) -> dict[str, Any]:
    """The one ``GenerateContentResponse`` the chunks add up to (what the
    non-streamed endpoint would answer)."""
    parts = [p for _, d in frames for p in d["candidates"][0]["content"]["parts"]]
    last = frames[-1][1]
    return {
        **last,
        "candidates": [{**last["candidates"][0], "content": {"role": "model", "parts": parts}}],
    }


# --- properties ----------------------------------------------------------------------


@given(responses(), st.integers(0, 6))
def test_written_stream_reads_back(r: ResponseIR, chunk: int) -> None:
    frames = write(events_of(r, chunk=chunk))
    for name, data in frames:
        assert name is None
        candidate = data["candidates"][0]
        assert candidate["content"]["role"] == "model" and candidate["content"]["parts"]
        assert data["modelVersion"] == r.model
    assert "finishReason" in frames[-1][1]["candidates"][0]
    assert all("finishReason" not in d["candidates"][0] for _, d in frames[:-1])
    got = gemini_view(accumulate(read(frames)))
    want = gemini_view(r)
    # calls written without an id come back with the id the Gemini codec derives
    assert without_call_ids(got) == without_call_ids(want)
    for mine, theirs in zip(got.parts, want.parts, strict=True):
        if isinstance(theirs, ToolCallPart) and theirs.id:
            assert isinstance(mine, ToolCallPart) and mine.id == theirs.id


@given(responses(), st.integers(0, 6))
def test_streamed_equals_unstreamed(r: ResponseIR, chunk: int) -> None:
    frames = write(events_of(r, chunk=chunk))
    streamed = accumulate(read(frames))
    unstreamed = read_response(write_response(r))
    # the chunks glued together are a body the codec reads the same way, ids included
    assert gemini_view(read_response(merged_body(frames))) == gemini_view(streamed)
    streamed.created = None  # the non-streamed body has no createTime
    assert gemini_view(streamed) == gemini_view(unstreamed)


# --- recorded-style streams ----------------------------------------------------------


def chunk(parts: list[dict[str, Any]], **extra: Any) -> tuple[str | None, dict[str, Any]]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if "finishReason" in extra:
        candidate["finishReason"] = extra.pop("finishReason")
    return (
        None,
        {
            "candidates": [candidate],
            "modelVersion": "gemini-2.5-pro",
            "responseId": "Yx2maPKXJ8ub1MkPkNGt6Q8",
            **extra,
        },
    )


def usage_so_far(candidates: int, thoughts: int) -> dict[str, int]:
    return {
        "promptTokenCount": 812,
        "candidatesTokenCount": candidates,
        "thoughtsTokenCount": thoughts,
        "totalTokenCount": 812 + candidates + thoughts,
        "cachedContentTokenCount": 512,
    }


GEMINI_THINKING_STREAM: Frames = [
    chunk(
        [{"text": "**Checking the weather** The user wants Paris.", "thought": True}],
        usageMetadata={"promptTokenCount": 812, "totalTokenCount": 812},
    ),
    chunk(
        [{"text": " I'll call the tool.", "thought": True}],
        usageMetadata={"promptTokenCount": 812, "totalTokenCount": 812},
    ),
    chunk(
        [
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris", "unit": "c"}},
                "thoughtSignature": "CiQB0e2Kb7cE1zvbIF9AB1D2",
            }
        ],
        usageMetadata=usage_so_far(18, 131),
    ),
    chunk([{"text": ""}], finishReason="STOP", usageMetadata=usage_so_far(18, 131)),
]


def test_gemini_thinking_stream_reads_like_the_unstreamed_answer() -> None:
    events = read(GEMINI_THINKING_STREAM)
    got = accumulate(events)
    assert got.parts[0] == ThinkingPart(
        "**Checking the weather** The user wants Paris. I'll call the tool."
    )
    assert got.parts[1] == ThinkingPart("", "CiQB0e2Kb7cE1zvbIF9AB1D2")
    call = got.parts[2]
    assert isinstance(call, ToolCallPart) and call.name == "get_weather"
    assert call.args == {"city": "Paris", "unit": "c"}
    assert got.finish_reason == "tool_calls"
    assert got.usage == Usage(812, 149, 512, 0, 131)
    assert (got.id, got.model) == ("Yx2maPKXJ8ub1MkPkNGt6Q8", "gemini-2.5-pro")
    # one start and one delta for the whole call; usage reported once, before the finish
    assert sum(isinstance(e, ToolCallStart) for e in events) == 1
    assert sum(isinstance(e, ToolCallDelta) for e in events) == 1
    assert [type(e) for e in events[-2:]] == [UsageUpdate, Finish]
    assert sum(isinstance(e, UsageUpdate) for e in events) == 1
    # the derived id is the one the non-streamed codec gives the same content
    assert gemini_view(got) == gemini_view(read_response(merged_body(GEMINI_THINKING_STREAM)))
    assert call.id.startswith("call_")


def convert(frames: Frames, target: Format) -> Frames:
    converter = StreamConverter(Format.GEMINI, target)
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


def test_gemini_thinking_stream_as_openai_chat_chunks() -> None:
    out = convert(GEMINI_THINKING_STREAM, Format.OPENAI)
    assert out[-1] == (None, "[DONE]")
    chunks = [ChatCompletionChunk.model_validate(d) for _, d in out[:-1]]
    finishes = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finishes == ["tool_calls"]  # the original said "stop" after a call
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert [tc.index for tc in calls] == [0] * len(calls)  # one call, in one or more deltas
    assert calls[0].function is not None and calls[0].function.name == "get_weather"
    arguments = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert orjson.loads(arguments) == {"city": "Paris", "unit": "c"}
    expected_id = accumulate(read(GEMINI_THINKING_STREAM)).parts[2]
    assert isinstance(expected_id, ToolCallPart) and calls[0].id == expected_id.id
    usage = chunks[-1].usage
    assert usage is not None and (usage.prompt_tokens, usage.completion_tokens) == (812, 149)
    # the thinking, its signature and the call all survive the trip through OpenAI chunks
    back = read_as(Format.OPENAI, out)
    assert back.parts == accumulate(read(GEMINI_THINKING_STREAM)).parts


def test_gemini_thinking_stream_as_anthropic_events() -> None:
    out = convert(GEMINI_THINKING_STREAM, Format.ANTHROPIC)
    adapter = TypeAdapter(RawMessageStreamEvent)
    for name, data in out:
        assert name == data["type"]
        adapter.validate_python(data)
    blocks = [d["content_block"] for _, d in out if d["type"] == "content_block_start"]
    assert [b["type"] for b in blocks][-1] == "tool_use"
    assert blocks[-1]["name"] == "get_weather"
    delta = next(d for _, d in out if d["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"
    back = read_as(Format.ANTHROPIC, out)
    thinking = [p for p in back.parts if isinstance(p, ThinkingPart)]
    assert "".join(p.text for p in thinking).startswith("**Checking the weather**")
    assert "CiQB0e2Kb7cE1zvbIF9AB1D2" in [p.signature for p in thinking]
    assert back.usage is not None and back.usage.input_tokens == 812
    assert back.usage.cache_read_tokens == 512


# --- reader behaviour ----------------------------------------------------------------


def test_text_answer_with_usage_on_every_chunk() -> None:
    frames = [
        chunk([{"text": "Hel"}], usageMetadata=usage_so_far(1, 0)),
        chunk([{"text": "lo"}], usageMetadata=usage_so_far(2, 0)),
        chunk([{"text": "!"}], finishReason="MAX_TOKENS", usageMetadata=usage_so_far(3, 0)),
        chunk([], usageMetadata=usage_so_far(4, 0)),
    ]
    events = read(frames)
    assert accumulate(events).parts == [TextPart("Hello!")]
    assert accumulate(events).finish_reason == "length"
    updates = [e.usage.output_tokens for e in events if isinstance(e, UsageUpdate)]
    assert updates == [3, 4]  # once before the finish, again when a later chunk changes it


def test_a_signature_on_a_thought_closes_it() -> None:
    frames = [
        chunk([{"text": "a", "thought": True}]),
        chunk([{"text": "b", "thought": True, "thoughtSignature": "S1"}]),
        chunk([{"text": "c", "thought": True}]),
        chunk([{"text": "answer", "thoughtSignature": "S2"}], finishReason="STOP"),
    ]
    assert accumulate(read(frames)).parts == [
        ThinkingPart("ab", "S1"),
        ThinkingPart("c"),
        ThinkingPart("", "S2"),
        TextPart("answer"),
    ]


def test_calls_keep_given_ids_and_get_ordinal_ids_otherwise() -> None:
    frames = [
        chunk([{"functionCall": {"id": "fc-7", "name": "a", "args": {}}}]),
        chunk(
            [
                {"functionCall": {"name": "b", "args": {"x": 1}}},
                {"functionCall": {"name": "b", "args": {"x": 1}}},
            ],
            finishReason="STOP",
        ),
    ]
    got = accumulate(read(frames))
    ids = [p.id for p in got.parts if isinstance(p, ToolCallPart)]
    assert ids[0] == "fc-7" and ids[1] != ids[2]
    assert got == read_response(merged_body(frames))


def test_blocked_prompt_and_missing_finish() -> None:
    blocked = read([(None, {"promptFeedback": {"blockReason": "SAFETY"}, "modelVersion": "m"})])
    assert blocked[-1] == Finish("content_filter")
    cut = read([chunk([{"text": "partial"}], usageMetadata=usage_so_far(1, 0))])
    assert [type(e) for e in cut] == [StreamStart, TextDelta, UsageUpdate, Finish]
    assert cut[-1] == Finish("stop")


def test_error_chunk_raises() -> None:
    error = {
        "error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}
    }
    with pytest.raises(RateLimited):
        StreamReader().feed(None, error)


def test_non_object_payloads_and_unknown_parts_are_ignored() -> None:
    events = read(
        [
            (None, "[DONE]"),
            chunk([{"inlineData": {"mimeType": "image/png", "data": "iVBOR"}}, {"text": "x"}]),
            chunk([{"executableCode": {"code": "print(1)"}}], finishReason="STOP"),
        ]
    )
    assert accumulate(events).parts == [TextPart("x")]


# --- writer behaviour ----------------------------------------------------------------


def test_writer_sends_usage_reported_after_the_finish_in_the_last_chunk() -> None:
    events: list[StreamEvent] = [
        StreamStart("chatcmpl-9", "gpt-4o", 1700000000),
        TextDelta(0, "Hi"),
        Finish("stop"),
        UsageUpdate(Usage(10, 4, 6, 0, 1)),
    ]
    frames = write(events)
    last = frames[-1][1]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert last["usageMetadata"] == {
        "promptTokenCount": 10,
        "candidatesTokenCount": 3,
        "totalTokenCount": 14,
        "cachedContentTokenCount": 6,
        "thoughtsTokenCount": 1,
    }
    assert last["createTime"] == "2023-11-14T22:13:20Z"
    assert all(d["responseId"] == "chatcmpl-9" for _, d in frames)


def test_writer_holds_a_call_until_complete_and_gives_it_the_waiting_signature() -> None:
    events: list[StreamEvent] = [
        StreamStart("r", "m"),
        ThinkingDelta(0, "", "SIG"),
        ToolCallStart(1, "call_1", "f"),
        ToolCallDelta(1, '{"a":'),
        ToolCallDelta(1, "[1,2]}"),
        ToolCallStart(2, "", "g"),
        Finish("tool_calls"),
    ]
    frames = write(events)
    parts = [p for _, d in frames for p in d["candidates"][0]["content"]["parts"]]
    assert parts == [
        {
            "functionCall": {"id": "call_1", "name": "f", "args": {"a": [1, 2]}},
            "thoughtSignature": "SIG",
        },
        {"functionCall": {"name": "g", "args": {}}},
    ]


def test_writer_turns_a_bad_argument_text_into_an_empty_object() -> None:
    frames = write(
        [ToolCallStart(0, "c", "f"), ToolCallDelta(0, "{not json"), Finish("tool_calls")]
    )
    assert frames[-1][1]["candidates"][0]["content"]["parts"] == [
        {"functionCall": {"id": "c", "name": "f", "args": {}}}
    ]


def test_an_empty_stream_still_ends_with_a_finish_chunk() -> None:
    writer = StreamWriter()
    frames = write([], writer)
    assert frames[0][1]["candidates"][0] == {
        "content": {"role": "model", "parts": [{"text": ""}]},
        "index": 0,
        "finishReason": "STOP",
    }
    assert writer.feed(TextDelta(0, "late")) == [] and writer.finish() == []
