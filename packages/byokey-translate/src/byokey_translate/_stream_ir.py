"""The canonical stream: what every format's stream is read into and written from.

A stream reader turns one format's SSE events into these small events; a
stream writer turns them back into another format's SSE events. ``index`` is
the position of the part in the finished response's ``parts`` (the same list
:func:`accumulate` builds), so a reader and a writer of different formats agree
on which block a delta belongs to without sharing state.

Two pure helpers tie streams to whole responses: :func:`events_of` replays a
finished :class:`ResponseIR` as a stream, :func:`accumulate` folds a stream back
into one. "Streamed equals non-streamed" is then a property of every writer
and reader pair, and the proxy can fake a stream from a complete answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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

__all__ = [
    "Finish",
    "RedactedThinking",
    "StreamEvent",
    "StreamStart",
    "TextDelta",
    "ThinkingDelta",
    "ToolCallDelta",
    "ToolCallStart",
    "UsageUpdate",
    "accumulate",
    "events_of",
    "merge_usage",
]


@dataclass(slots=True)
class StreamStart:
    """The stream began. ``usage`` holds what is known up front (Anthropic's input tokens)."""

    id: str
    model: str
    created: int | None = None
    usage: Usage | None = None


@dataclass(slots=True)
class TextDelta:
    index: int
    text: str


@dataclass(slots=True)
class ThinkingDelta:
    """Reasoning text; ``signature`` arrives once, usually with an empty ``text``.

    ``id`` is the Responses reasoning item id (``rs_…``) when the source has
    one, so a Codex turn streamed to a Responses client names the same item;
    formats without reasoning ids leave it ``None``.
    """

    index: int
    text: str
    signature: str | None = None
    id: str | None = None


@dataclass(slots=True)
class RedactedThinking:
    index: int
    data: str


@dataclass(slots=True)
class ToolCallStart:
    index: int
    id: str
    name: str


@dataclass(slots=True)
class ToolCallDelta:
    """A fragment of the call's JSON arguments text."""

    index: int
    args_json: str


@dataclass(slots=True)
class UsageUpdate:
    """Usage so far; a later update replaces an earlier one field by field when non-zero."""

    usage: Usage


@dataclass(slots=True)
class Finish:
    reason: FinishReason | None
    stop_sequence: str | None = None


StreamEvent = (
    StreamStart
    | TextDelta
    | ThinkingDelta
    | RedactedThinking
    | ToolCallStart
    | ToolCallDelta
    | UsageUpdate
    | Finish
)


def merge_usage(old: Usage | None, new: Usage) -> Usage:
    """``new`` over ``old``: a zero in ``new`` keeps what ``old`` knew."""
    if old is None:
        return Usage(
            new.input_tokens,
            new.output_tokens,
            new.cache_read_tokens,
            new.cache_write_tokens,
            new.reasoning_tokens,
        )
    return Usage(
        new.input_tokens or old.input_tokens,
        new.output_tokens or old.output_tokens,
        new.cache_read_tokens or old.cache_read_tokens,
        new.cache_write_tokens or old.cache_write_tokens,
        new.reasoning_tokens or old.reasoning_tokens,
    )


def events_of(response: ResponseIR, *, chunk: int = 0) -> list[StreamEvent]:
    """``response`` as a stream. ``chunk`` > 0 splits text and arguments into
    pieces of that many characters (for tests and for faked streams)."""

    def pieces(text: str) -> list[str]:
        if chunk <= 0 or len(text) <= chunk:
            return [text]
        return [text[i : i + chunk] for i in range(0, len(text), chunk)]

    out: list[StreamEvent] = [StreamStart(response.id, response.model, response.created)]
    for index, part in enumerate(response.parts):
        if isinstance(part, TextPart):
            out.extend(TextDelta(index, p) for p in pieces(part.text))
        elif isinstance(part, ThinkingPart):
            out.extend(ThinkingDelta(index, p, id=part.id) for p in pieces(part.text))
            if part.signature is not None:
                out.append(ThinkingDelta(index, "", part.signature, part.id))
        elif isinstance(part, RedactedThinkingPart):
            out.append(RedactedThinking(index, part.data))
        elif isinstance(part, ToolCallPart):
            out.append(ToolCallStart(index, part.id, part.name))
            out.extend(ToolCallDelta(index, p) for p in pieces(part.args_json))
    if response.usage is not None:
        out.append(UsageUpdate(response.usage))
    out.append(Finish(response.finish_reason, response.stop_sequence))
    return out


def accumulate(events: Iterable[StreamEvent]) -> ResponseIR:
    """The finished response a stream of canonical events describes."""
    response = ResponseIR(id="", model="", parts=[], finish_reason=None)
    parts: dict[int, Part] = {}
    texts: dict[int, list[str]] = {}
    for ev in events:
        if isinstance(ev, StreamStart):
            response.id, response.model, response.created = ev.id, ev.model, ev.created
            if ev.usage is not None:
                response.usage = merge_usage(response.usage, ev.usage)
        elif isinstance(ev, TextDelta):
            if ev.index not in parts:
                parts[ev.index] = TextPart("")
            texts.setdefault(ev.index, []).append(ev.text)
        elif isinstance(ev, ThinkingDelta):
            part = parts.get(ev.index)
            if not isinstance(part, ThinkingPart):
                part = parts[ev.index] = ThinkingPart("")
            texts.setdefault(ev.index, []).append(ev.text)
            if ev.signature is not None:
                part.signature = (part.signature or "") + ev.signature
            if ev.id is not None and part.id is None:
                part.id = ev.id
        elif isinstance(ev, RedactedThinking):
            parts[ev.index] = RedactedThinkingPart(ev.data)
        elif isinstance(ev, ToolCallStart):
            parts[ev.index] = ToolCallPart(ev.id, ev.name, args_json="")
            texts.setdefault(ev.index, [])
        elif isinstance(ev, ToolCallDelta):
            if ev.index not in parts:
                parts[ev.index] = ToolCallPart("", "", args_json="")
            texts.setdefault(ev.index, []).append(ev.args_json)
        elif isinstance(ev, UsageUpdate):
            response.usage = merge_usage(response.usage, ev.usage)
        elif isinstance(ev, Finish):
            response.finish_reason = ev.reason
            response.stop_sequence = ev.stop_sequence
    for index in sorted(parts):
        part = parts[index]
        joined = "".join(texts.get(index, ()))
        if isinstance(part, TextPart | ThinkingPart):
            part.text = joined
        elif isinstance(part, ToolCallPart):
            part = ToolCallPart(part.id, part.name, args_json=joined)
        response.parts.append(part)
    return response
