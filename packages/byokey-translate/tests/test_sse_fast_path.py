"""The decoder's bytes fast path gives exactly the events of the general text path.

A chunk of whole ``\\n``-terminated events at an event boundary is parsed as
bytes; feeding the same stream one byte at a time never takes that path. For
any stream (comments, unknown fields, multi-line data, invalid UTF-8, a BOM)
and any cut at event boundaries, both must agree.
"""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from byokey_translate import SSEDecoder
from byokey_types.chat import SSEEvent

_TEXT = st.sampled_from(["x", "é", "🙂", "{", "}", '"a"', ":", " ", "[DONE]", "1", ","])
_VALUE = st.lists(_TEXT, max_size=6).map("".join)
_LINE = st.one_of(
    st.tuples(st.just("data"), _VALUE),
    st.tuples(st.just("event"), _VALUE),
    st.tuples(st.just(""), _VALUE),  # a ":" comment
    st.tuples(st.just("id"), _VALUE),  # an ignored field
    st.just(("data", '{"k": "v", "n": [1, 2]}')),
)


def _block(lines: list[tuple[str, str]], raw: bytes) -> bytes:
    body = b"".join(
        (f"{name}: {value}\n" if name else f": {value}\n").encode() for name, value in lines
    )
    return body + raw + b"\n"


def _feed(chunks: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    out = [event for chunk in chunks for event in decoder.feed(chunk)]
    return out + decoder.finish()


@given(
    blocks=st.lists(
        st.tuples(
            st.lists(_LINE, min_size=1, max_size=4),
            st.sampled_from([b"", b"data: \xff\xfe bad utf-8\n", b'data: {"bad": "\xc3"}\n']),
        ),
        max_size=6,
    ),
    cuts=st.lists(st.integers(min_value=0, max_value=6), max_size=6),
    bom=st.booleans(),
)
def test_fast_path_matches_the_text_path(
    blocks: list[tuple[list[tuple[str, str]], bytes]], cuts: list[int], bom: bool
) -> None:
    events = [_block(lines, raw) for lines, raw in blocks]
    if bom and events:
        events[0] = b"\xef\xbb\xbf" + events[0]
    stream = b"".join(events)
    bounds = sorted({min(c, len(events)) for c in cuts} | {0, len(events)})
    grouped = [b"".join(events[a:b]) for a, b in pairwise(bounds)]
    one_byte = [stream[i : i + 1] for i in range(len(stream))]
    assert _feed(grouped) == _feed(one_byte) == _feed([stream])


def test_fast_path_then_split_event_then_fast_path() -> None:
    decoder = SSEDecoder()
    first = decoder.feed(b'event: a\ndata: {"x": 1}\n\n')
    middle = decoder.feed(b"data: [DO")
    rest = decoder.feed(b"NE]\n\n") + decoder.feed(b"data: plain\n\n")
    assert first == [SSEEvent("a", {"x": 1})]
    assert middle == []
    assert rest == [SSEEvent(None, "[DONE]"), SSEEvent(None, "plain")]
