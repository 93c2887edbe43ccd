"""Scripted replies: plain data describing what the fake puts on the wire.

Replies are inert values; ``_wire.write_reply`` turns them into bytes. Keeping them
declarative lets a test build a script up front (``[Json(429, ...), Json(200, ...)]``)
and lets family fakes compose them without knowing about sockets.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import orjson

from tests.fakes._recorded import RecordedRequest

HeaderSpec: TypeAlias = Mapping[str, str] | Sequence[tuple[str, str]]


def header_items(headers: HeaderSpec | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if isinstance(headers, Mapping):
        return list(headers.items())
    return list(headers)


@dataclass(frozen=True)
class Json:
    """A JSON body with a Content-Length."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: HeaderSpec | None = None

    def encoded(self) -> bytes:
        return orjson.dumps(self.body)


@dataclass(frozen=True)
class Text:
    """A text (or raw bytes) body with a Content-Length."""

    status: int = 200
    body: str | bytes = ""
    headers: HeaderSpec | None = None
    content_type: str = "text/plain; charset=utf-8"

    def encoded(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode("utf-8")


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event; ``data`` that is not a ``str`` is sent as compact JSON."""

    data: Any
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    def encode(self, newline: str = "\n") -> bytes:
        lines: list[str] = []
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        text = self.data if isinstance(self.data, str) else orjson.dumps(self.data).decode()
        lines.extend(f"data: {line}" for line in text.split("\n"))
        return (newline.join(lines) + newline + newline).encode("utf-8")


SseItem: TypeAlias = SseEvent | bytes | str | Mapping[str, Any] | tuple[str | None, Any]


def to_sse_bytes(item: SseItem, newline: str = "\n") -> bytes:
    """Encode one script item: bytes go out verbatim, everything else becomes an event.

    ``str`` is a bare ``data:`` line (e.g. ``"[DONE]"``), a mapping is a JSON ``data:``
    line, and ``(event, data)`` adds an ``event:`` line.
    """
    if isinstance(item, SseEvent):
        return item.encode(newline)
    if isinstance(item, bytes):
        return item
    if isinstance(item, tuple):
        name, data = item
        return SseEvent(data=data, event=name).encode(newline)
    return SseEvent(data=item).encode(newline)


Framing: TypeAlias = Literal["chunked", "close", "length"]


@dataclass(frozen=True)
class Sse:
    """A server-sent-events stream with control over how the bytes are cut up.

    ``chunk_sizes`` (cycled) or ``split`` ("every_byte" / "random") decide where the
    stream is cut, regardless of event boundaries, so clients' decoders see splits
    inside lines and inside multi-byte UTF-8 characters. With ``framing="chunked"``
    (default) each piece is its own HTTP chunk, which HTTP clients hand over as a
    separate read even when TCP merges packets.

    ``drop_after=N`` closes the socket after N events with no chunked terminator (a
    truncated stream); ``stall=s`` with ``stall_after=N`` hangs ``s`` seconds after N
    events (0 = right after the headers).
    """

    events: Sequence[SseItem]
    status: int = 200
    headers: HeaderSpec | None = None
    content_type: str = "text/event-stream; charset=utf-8"
    chunk_sizes: Sequence[int] | None = None
    split: Literal["every_byte", "random"] | None = None
    seed: int = 0
    delay: float = 0.0
    drop_after: int | None = None
    stall: float | None = None
    stall_after: int = 0
    newline: str = "\n"
    framing: Framing = "chunked"

    def event_bytes(self) -> list[bytes]:
        return [to_sse_bytes(item, self.newline) for item in self.events]

    def pieces(self) -> list[tuple[bytes, int]]:
        """The stream cut into write pieces, each tagged with how many events it completes.

        A piece never spans the drop/stall boundary, so that boundary falls exactly
        between two writes.
        """
        encoded = self.event_bytes()
        boundaries: list[int] = []
        total = 0
        for chunk in encoded:
            total += len(chunk)
            boundaries.append(total)
        stream = b"".join(encoded)
        cuts = set(self._cut_points(len(stream)))
        for marker in (self.drop_after, self.stall_after if self.stall else None):
            if marker is not None and 0 < marker <= len(boundaries):
                cuts.add(boundaries[marker - 1])
        cuts.add(len(stream))
        cuts.discard(0)
        pieces: list[tuple[bytes, int]] = []
        start = 0
        for cut in sorted(cuts):
            completed = sum(1 for b in boundaries if b <= cut)
            pieces.append((stream[start:cut], completed))
            start = cut
        return pieces

    def _cut_points(self, length: int) -> list[int]:
        if self.split == "every_byte":
            return list(range(1, length))
        sizes: Sequence[int]
        if self.split == "random":
            rng = random.Random(self.seed)
            sizes = [rng.randint(1, 17) for _ in range(max(length, 1))]
        elif self.chunk_sizes:
            sizes = self.chunk_sizes
        else:
            return []
        points: list[int] = []
        position = 0
        index = 0
        while True:
            position += max(1, sizes[index % len(sizes)])
            index += 1
            if position >= length:
                return points
            points.append(position)


@dataclass(frozen=True)
class Drop:
    """Close the connection without answering (optionally after sending ``partial`` bytes)."""

    partial: bytes = b""


@dataclass(frozen=True)
class Stall:
    """Hang for ``seconds`` before replying with ``then`` (or closing when ``then`` is None)."""

    seconds: float
    then: Reply | None = None


@dataclass(frozen=True)
class Raw:
    """Bytes written verbatim as the whole response (status line and headers included)."""

    data: bytes
    close: bool = True


Reply: TypeAlias = Json | Text | Sse | Drop | Stall | Raw
Handler: TypeAlias = Callable[[RecordedRequest], "Reply | Awaitable[Reply]"]
