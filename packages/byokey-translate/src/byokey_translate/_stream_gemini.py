"""Gemini ``streamGenerateContent?alt=sse`` streams, read and written.

Each event is a whole ``GenerateContentResponse`` (no event name) whose
``candidates[0].content.parts`` hold the new fragments: text, thought text
(``thought: true``), signatures (``thoughtSignature``) and function calls,
which always arrive complete. ``usageMetadata`` is cumulative and usually on
every chunk; ``finishReason`` is on the last candidate.

Reading follows the non-streamed codec (:mod:`byokey_translate._gemini`) so a
stream folds into what the same content unstreamed reads as:

* consecutive text fragments form one text part, consecutive thought
  fragments one thinking part; a signature on a thought fragment signs (and
  closes) the open thinking part, a signature on any other part is a
  text-less thinking part placed just before it;
* a call without an ``id`` gets :func:`byokey_translate._gemini.call_id_for`
  of its name, arguments and its ordinal among the calls of the answer — the
  id the non-streamed reader gives it (the original made random ids, so a
  call and its later answer never matched); each call is one
  ``ToolCallStart`` plus one ``ToolCallDelta`` with all its arguments;
* ``STOP`` after a function call is ``tool_calls`` (the original said
  ``stop``); the usage reported is the last chunk's, once, just before the
  finish (and again only if a later chunk changes it);
* ``inlineData`` output (generated images) has no canonical stream event and
  is dropped; an ``{"error": …}`` chunk raises :class:`UpstreamError`.

Writing mirrors the non-streamed writer: text and thoughts go out as they
come, one part per chunk; a call is held until it is complete (its next event
is another part, or the finish) and sent as one ``functionCall`` with its
``id``; a text-less signature waits for the next part to ride on (a Gemini 3
call needs it there), else goes out as an empty thought part. Usage and the
finish reason go out together in the last chunk from :meth:`StreamWriter.finish`,
because some sources (OpenAI chat) report usage after their finish reason.
Fidelity limits, as in any Gemini stream: adjacent text parts merge, and an
unsigned thinking part merges with the thinking that follows it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from byokey_translate._codecs import Frames
from byokey_translate._fields import as_dict, as_str
from byokey_translate._gemini import call_id_for, read_usage, write_usage
from byokey_translate._ir import FinishReason, Usage
from byokey_translate._reasons import from_gemini, to_gemini
from byokey_translate._stream_ir import (
    Finish,
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

_Kind = Literal["text", "thinking"]


def _created(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value).timestamp())
    except ValueError:
        return None


def _candidate(data: dict[str, Any]) -> dict[str, Any] | None:
    candidates = data.get("candidates")
    if isinstance(candidates, list) and candidates:
        return as_dict(candidates[0])
    return None


class StreamReader:
    """``GenerateContentResponse`` chunks in, canonical events out."""

    __slots__ = ("_calls", "_current", "_finished", "_next", "_reason", "_started", "_usage")

    def __init__(self) -> None:
        self._started = False
        self._finished = False
        self._next = 0
        self._current: tuple[_Kind, int] | None = None
        """The part still taking fragments (an unsigned thinking part, or text)."""
        self._calls = 0
        self._usage: Usage | None = None
        self._reason: FinishReason | None = None

    def _new(self, kind: _Kind | None) -> int:
        index = self._next
        self._next += 1
        self._current = (kind, index) if kind is not None else None
        return index

    def _open(self, kind: _Kind) -> int:
        if self._current is not None and self._current[0] == kind:
            return self._current[1]
        return self._new(kind)

    def unwrap(self, data: dict[str, Any]) -> dict[str, Any]:
        """The ``GenerateContentResponse`` in ``data`` (overridden by envelope formats)."""
        return data

    def feed(self, event: str | None, data: dict[str, Any] | str) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        if not isinstance(data, dict) or self._finished:
            return out
        error = as_dict(data.get("error"))
        if error is not None:
            raise stream_error(error)
        data = self.unwrap(data)
        if not self._started:
            self._started = True
            model = as_str(data.get("modelVersion")) or as_str(data.get("model")) or "gemini"
            out.append(
                StreamStart(
                    as_str(data.get("responseId")) or "",
                    model,
                    _created(data.get("createTime")),
                )
            )
        candidate = _candidate(data)
        reason: Any = None
        if candidate is not None:
            content = as_dict(candidate.get("content")) or {}
            parts = content.get("parts")
            if isinstance(parts, list):
                for part in parts:
                    if isinstance(part, dict):
                        self._part(part, out)
            reason = candidate.get("finishReason")
        feedback = as_dict(data.get("promptFeedback")) or {}
        usage = read_usage(data.get("usageMetadata"))
        if usage is not None and usage != self._usage:
            self._usage = usage
            if self._reason is not None:
                out.append(UsageUpdate(usage))
        if reason is not None or feedback.get("blockReason") is not None:
            if reason is None:
                self._reason = "content_filter"
            else:
                self._reason = from_gemini(reason, has_tool_calls=self._calls > 0)
            if self._usage is not None:
                out.append(UsageUpdate(self._usage))
            out.append(Finish(self._reason))
        return out

    def _part(self, part: dict[str, Any], out: list[StreamEvent]) -> None:
        signature = as_str(part.get("thoughtSignature", part.get("thought_signature")))
        text = as_str(part.get("text"))
        if part.get("thought") is True:
            if not text and not signature:
                return
            index = self._open("thinking")
            if text:
                out.append(ThinkingDelta(index, text))
            if signature:
                out.append(ThinkingDelta(index, "", signature))
                self._current = None  # a signature closes the thinking part
            return
        if signature:
            out.append(ThinkingDelta(self._new(None), "", signature))
        if text is not None:
            if text:
                out.append(TextDelta(self._open("text"), text))
            return
        call = as_dict(part.get("functionCall", part.get("function_call")))
        if call is not None:
            name = as_str(call.get("name")) or ""
            args = call.get("args")
            args = args if isinstance(args, dict) else {}
            call_id = as_str(call.get("id")) or call_id_for(name, args, self._calls)
            self._calls += 1
            index = self._new(None)
            out.append(ToolCallStart(index, call_id, name))
            out.append(ToolCallDelta(index, orjson.dumps(args).decode()))

    def finish(self) -> list[StreamEvent]:
        """The finish of a stream that ended without a ``finishReason``."""
        if not self._started or self._reason is not None:
            return []
        out: list[StreamEvent] = []
        if self._usage is not None:
            out.append(UsageUpdate(self._usage))
        self._reason = "tool_calls" if self._calls else "stop"
        out.append(Finish(self._reason))
        return out


class StreamWriter:
    """Canonical events in, ``GenerateContentResponse`` chunks out (event name ``None``)."""

    __slots__ = (
        "_call",
        "_created",
        "_done",
        "_id",
        "_model",
        "_reason",
        "_signature",
        "_started",
        "_texted",
        "_usage",
    )

    def __init__(self) -> None:
        self._started = False
        self._done = False
        self._id = ""
        self._model = "gemini"
        self._created: int | None = None
        self._usage: Usage | None = None
        self._reason: FinishReason | None = None
        self._call: tuple[int, str, str, list[str]] | None = None
        """The call being collected: index, id, name, argument fragments."""
        self._signature: tuple[int, str] | None = None
        """A signature of a text-less thinking part, waiting for a part to ride on."""
        self._texted: set[int] = set()
        """Thinking parts whose text went out already."""

    def wrap(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The event to send for ``payload`` (overridden by envelope formats)."""
        return payload

    def _chunk(
        self, parts: list[dict[str, Any]], *, last: bool = False
    ) -> tuple[None, dict[str, Any]]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        payload: dict[str, Any] = {"candidates": [candidate]}
        if last:
            candidate["finishReason"] = to_gemini(self._reason)
            if self._usage is not None:
                payload["usageMetadata"] = write_usage(self._usage)
        payload["modelVersion"] = self._model
        if self._id:
            payload["responseId"] = self._id
        if self._created is not None:
            payload["createTime"] = (
                datetime.fromtimestamp(self._created, UTC).isoformat().replace("+00:00", "Z")
            )
        return (None, self.wrap(payload))

    def _pending_parts(self, index: int | None) -> list[dict[str, Any]]:
        """Parts held back that must go out before a part at ``index`` (``None``: the end)."""
        parts: list[dict[str, Any]] = []
        if self._call is not None and self._call[0] != index:
            _, call_id, name, fragments = self._call
            self._call = None
            text = "".join(fragments)
            try:
                args = orjson.loads(text) if text.strip() else {}
            except orjson.JSONDecodeError:
                args = {}
            call: dict[str, Any] = {"name": name, "args": args if isinstance(args, dict) else {}}
            if call_id:
                call = {"id": call_id, **call}
            parts.append(self._ride({"functionCall": call}))
        return parts

    def _ride(self, part: dict[str, Any]) -> dict[str, Any]:
        """``part`` carrying the waiting signature, if any."""
        if self._signature is not None:
            part["thoughtSignature"] = self._signature[1]
            self._signature = None
        return part

    def _flush_signature(self) -> list[dict[str, Any]]:
        if self._signature is None:
            return []
        return [self._ride({"text": "", "thought": True})]

    def feed(self, event: StreamEvent) -> Frames:
        out: Frames = []
        if self._done:
            return out
        if isinstance(event, StreamStart):
            if not self._started:
                self._started = True
                self._id = event.id
                self._model = event.model or "gemini"
                self._created = event.created
            if event.usage is not None:
                self._usage = merge_usage(self._usage, event.usage)
            return out
        self._started = True
        if isinstance(event, UsageUpdate):
            self._usage = merge_usage(self._usage, event.usage)
            return out
        if isinstance(event, Finish):
            self._reason = event.reason
            return out
        if not isinstance(event, TextDelta | ThinkingDelta | ToolCallStart | ToolCallDelta):
            return out  # redacted thinking: only Anthropic can read it
        parts = self._pending_parts(event.index)
        if isinstance(event, TextDelta):
            if event.text:
                parts.append(self._ride({"text": event.text}))
        elif isinstance(event, ThinkingDelta):
            parts.extend(self._thinking(event))
        elif isinstance(event, ToolCallStart):
            self._call = (event.index, event.id, event.name, [])
        elif isinstance(event, ToolCallDelta):
            if self._call is None or self._call[0] != event.index:
                self._call = (event.index, "", "", [])
            self._call[3].append(event.args_json)
        if parts:
            out.append(self._chunk(parts))
        return out

    def _thinking(self, event: ThinkingDelta) -> list[dict[str, Any]]:
        parts: list[dict[str, Any]] = []
        if self._signature is not None and self._signature[0] != event.index:
            parts.extend(self._flush_signature())
        if event.text:
            parts.append({"text": event.text, "thought": True})
            self._texted.add(event.index)
        if event.signature:
            if event.index in self._texted:
                parts.append({"text": "", "thought": True, "thoughtSignature": event.signature})
            else:
                self._signature = (event.index, event.signature)
        return parts

    def finish(self) -> Frames:
        if self._done:
            return []
        self._done = True
        parts = self._pending_parts(None) + self._flush_signature()
        if self._reason is None:
            self._reason = "stop"
        return [self._chunk(parts or [{"text": ""}], last=True)]
