"""The SSE decoder against every way an upstream can cut and frame a stream.

Streams are built by hand (not with ``encode_sse``) so line endings, comments,
unknown fields and multi-line ``data`` can vary, then split at random byte
offsets — inside ``\\r\\n``, inside a field name, inside a four-byte emoji.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from byokey_translate import SSEDecoder, encode_sse
from byokey_types.chat import SSEEvent

# Multi-byte UTF-8 on purpose: 2 (é), 3 (€, CJK) and 4 (emoji, 𝄞) byte sequences.
ALPHABET = st.sampled_from(list("abc XYZ09:,{}[]\"'\\é€中文字日本語🙂🎉𝄞\t"))
LINE_TEXT = st.text(alphabet=ALPHABET, max_size=12)
NAMES = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz_.")), min_size=1)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.text(alphabet=ALPHABET | st.sampled_from(["\n", "\r"]), max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet=ALPHABET, max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
OBJECTS = st.dictionaries(st.text(alphabet=ALPHABET, max_size=6), JSON_VALUES, max_size=4)


def _is_plain(lines: list[str]) -> bool:
    """A text payload the decoder keeps as text (it parses what looks like an object)."""
    return "\n".join(lines).lstrip()[:1] not in ("{", "[")


TEXT_PAYLOADS = st.lists(LINE_TEXT, min_size=1, max_size=3).filter(_is_plain)


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[SSEEvent], bool]:
    """An encoded stream, the events it holds, and whether the last one is unterminated."""
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    out: list[str] = []
    events: list[SSEEvent] = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.booleans()):
            out.append(":" + draw(LINE_TEXT) + eol)  # comment / keep-alive
        name = draw(st.none() | NAMES)
        if name is not None:
            out.append(f"event: {name}{eol}")
        if draw(st.booleans()):
            out.append(f"id: {draw(st.integers(0, 99))}{eol}")  # fields nobody relies on
        kind = draw(st.sampled_from(["json", "text", "done"]))
        data: dict[str, Any] | str
        if kind == "json":
            data = draw(OBJECTS)
            sep = draw(st.sampled_from(["data: ", "data:"]))
            out.append(sep + orjson.dumps(data).decode() + eol)
        elif kind == "done":
            data = "[DONE]"
            out.append("data: [DONE]" + eol)
        else:
            lines = draw(TEXT_PAYLOADS)
            out.extend(f"data: {line}{eol}" for line in lines)
            data = "\n".join(lines)
        out.append(eol)  # the blank line that dispatches
        events.append(SSEEvent(name, data))
    unterminated = bool(events) and draw(st.booleans())
    if unterminated:
        out.pop()  # the last event ends with the stream, not with a blank line
        if draw(st.booleans()):
            out[-1] = out[-1].removesuffix(eol)  # not even a line ending
    return "".join(out).encode(), events, unterminated


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for p in points:
        pieces.append(data[start:p])
        start = p
    pieces.append(data[start:])
    return pieces


@given(streams(), st.lists(st.integers(min_value=0), max_size=12))
def test_any_split_decodes_the_same_events(
    stream: tuple[bytes, list[SSEEvent], bool], cuts: list[int]
) -> None:
    raw, expected, unterminated = stream
    decoder = SSEDecoder()
    fed: list[SSEEvent] = []
    for piece in _split(raw, cuts):
        fed.extend(decoder.feed(piece))
    # only a blank line dispatches: an unterminated last event waits for finish()
    assert fed == (expected[:-1] if unterminated else expected)
    assert fed + decoder.finish() == expected


@given(streams())
def test_byte_by_byte(stream: tuple[bytes, list[SSEEvent], bool]) -> None:
    raw, expected, _ = stream
    decoder = SSEDecoder()
    got: list[SSEEvent] = []
    for i in range(len(raw)):
        got.extend(decoder.feed(raw[i : i + 1]))
    assert got + decoder.finish() == expected


@given(
    st.lists(
        st.tuples(st.none() | NAMES, OBJECTS | TEXT_PAYLOADS.map("\n".join)),
        max_size=6,
    ),
    st.lists(st.integers(min_value=0), max_size=8),
)
def test_encode_then_decode_round_trips(
    events: list[tuple[str | None, dict[str, Any] | str]], cuts: list[int]
) -> None:
    raw = b"".join(encode_sse(name, data) for name, data in events)
    decoder = SSEDecoder()
    got: list[SSEEvent] = []
    for piece in _split(raw, cuts):
        got.extend(decoder.feed(piece))
    assert got == [SSEEvent(name, data) for name, data in events]
    assert decoder.finish() == []


def test_encode_shapes() -> None:
    assert encode_sse(None, "[DONE]") == b"data: [DONE]\n\n"
    assert encode_sse("message_stop", {"type": "message_stop"}) == (
        b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
    )
    assert encode_sse(None, {"t": "中🙂"}) == 'data: {"t":"中🙂"}\n\n'.encode()
    # a line break of any kind in a text payload becomes another data line
    assert encode_sse(None, "a\r\nb\rc") == b"data: a\ndata: b\ndata: c\n\n"


def test_cr_lf_split_across_chunks_is_one_line_end() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a":1}\r') == []
    assert decoder.feed(b"\n\r") == [SSEEvent(None, {"a": 1})]
    assert decoder.feed(b"\n") == []  # the LF of the blank line's CRLF, not another blank line
    assert decoder.feed(b"data: x\r\n\r\n") == [SSEEvent(None, "x")]


def test_split_inside_a_multibyte_character() -> None:
    raw = encode_sse("e", {"text": "🙂"})
    cut = raw.index("🙂".encode()) + 2
    decoder = SSEDecoder()
    assert decoder.feed(raw[:cut]) == []
    assert decoder.feed(raw[cut:]) == [SSEEvent("e", {"text": "🙂"})]


def test_leading_bom_field_without_colon_and_invalid_utf8() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"\xef\xbb\xbfevent: a\ndata\n\ndata: \xff\n\n")
    # "data" alone is a data field with an empty value; a bad byte becomes U+FFFD
    assert events == [SSEEvent("a", ""), SSEEvent(None, "\ufffd")]


def test_events_without_data_are_not_dispatched() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: ping\n\n: keep-alive\n\nretry: 10\n\n") == []
    assert decoder.finish() == []


def test_multi_line_json_and_non_object_json() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b'data: {"a":\ndata: 1}\n\ndata: [1, 2]\n\ndata: {broken\n\n')
    assert events == [SSEEvent(None, {"a": 1}), SSEEvent(None, "[1, 2]"), SSEEvent(None, "{broken")]
