"""OpenAI Responses streams (as served by OpenAI and by ChatGPT's Codex backend), read and written.

A Responses stream is a sequence of output *items* — ``message``,
``reasoning``, ``function_call`` — each opened by ``response.output_item.added``
and closed by ``response.output_item.done``, with typed deltas in between,
between ``response.created`` and one of ``response.completed`` /
``response.incomplete`` / ``response.failed``. Every event names its item by
``output_index`` (and ``item_id``); the reader keys on those, never on event
order alone.

Mapping to the canonical stream:

* every ``output_text`` (or ``refusal``) content part of a message is one text
  part; every reasoning item is one thinking part (its summary parts joined
  with a blank line, or its raw ``reasoning_text``), whose signature is the
  item's ``encrypted_content`` — taken from ``output_item.done``, where Codex
  fills it, never from ``.added``, where it may be incomplete (the original
  read it from ``.added`` and so almost never forwarded it); every
  ``function_call`` item is one tool call (``call_id`` is the id, not the
  ``fc_`` item id).
* text that arrives only in a ``.done`` event or only in the final
  ``response.output`` (servers that skip deltas) is still reported once.
* ``response.incomplete`` with ``max_output_tokens`` is ``length``,
  ``content_filter`` is ``content_filter``; a completed response with a call
  is ``tool_calls``, else ``stop`` (the original sent no finish at all for a
  text answer).
* ``error`` and ``response.failed`` raise :class:`UpstreamError` (the
  original ignored them and ended the stream silently).
* other item kinds (web search, MCP, image generation …) are skipped.

The writer produces what the official ``openai`` SDK parses: one item open at
a time, every event with a ``sequence_number``, and a final
``response.completed`` (``response.incomplete`` for ``length`` and
``content_filter``) whose ``output`` repeats every item. Consecutive text parts
share one message item as separate content parts. It waits for
:meth:`StreamWriter.finish` before sending the final event, because some
sources (OpenAI chat) report usage after their finish reason.

Redacted Claude thinking travels as the non-streamed codec carries it: a
reasoning item whose id starts with ``rs_redacted_`` and whose
``encrypted_content`` is the block's data; the reader turns such an item back
into :class:`RedactedThinking`, so a Claude conversation survives a trip
through a Responses client. Item ids are derived from the response id and
the item's position the way :func:`byokey_translate._openai_responses.output_items`
derives them, and made unique by the same rule, so a stream and the same
answer unstreamed name their items alike. A reasoning item keeps its own id
when the source had one: the reader puts it on each :class:`ThinkingDelta`
and the writer opens the item under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from byokey_translate._codecs import Frames
from byokey_translate._fields import as_dict, as_float, as_str, as_uint
from byokey_translate._ids import new_id, now, reprefix
from byokey_translate._ir import FinishReason, RedactedThinkingPart, Usage
from byokey_translate._openai_responses import (
    REDACTED_PREFIX,
    _digest,
    read_usage,
    reasoning_id,
    unique_item_id,
    write_usage,
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
    merge_usage,
)
from byokey_translate._stream_openai_chat import stream_error

__all__ = ["StreamReader", "StreamWriter"]

_SUMMARY_JOIN = "\n\n"
_INCOMPLETE_REASONS: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}


def _summary_text(item: dict[str, Any]) -> str:
    """The visible reasoning of a finished reasoning item: its summary, else its raw text."""
    for key in ("summary", "content"):
        entries = item.get(key)
        if isinstance(entries, list):
            texts = [e.get("text") for e in entries if isinstance(e, dict)]
            found = [t for t in texts if isinstance(t, str) and t]
            if found:
                return _SUMMARY_JOIN.join(found)
    return ""


# --- reading -------------------------------------------------------------------------


@dataclass(slots=True)
class _ReadItem:
    kind: Literal["message", "reasoning", "function_call"]
    index: int = -1
    """Canonical index (reasoning and calls); message parts use ``parts``."""
    parts: dict[int, int] = field(default_factory=dict)
    """content_index -> canonical index, for message items."""
    streamed: set[int] = field(default_factory=set)
    """Canonical indices that received text already."""
    summaries: set[int] = field(default_factory=set)
    done: bool = False
    item_id: str | None = None
    """The reasoning item's own id, carried on its thinking deltas."""


