"""AWS event-stream (``application/vnd.amazon.eventstream``) decoding, incremental.

CodeWhisperer answers ``generateAssistantResponse`` with binary frames, not
SSE: a 12-byte prelude (total length, headers length, CRC32 of those eight
bytes), typed headers, the payload, and a CRC32 of the whole message. Network
reads split frames anywhere, so bytes are buffered until a frame is complete;
both checksums are verified, because a corrupted length would otherwise make
the decoder wait forever or read garbage as JSON.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass, field

from byokey_types import TransportError

__all__ = ["EventMessage", "EventStreamDecoder"]

_PRELUDE = 12
_MAX_MESSAGE = 16 * 1024 * 1024
HeaderValue = bool | int | bytes | str


@dataclass(frozen=True, slots=True)
class EventMessage:
    """One decoded frame: its headers (``:event-type``, ``:message-type``…) and payload."""

    headers: dict[str, HeaderValue] = field(default_factory=dict)
    payload: bytes = b""

    def header(self, name: str) -> str | None:
        value = self.headers.get(name)
        return value if isinstance(value, str) else None

    @property
    def message_type(self) -> str:
        return self.header(":message-type") or "event"

    @property
    def event_type(self) -> str | None:
        return self.header(":event-type")


def _fail(upstream: str, why: str) -> TransportError:
    return TransportError(f"{upstream}: malformed event stream ({why})")


def _read_value(kind: int, data: bytes, pos: int, upstream: str) -> tuple[HeaderValue, int]:
    fixed = {2: ">b", 3: ">h", 4: ">i", 5: ">q", 8: ">q"}
    if kind == 0:
        return True, pos
    if kind == 1:
        return False, pos
    if kind in fixed:
        fmt = fixed[kind]
        size = struct.calcsize(fmt)
        if pos + size > len(data):
            raise _fail(upstream, "header value overruns")
        return int(struct.unpack_from(fmt, data, pos)[0]), pos + size
    if kind == 9:
        if pos + 16 > len(data):
            raise _fail(upstream, "header value overruns")
        return str(uuid.UUID(bytes=bytes(data[pos : pos + 16]))), pos + 16
    if kind in (6, 7):
        if pos + 2 > len(data):
            raise _fail(upstream, "header value overruns")
        (length,) = struct.unpack_from(">H", data, pos)
        pos += 2
        if pos + length > len(data):
            raise _fail(upstream, "header value overruns")
        raw = bytes(data[pos : pos + length])
        return (raw.decode("utf-8", errors="replace") if kind == 7 else raw), pos + length
    raise _fail(upstream, f"unknown header type {kind}")


def _headers(data: bytes, upstream: str) -> dict[str, HeaderValue]:
    out: dict[str, HeaderValue] = {}
    pos = 0
    while pos < len(data):
        name_len = data[pos]
        pos += 1
        if pos + name_len + 1 > len(data):
            raise _fail(upstream, "header name overruns")
        name = bytes(data[pos : pos + name_len]).decode("utf-8", errors="replace")
        pos += name_len
        kind = data[pos]
        pos += 1
        out[name], pos = _read_value(kind, data, pos, upstream)
    return out


class EventStreamDecoder:
    """Bytes in (split anywhere), complete :class:`EventMessage`s out."""

    __slots__ = ("_buffer", "upstream")

    def __init__(self, upstream: str = "kiro") -> None:
        self._buffer = bytearray()
        self.upstream = upstream

    def feed(self, chunk: bytes) -> list[EventMessage]:
        self._buffer += chunk
        out: list[EventMessage] = []
        while len(self._buffer) >= _PRELUDE:
            total, headers_len, prelude_crc = struct.unpack_from(">III", self._buffer, 0)
            if zlib.crc32(bytes(self._buffer[:8])) != prelude_crc:
                raise _fail(self.upstream, "prelude checksum mismatch")
            if total < _PRELUDE + 4 + headers_len or total > _MAX_MESSAGE:
                raise _fail(self.upstream, "bad message length")
            if len(self._buffer) < total:
                break
            frame = bytes(self._buffer[:total])
            del self._buffer[:total]
            (message_crc,) = struct.unpack_from(">I", frame, total - 4)
            if zlib.crc32(frame[:-4]) != message_crc:
                raise _fail(self.upstream, "message checksum mismatch")
            headers = _headers(frame[_PRELUDE : _PRELUDE + headers_len], self.upstream)
            out.append(EventMessage(headers, frame[_PRELUDE + headers_len : total - 4]))
        return out

    def finish(self) -> None:
        """Fail when the stream ended inside a frame (a truncated answer)."""
        if self._buffer:
            size = len(self._buffer)
            self._buffer.clear()
            raise _fail(self.upstream, f"stream ended inside a frame ({size} bytes left)")
