"""The AWS event-stream decoder: frames split anywhere, checksums, truncation, header types."""

from __future__ import annotations

import struct
import uuid
import zlib

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_provider._kiro_eventstream import EventStreamDecoder
from byokey_types import TransportError
from tests.fakes.kiro import encode_message, event_frame, exception_frame

payloads = st.lists(
    st.tuples(
        st.sampled_from(["assistantResponseEvent", "toolUseEvent", "meteringEvent"]),
        st.text(max_size=40),
    ),
    min_size=1,
    max_size=6,
)


@given(payloads, st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_frames_survive_any_split(items: list[tuple[str, str]], sizes: list[int]) -> None:
    wire = b"".join(event_frame(kind, {"content": text}) for kind, text in items)
    decoder = EventStreamDecoder()
    decoded = []
    position, index = 0, 0
    while position < len(wire):  # bounded: every step advances by at least one byte
        step = sizes[index % len(sizes)]
        decoded += decoder.feed(wire[position : position + step])
        position += step
        index += 1
    decoder.finish()
    assert [(m.event_type, m.message_type) for m in decoded] == [(k, "event") for k, _ in items]
    assert [orjson.loads(m.payload) for m in decoded] == [{"content": t} for _, t in items]


def test_exception_frame_headers() -> None:
    [message] = EventStreamDecoder().feed(exception_frame("ThrottlingException", "slow"))
    assert message.message_type == "exception"
    assert message.header(":exception-type") == "ThrottlingException"
    assert message.payload == b'{"message":"slow"}'


def test_message_checksum_mismatch_is_a_transport_error() -> None:
    frame = bytearray(event_frame("assistantResponseEvent", {"content": "hi"}))
    frame[-6] ^= 0xFF  # inside the payload
    with pytest.raises(TransportError, match="checksum"):
        EventStreamDecoder().feed(bytes(frame))


def test_prelude_checksum_mismatch_is_a_transport_error() -> None:
    frame = bytearray(event_frame("assistantResponseEvent", {"content": "hi"}))
    frame[3] ^= 0x01  # the total length
    with pytest.raises(TransportError, match="prelude"):
        EventStreamDecoder().feed(bytes(frame))


def test_stream_ending_inside_a_frame_fails_on_finish() -> None:
    decoder = EventStreamDecoder()
    assert decoder.feed(event_frame("assistantResponseEvent", {"content": "hi"})[:-3]) == []
    with pytest.raises(TransportError, match="inside a frame"):
        decoder.finish()


def _typed_header(name: str, kind: int, value: bytes) -> bytes:
    return struct.pack(">B", len(name)) + name.encode() + struct.pack(">B", kind) + value


def test_every_header_value_type_decodes() -> None:
    ident = uuid.uuid4()
    headers = b"".join(
        [
            _typed_header("t", 0, b""),
            _typed_header("f", 1, b""),
            _typed_header("b", 2, struct.pack(">b", -2)),
            _typed_header("s", 3, struct.pack(">h", 300)),
            _typed_header("i", 4, struct.pack(">i", -70000)),
            _typed_header("l", 5, struct.pack(">q", 2**40)),
            _typed_header("raw", 6, struct.pack(">H", 2) + b"\x00\x01"),
            _typed_header("ts", 8, struct.pack(">q", 1700000000000)),
            _typed_header("id", 9, ident.bytes),
        ]
    )
    total = 12 + len(headers) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + headers
    frame = body + struct.pack(">I", zlib.crc32(body))
    [message] = EventStreamDecoder().feed(frame)
    assert message.headers == {
        "t": True,
        "f": False,
        "b": -2,
        "s": 300,
        "i": -70000,
        "l": 2**40,
        "raw": b"\x00\x01",
        "ts": 1700000000000,
        "id": str(ident),
    }
    assert message.payload == b""
    assert message.message_type == "event"  # the default when the header is absent


def test_string_headers_from_the_fake_encoder() -> None:
    frame = encode_message([(":event-type", "x"), (":message-type", "event")], b"{}")
    [message] = EventStreamDecoder().feed(frame + frame)[:1]
    assert message.event_type == "x"