class StreamReader:
    """Responses events in, canonical events out (see the module doc for the mapping)."""

    __slots__ = ("_by_id", "_calls", "_finished", "_items", "_next", "_started")

    def __init__(self) -> None:
        self._started = False
        self._finished = False
        self._next = 0
        self._items: dict[int, _ReadItem] = {}
        self._by_id: dict[str, int] = {}
        self._calls = 0

    # -- helpers

    def _new_index(self) -> int:
        index = self._next
        self._next += 1
        return index

    def _start(self, response: dict[str, Any] | None, out: list[StreamEvent]) -> None:
        if self._started:
            return
        self._started = True
        response = response or {}
        created = as_float(response.get("created_at"))
        out.append(
            StreamStart(
                as_str(response.get("id")) or "",
                as_str(response.get("model")) or "unknown",
                int(created) if created is not None else None,
            )
        )

    def _item_of(self, data: dict[str, Any]) -> tuple[int, _ReadItem] | None:
        position = as_uint(data.get("output_index"))
        if position is None:
            item_id = as_str(data.get("item_id"))
            position = self._by_id.get(item_id) if item_id is not None else None
        if position is None:
            return None
        item = self._items.get(position)
        return (position, item) if item is not None else None

    def _part_index(self, item: _ReadItem, content_index: int) -> int:
        index = item.parts.get(content_index)
        if index is None:
            index = item.parts[content_index] = self._new_index()
        return index

    def _text(self, item: _ReadItem, content_index: int, text: str, out: list[StreamEvent]) -> None:
        index = self._part_index(item, content_index)
        if text:
            item.streamed.add(index)
            out.append(TextDelta(index, text))

    def _thinking(self, item: _ReadItem, text: str, out: list[StreamEvent]) -> None:
        if text:
            item.streamed.add(item.index)
            out.append(ThinkingDelta(item.index, text, id=item.item_id))

    # -- items

    def _added(
        self, position: int, raw: dict[str, Any], out: list[StreamEvent]
    ) -> _ReadItem | None:
        kind = raw.get("type")
        item_id = as_str(raw.get("id"))
        if item_id is not None:
            self._by_id[item_id] = position
        if kind == "message":
            item = _ReadItem("message")
        elif kind == "reasoning":
            item = _ReadItem("reasoning", self._new_index(), item_id=item_id)
        elif kind == "function_call":
            item = _ReadItem("function_call", self._new_index())
            self._calls += 1
            call_id = as_str(raw.get("call_id")) or item_id or f"call_{self._calls - 1}"
            out.append(ToolCallStart(item.index, call_id, as_str(raw.get("name")) or ""))
            arguments = as_str(raw.get("arguments"))
            if arguments:
                item.streamed.add(item.index)
                out.append(ToolCallDelta(item.index, arguments))
        else:
            return None
        self._items[position] = item
        return item

    def _done(self, position: int, raw: dict[str, Any], out: list[StreamEvent]) -> None:
        item = self._items.get(position)
        if item is None:
            item = self._added(position, raw, out)
            if item is None:
                return
        if item.done:
            return
        item.done = True
        if item.kind == "message":
            content = raw.get("content")
            if isinstance(content, list):
                for k, part in enumerate(content):
                    if not isinstance(part, dict):
                        continue
                    index = self._part_index(item, k)
                    text = as_str(part.get("text")) or as_str(part.get("refusal")) or ""
                    if index not in item.streamed:
                        self._text(item, k, text, out)
        elif item.kind == "reasoning":
            signature = as_str(raw.get("encrypted_content"))
            item_id = as_str(raw.get("id")) or ""
            if item_id.startswith(REDACTED_PREFIX) and signature:
                out.append(RedactedThinking(item.index, signature))
                return
            item.item_id = item.item_id or item_id or None
            if item.index not in item.streamed:
                self._thinking(item, _summary_text(raw), out)
            if signature:
                out.append(ThinkingDelta(item.index, "", signature, item.item_id))
        else:
            arguments = as_str(raw.get("arguments"))
            if arguments and item.index not in item.streamed:
                item.streamed.add(item.index)
                out.append(ToolCallDelta(item.index, arguments))

    # -- events

    def feed(self, event: str | None, data: dict[str, Any] | str) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        if not isinstance(data, dict) or self._finished:
            return out
        kind = as_str(data.get("type")) or event or ""
        if kind == "error":
            raise stream_error(as_dict(data.get("error")) or data)
        response = as_dict(data.get("response"))
        if kind in ("response.created", "response.in_progress", "response.queued"):
            self._start(response, out)
            return out
        self._start(response, out)
        if kind == "response.output_item.added":
            raw = as_dict(data.get("item"))
            position = as_uint(data.get("output_index"))
            if raw is not None and position is not None and position not in self._items:
                self._added(position, raw, out)
        elif kind == "response.output_item.done":
            raw = as_dict(data.get("item"))
            position = as_uint(data.get("output_index"))
            if raw is not None and position is not None:
                self._done(position, raw, out)
        elif kind in ("response.output_text.delta", "response.refusal.delta"):
            found = self._item_of(data)
            if found is not None and found[1].kind == "message":
                self._text(
                    found[1],
                    as_uint(data.get("content_index")) or 0,
                    as_str(data.get("delta")) or "",
                    out,
                )
        elif kind in ("response.output_text.done", "response.refusal.done"):
            found = self._item_of(data)
            if found is not None and found[1].kind == "message":
                item = found[1]
                content_index = as_uint(data.get("content_index")) or 0
                if self._part_index(item, content_index) not in item.streamed:
                    text = as_str(data.get("text")) or as_str(data.get("refusal")) or ""
                    self._text(item, content_index, text, out)
        elif kind == "response.reasoning_summary_part.added":
            found = self._item_of(data)
            if found is not None and found[1].kind == "reasoning":
                item = found[1]
                summary = as_uint(data.get("summary_index")) or 0
                if item.summaries and summary not in item.summaries:
                    self._thinking(item, _SUMMARY_JOIN, out)
                item.summaries.add(summary)
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            found = self._item_of(data)
            if found is not None and found[1].kind == "reasoning":
                self._thinking(found[1], as_str(data.get("delta")) or "", out)
        elif kind == "response.function_call_arguments.delta":
            found = self._item_of(data)
            if found is not None and found[1].kind == "function_call":
                item = found[1]
                delta = as_str(data.get("delta")) or ""
                if delta:
                    item.streamed.add(item.index)
                    out.append(ToolCallDelta(item.index, delta))
        elif kind == "response.function_call_arguments.done":
            found = self._item_of(data)
            if found is not None and found[1].kind == "function_call":
                item = found[1]
                arguments = as_str(data.get("arguments"))
                if arguments and item.index not in item.streamed:
                    item.streamed.add(item.index)
                    out.append(ToolCallDelta(item.index, arguments))
        elif kind in ("response.completed", "response.incomplete"):
            self._end(kind, response or {}, out)
        elif kind == "response.failed":
            error = as_dict((response or {}).get("error")) or {"message": "response failed"}
            raise stream_error(error)
        return out

    def _end(self, kind: str, response: dict[str, Any], out: list[StreamEvent]) -> None:
        output = response.get("output")
        if isinstance(output, list):
            for position, raw in enumerate(output):
                if isinstance(raw, dict):
                    self._done(position, raw, out)
        usage = read_usage(response.get("usage"))
        if usage is not None:
            out.append(UsageUpdate(usage))
        reason: FinishReason = "tool_calls" if self._calls else "stop"
        if kind == "response.incomplete" or response.get("status") == "incomplete":
            details = as_dict(response.get("incomplete_details")) or {}
            reason = _INCOMPLETE_REASONS.get(as_str(details.get("reason")) or "", "length")
        self._finished = True
        out.append(Finish(reason))

    def finish(self) -> list[StreamEvent]:
        """A stream cut before ``response.completed`` still ends with a finish."""
        if not self._started or self._finished:
            return []
        self._finished = True
        return [Finish("tool_calls" if self._calls else "stop")]


