"""Converting a stream event by event: a reader of the source format feeding a
writer of the target format through the canonical stream."""

from __future__ import annotations

from typing import Any

from byokey_translate._codecs import Frames, StreamReader, StreamWriter, stream_module
from byokey_types.wire.format import WireFormat

__all__ = ["StreamConverter"]


class StreamConverter:
    """Events of a ``source`` stream in, events of a ``target`` stream out.

    ``feed`` takes one decoded SSE event (name and JSON object, or the string
    ``"[DONE]"``) and returns the target events it completes, in order;
    ``finish`` closes the stream, emitting what the target format needs at the
    end (its usage chunk, ``message_stop``, ``[DONE]`` …) even when the source
    ended abruptly. Same format in and out passes events through untouched.
    """

    __slots__ = ("_passthrough", "_reader", "_writer", "source", "target")

    def __init__(self, source: WireFormat | str, target: WireFormat | str) -> None:
        self.source = WireFormat(source)
        self.target = WireFormat(target)
        self._passthrough = self.source is self.target
        self._reader: StreamReader | None = None
        self._writer: StreamWriter | None = None
        if not self._passthrough:
            self._reader = stream_module(self.source).StreamReader()
            self._writer = stream_module(self.target).StreamWriter()

    def feed(self, event: str | None, data: dict[str, Any] | str) -> Frames:
        if self._reader is None or self._writer is None:
            return [(event, data)]
        out: Frames = []
        for ev in self._reader.feed(event, data):
            out.extend(self._writer.feed(ev))
        return out

    def finish(self) -> Frames:
        if self._reader is None or self._writer is None:
            return []
        out: Frames = []
        for ev in self._reader.finish():
            out.extend(self._writer.feed(ev))
        out.extend(self._writer.finish())
        return out
