"""Server-sent events on the wire: an incremental decoder and an encoder.

Upstreams split streams wherever TCP does — inside a field name, between
``\\r`` and ``\\n``, in the middle of a multi-byte UTF-8 character — so the
decoder keeps undecoded bytes and an unfinished line between calls and only
ever emits whole events (WHATWG "event stream interpretation", minus
``retry``/``id`` which no LLM upstream relies on).

Hot path: almost every chunk an LLM upstream sends is one or more whole
events with ``\n`` line ends. Such a chunk, arriving at an event boundary, is
parsed as bytes (no UTF-8 decode, no regex, orjson straight from the bytes);
anything else takes the general text path. Both give the same events.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

import orjson

from byokey_types.chat import SSEEvent

__all__ = ["SSEDecoder", "encode_sse"]

_LINE_END = re.compile(r"\r\n|\r|\n")


def _payload_bytes(data: bytes) -> dict[str, Any] | str:
    """As :func:`_payload`, from bytes; invalid UTF-8 falls back to the text path."""
    if data.lstrip()[:1] in (b"{", b"["):
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return _payload(data.decode("utf-8", "replace"))
        if isinstance(parsed, dict):
            return parsed
    return data.decode("utf-8", "replace")


def _payload(data: str) -> dict[str, Any] | str:
    if data.lstrip()[:1] in ("{", "["):
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return data
        if isinstance(parsed, dict):
            return parsed
    return data


class SSEDecoder:
    """Bytes in, whole :class:`SSEEvent`s out, for any split of the input.

    ``data`` is the parsed JSON object when the payload is one, else the raw
    text (``"[DONE]"``, or a non-JSON payload kept as it came).
    """

    __slots__ = (
        "_at_start",
        "_clean",
        "_data",
        "_decoder",
        "_event",
        "_has_data",
        "_pending",
        "_skip_lf",
    )

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._at_start = True
        self._skip_lf = False
        self._event: str | None = None
        self._data: list[str] = []
        self._has_data = False
        self._clean = True  # at an event boundary with nothing buffered anywhere

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if (
            self._clean
            and chunk.endswith(b"\n\n")
            and b"\r" not in chunk
            and not (self._at_start and chunk.startswith(b"\xef\xbb\xbf"))
        ):
            self._at_start = False
            return _whole_events(chunk)
        out = self._lines(self._decoder.decode(chunk))
        self._clean = (
            not self._pending
            and not self._skip_lf
            and not self._has_data
            and self._event is None
            and not self._decoder.getstate()[0]
        )
        return out

    def finish(self) -> list[SSEEvent]:
        """Flush: an event not closed by a blank line still counts at end of stream."""
        out = self._lines(self._decoder.decode(b"", final=True))
        if self._pending:
            self._line(self._pending, out)
            self._pending = ""
        self._dispatch(out)
        return out

    def _lines(self, text: str) -> list[SSEEvent]:
        out: list[SSEEvent] = []
        if not text:
            return out
        if self._at_start:
            self._at_start = False
            if text[0] == "\ufeff":  # a byte-order mark is not part of the first field
                text = text[1:]
        if self._skip_lf:
            self._skip_lf = False
            if text[:1] == "\n":
                text = text[1:]
        buf = self._pending + text
        start = 0
        for match in _LINE_END.finditer(buf):
            self._line(buf[start : match.start()], out)
            start = match.end()
        if start == len(buf) and buf.endswith("\r"):
            self._skip_lf = True  # the "\n" of a "\r\n" may come in the next chunk
        self._pending = buf[start:]
        return out

    def _line(self, line: str, out: list[SSEEvent]) -> None:
        if not line:
            self._dispatch(out)
            return
        if line[0] == ":":
            return
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._has_data = True
        elif name == "event":
            self._event = value or None

    def _dispatch(self, out: list[SSEEvent]) -> None:
        if self._has_data:
            out.append(SSEEvent(self._event, _payload("\n".join(self._data))))
        self._event = None
        self._data = []
        self._has_data = False


def _whole_events(chunk: bytes) -> list[SSEEvent]:
    """The events of a chunk of whole ``\n``-terminated events (the bytes fast path)."""
    out: list[SSEEvent] = []
    for block in chunk.split(b"\n\n"):
        if not block:
            continue
        event: str | None = None
        data: list[bytes] = []
        for line in block.split(b"\n"):
            if not line or line[0] == 58:  # blank (a leading one ends nothing) or ":" comment
                continue
            name, sep, value = line.partition(b":")
            if sep and value[:1] == b" ":
                value = value[1:]
            if name == b"data":
                data.append(value)
            elif name == b"event":
                event = value.decode("utf-8", "replace") or None
        if data:
            out.append(
                SSEEvent(event, _payload_bytes(data[0] if len(data) == 1 else b"\n".join(data)))
            )
    return out


def encode_sse(event: str | None, data: dict[str, Any] | str) -> bytes:
    """One event as bytes. A string payload goes out verbatim (``[DONE]``),
    one ``data:`` line per line of it (any line ending splits, so a stray
    ``\\r`` cannot end the event early); an object as compact JSON."""
    head = b"event: " + event.encode() + b"\n" if event else b""
    if isinstance(data, str):
        body = b"".join(b"data: " + line.encode() + b"\n" for line in _LINE_END.split(data))
    else:
        body = b"data: " + orjson.dumps(data) + b"\n"
    return head + body + b"\n"