# --- writing -------------------------------------------------------------------------


@dataclass(slots=True)
class _WriteItem:
    kind: Literal["message", "reasoning", "function_call"]
    id: str
    position: int
    index: int
    """Canonical index of the part being written into this item (its last part for messages)."""
    texts: list[list[str]] = field(default_factory=list)
    """Message: text per content part. Reasoning: one list of summary text."""
    call_id: str = ""
    name: str = ""
    signature: str | None = None


class StreamWriter:
    """Canonical events in, Responses events out; ``response.completed`` comes from :meth:`finish`."""

    __slots__ = (
        "_created",
        "_current",
        "_done",
        "_id",
        "_ids",
        "_items",
        "_model",
        "_reason",
        "_seq",
        "_started",
        "_usage",
    )

    def __init__(self) -> None:
        self._started = False
        self._done = False
        self._seq = 0
        self._id = ""
        self._model = "unknown"
        self._created = 0
        self._items: list[_WriteItem] = []
        self._ids: set[str] = set()
        self._current: _WriteItem | None = None
        self._usage: Usage | None = None
        self._reason: FinishReason | None = None

    def _emit(self, out: Frames, payload: dict[str, Any]) -> None:
        payload["sequence_number"] = self._seq
        self._seq += 1
        out.append((payload["type"], payload))

    def _response(self, status: str, output: list[dict[str, Any]]) -> dict[str, Any]:
        response: dict[str, Any] = {
            "id": self._id,
            "object": "response",
            "created_at": self._created,
            "status": status,
            "model": self._model,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "error": None,
            "incomplete_details": None,
            "instructions": None,
            "metadata": {},
            "usage": None,
        }
        return response

    def _start(self, start: StreamStart | None, out: Frames) -> None:
        if self._started:
            return
        self._started = True
        if start is not None:
            self._id = reprefix(start.id, "resp_")
            self._model = start.model or "unknown"
            self._created = start.created if start.created is not None else now()
        else:
            self._id = new_id("resp_")
            self._created = now()
        self._emit(out, {"type": "response.created", "response": self._response("in_progress", [])})
        self._emit(
            out, {"type": "response.in_progress", "response": self._response("in_progress", [])}
        )

    # -- item shapes

    @staticmethod
    def _text_part(text: str) -> dict[str, Any]:
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def _item(self, item: _WriteItem, status: str) -> dict[str, Any]:
        if item.kind == "message":
            return {
                "id": item.id,
                "type": "message",
                "role": "assistant",
                "status": status,
                "content": [self._text_part("".join(t)) for t in item.texts]
                if status == "completed"
                else [],
            }
        if item.kind == "reasoning":
            summary = (
                [{"type": "summary_text", "text": "".join(t)} for t in item.texts]
                if status == "completed"
                else []
            )
            raw: dict[str, Any] = {"id": item.id, "type": "reasoning", "summary": summary}
            if status == "completed" and item.signature is not None:
                raw["encrypted_content"] = item.signature
            return raw
        return {
            "id": item.id,
            "type": "function_call",
            "status": status,
            "call_id": item.call_id,
            "name": item.name,
            "arguments": "".join(item.texts[0]) if status == "completed" else "",
        }

    # -- opening and closing

    def _open(
        self, kind: Literal["message", "reasoning", "function_call"], index: int, out: Frames
    ) -> _WriteItem:
        self._close(out)
        position = len(self._items)
        prefix = {"message": "msg_", "reasoning": "rs_", "function_call": "fc_"}[kind]
        item = _WriteItem(kind, prefix + _digest(self._id, str(position)), position, index)
        self._items.append(item)
        self._current = item
        return item

    def _open_item_event(self, item: _WriteItem, out: Frames) -> None:
        item.id = unique_item_id(item.id, item.position, self._ids)
        self._emit(
            out,
            {
                "type": "response.output_item.added",
                "output_index": item.position,
                "item": self._item(item, "in_progress"),
            },
        )

    def _open_text_part(self, item: _WriteItem, index: int, out: Frames) -> None:
        item.index = index
        item.texts.append([])
        self._emit(
            out,
            {
                "type": "response.content_part.added",
                "item_id": item.id,
                "output_index": item.position,
                "content_index": len(item.texts) - 1,
                "part": self._text_part(""),
            },
        )

    def _close_text_part(self, item: _WriteItem, out: Frames) -> None:
        content_index = len(item.texts) - 1
        text = "".join(item.texts[-1])
        where = {"item_id": item.id, "output_index": item.position, "content_index": content_index}
        self._emit(
            out, {"type": "response.output_text.done", **where, "text": text, "logprobs": []}
        )
        self._emit(
            out, {"type": "response.content_part.done", **where, "part": self._text_part(text)}
        )

    def _close(self, out: Frames) -> None:
        item = self._current
        if item is None:
            return
        self._current = None
        if item.kind == "message":
            self._close_text_part(item, out)
        elif item.kind == "reasoning" and item.texts:
            text = "".join(item.texts[0])
            where = {"item_id": item.id, "output_index": item.position, "summary_index": 0}
            self._emit(out, {"type": "response.reasoning_summary_text.done", **where, "text": text})
            self._emit(
                out,
                {
                    "type": "response.reasoning_summary_part.done",
                    **where,
                    "part": {"type": "summary_text", "text": text},
                },
            )
        elif item.kind == "function_call":
            self._emit(
                out,
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item.id,
                    "output_index": item.position,
                    "name": item.name,
                    "arguments": "".join(item.texts[0]),
                },
            )
        self._emit(
            out,
            {
                "type": "response.output_item.done",
                "output_index": item.position,
                "item": self._item(item, "completed"),
            },
        )

    # -- events

    def feed(self, event: StreamEvent) -> Frames:
        out: Frames = []
        if self._done:
            return out
        if isinstance(event, StreamStart):
            self._start(event, out)
            if event.usage is not None:
                self._usage = merge_usage(self._usage, event.usage)
            return out
        self._start(None, out)
        if isinstance(event, TextDelta):
            self._text(event, out)
        elif isinstance(event, ThinkingDelta):
            self._thinking(event, out)
        elif isinstance(event, RedactedThinking):
            redacted = self._open("reasoning", event.index, out)
            redacted.id = reasoning_id(RedactedThinkingPart(event.data))
            redacted.signature = event.data
            self._open_item_event(redacted, out)
            self._close(out)
        elif isinstance(event, ToolCallStart):
            self._call_start(event.index, event.id, event.name, out)
        elif isinstance(event, ToolCallDelta):
            item = self._current
            if item is None or item.kind != "function_call" or item.index != event.index:
                if any(i.kind == "function_call" and i.index == event.index for i in self._items):
                    return out  # a fragment for a call already closed: one item open at a time
                item = self._call_start(event.index, "", "", out)
            if event.args_json:
                item.texts[0].append(event.args_json)
                self._emit(
                    out,
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": item.id,
                        "output_index": item.position,
                        "delta": event.args_json,
                    },
                )
        elif isinstance(event, UsageUpdate):
            self._usage = merge_usage(self._usage, event.usage)
        elif isinstance(event, Finish):
            self._reason = event.reason
        return out

    def _text(self, event: TextDelta, out: Frames) -> None:
        item = self._current
        if item is None or item.kind != "message":
            item = self._open("message", event.index, out)
            self._open_item_event(item, out)
            self._open_text_part(item, event.index, out)
        elif item.index != event.index:
            self._close_text_part(item, out)
            self._open_text_part(item, event.index, out)
        if event.text:
            item.texts[-1].append(event.text)
            self._emit(
                out,
                {
                    "type": "response.output_text.delta",
                    "item_id": item.id,
                    "output_index": item.position,
                    "content_index": len(item.texts) - 1,
                    "delta": event.text,
                    "logprobs": [],
                },
            )

    def _thinking(self, event: ThinkingDelta, out: Frames) -> None:
        item = self._current
        if item is None or item.kind != "reasoning" or item.index != event.index:
            item = self._open("reasoning", event.index, out)
            if event.id:
                item.id = event.id  # the source's own reasoning item id
            self._open_item_event(item, out)
        if event.text:
            if not item.texts:
                item.texts.append([])
                self._emit(
                    out,
                    {
                        "type": "response.reasoning_summary_part.added",
                        "item_id": item.id,
                        "output_index": item.position,
                        "summary_index": 0,
                        "part": {"type": "summary_text", "text": ""},
                    },
                )
            item.texts[0].append(event.text)
            self._emit(
                out,
                {
                    "type": "response.reasoning_summary_text.delta",
                    "item_id": item.id,
                    "output_index": item.position,
                    "summary_index": 0,
                    "delta": event.text,
                },
            )
        if event.signature:
            item.signature = (item.signature or "") + event.signature

    def _call_start(self, index: int, call_id: str, name: str, out: Frames) -> _WriteItem:
        item = self._open("function_call", index, out)
        item.call_id = call_id or f"call_{sum(i.kind == 'function_call' for i in self._items) - 1}"
        item.id = "fc_" + _digest(self._id, item.call_id)
        item.name = name
        item.texts.append([])
        self._open_item_event(item, out)
        return item

    def finish(self) -> Frames:
        out: Frames = []
        if self._done:
            return out
        self._start(None, out)
        self._close(out)
        self._done = True
        output = [self._item(item, "completed") for item in self._items]
        reason = self._reason
        incomplete = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(
            reason or ""
        )
        response = self._response("incomplete" if incomplete else "completed", output)
        if incomplete:
            response["incomplete_details"] = {"reason": incomplete}
        if self._usage is not None:
            response["usage"] = write_usage(self._usage)
        kind = "response.incomplete" if incomplete else "response.completed"
        self._emit(out, {"type": kind, "response": response})
        return out
