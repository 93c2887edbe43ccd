"""Anthropic Messages streams, read and written.

The stream is a small state machine: ``message_start``, then for each content
block ``content_block_start`` / ``content_block_delta``… / ``content_block_stop``
(one block open at a time), then ``message_delta`` (stop reason, final usage)
and ``message_stop``. ``ping`` carries nothing.

Usage differs from the canonical form: Anthropic's ``input_tokens`` excludes
cache reads and writes, canonical ``input_tokens`` includes them. The reader
keeps the four native counters (a later event overrides a field it carries)
and reports the canonical sum; the writer splits it back with
:func:`byokey_translate._anthropic.write_usage`.

An ``error`` event raises :class:`UpstreamError` with the upstream status
its ``error.type`` stands for (``overloaded_error`` 529, ``rate_limit_error``
429 as :class:`RateLimited`, …) and only the upstream's message as text; the
proxy then writes the error frame in the client's format.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from byokey_translate._anthropic import write_usage
from byokey_translate._codecs import Frames
from byokey_translate._fields import as_dict, as_str, as_uint
from byokey_translate._ids import derived_call_id, new_id, reprefix, sanitize_tool_id
from byokey_translate._ir import FinishReason, Usage
from byokey_translate._reasons import from_anthropic, to_anthropic
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
from byokey_types.errors import RateLimited, UpstreamError

__all__ = ["ERROR_STATUS", "StreamReader", "StreamWriter", "stream_error"]

ERROR_STATUS: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}
"""HTTP status each Anthropic ``error.type`` stands for (unknown types: 500)."""

_USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)

_BlockKind = Literal["text", "thinking", "redacted_thinking", "tool_use", "other"]


def stream_error(data: dict[str, Any]) -> UpstreamError:
    """The :class:`UpstreamError` an ``error`` event reports."""
    error = as_dict(data.get("error")) or {}
    message = as_str(error.get("message")) or "error event in stream"
    status = ERROR_STATUS.get(as_str(error.get("type")) or "", 500)
    if status == 429:
        return RateLimited(message)
    return UpstreamError(status, message)


class StreamReader:
    """Anthropic events in, canonical events out.

    Canonical indexes are given out in block order as parts come into being:
    a text block only when it has text (Anthropic's non-streamed reader drops
    empty text blocks too), thinking, redacted thinking and tool calls at
    their start. Blocks of server tools and citation deltas are dropped, as
    in the non-streamed reader. A stream cut before ``message_delta`` gets a
    synthesised end from :meth:`finish`.
    """

    __slots__ = ("_blocks", "_finished", "_next", "_started", "_tools", "_usage")

    def __init__(self) -> None:
        self._started = False
        self._finished = False
        self._next = 0
        self._blocks: dict[int, tuple[_BlockKind, int | None]] = {}
        self._usage: dict[str, int] = {}
        self._tools = False

    def _canonical_usage(self) -> Usage:
        u = self._usage
        read = u.get("cache_read_input_tokens", 0)
        write = u.get("cache_creation_input_tokens", 0)
        return Usage(
            u.get("input_tokens", 0) + read + write, u.get("output_tokens", 0), read, write
        )

    def _merge_usage(self, usage: Any) -> bool:
        if not isinstance(usage, dict):
            return False
        for key in _USAGE_KEYS:
            value = as_uint(usage.get(key))
            if value is not None:
                self._usage[key] = value
        return True

    def _allocate(self) -> int:
        index = self._next
        self._next += 1
        return index

    def feed(self, event: str | None, data: dict[str, Any] | str) -> list[StreamEvent]:
        if not isinstance(data, dict):
            return []  # "[DONE]" from a proxy in between, or a stray text payload
        kind = as_str(data.get("type")) or event
        if kind == "error":
            raise stream_error(data)
        if kind == "ping" or kind is None:
            return []
        out: list[StreamEvent] = []
        if kind == "message_start":
            message = as_dict(data.get("message")) or {}
            self._merge_usage(message.get("usage"))
            if not self._started:
                self._started = True
                out.append(
                    StreamStart(
                        as_str(message.get("id")) or "",
                        as_str(message.get("model")) or "unknown",
                        usage=self._canonical_usage(),
                    )
                )
            return out
        if not self._started:
            self._started = True
            out.append(StreamStart("", "unknown"))
        if kind == "content_block_start":
            self._block_start(data, out)
        elif kind == "content_block_delta":
            self._block_delta(data, out)
        elif kind == "message_delta":
            delta = as_dict(data.get("delta")) or {}
            if self._merge_usage(data.get("usage")):
                out.append(UsageUpdate(self._canonical_usage()))
            self._finished = True
            out.append(
                Finish(from_anthropic(delta.get("stop_reason")), as_str(delta.get("stop_sequence")))
            )
        return out

    def _block_start(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        position = as_uint(data.get("index"))
        if position is None:
            position = max(self._blocks, default=-1) + 1
        block = as_dict(data.get("content_block")) or {}
        kind = block.get("type")
        if kind == "text":
            text = as_str(block.get("text")) or ""
            index = self._allocate() if text else None
            self._blocks[position] = ("text", index)
            if index is not None:
                out.append(TextDelta(index, text))
        elif kind == "thinking":
            index = self._allocate()
            self._blocks[position] = ("thinking", index)
            signature = as_str(block.get("signature")) or None
            out.append(ThinkingDelta(index, as_str(block.get("thinking")) or "", signature))
        elif kind == "redacted_thinking":
            index = self._allocate()
            self._blocks[position] = ("redacted_thinking", index)
            out.append(RedactedThinking(index, as_str(block.get("data")) or ""))
        elif kind == "tool_use":
            index = self._allocate()
            self._blocks[position] = ("tool_use", index)
            self._tools = True
            out.append(
                ToolCallStart(index, as_str(block.get("id")) or "", as_str(block.get("name")) or "")
            )
            tool_input = block.get("input")
            if tool_input:  # some relays send the whole input up front
                out.append(ToolCallDelta(index, orjson.dumps(tool_input).decode()))
        else:
            self._blocks[position] = ("other", None)

    def _block_delta(self, data: dict[str, Any], out: list[StreamEvent]) -> None:
        position = as_uint(data.get("index"))
        delta = as_dict(data.get("delta")) or {}
        kind = delta.get("type")
        block_kind, index = self._blocks.get(position if position is not None else -1, (None, None))
        if kind == "text_delta":
            text = as_str(delta.get("text"))
            if not text or block_kind not in ("text", None):
                return
            if index is None:
                index = self._allocate()
                self._blocks[position if position is not None else -1] = ("text", index)
            out.append(TextDelta(index, text))
        elif block_kind == "thinking" and index is not None:
            if kind == "thinking_delta":
                text = as_str(delta.get("thinking"))
                if text:
                    out.append(ThinkingDelta(index, text))
            elif kind == "signature_delta":
                signature = as_str(delta.get("signature"))
                if signature:
                    out.append(ThinkingDelta(index, "", signature))
        elif block_kind == "tool_use" and index is not None and kind == "input_json_delta":
            fragment = as_str(delta.get("partial_json"))
            if fragment:
                out.append(ToolCallDelta(index, fragment))

    def finish(self) -> list[StreamEvent]:
        if not self._started or self._finished:
            return []
        self._finished = True
        return [Finish("tool_calls" if self._tools else "stop")]


class StreamWriter:
    """Canonical events in, Anthropic events out (each named by its ``type``).

    ``message_start`` goes first even when the stream lacks a
    :class:`StreamStart`. A block opens when the canonical index changes,
    closing the one before; a delta for a block already closed (a source that
    interleaves parallel tool calls) is sent on that block's index, which the
    SDKs accumulate correctly. ``message_delta`` and ``message_stop`` are sent
    by :meth:`finish`, once the final usage is known, with the same
    stop-reason rules as the non-streamed writer.
    """

    __slots__ = (
        "_blocks",
        "_done",
        "_finished",
        "_id",
        "_open",
        "_reason",
        "_started",
        "_stop_sequence",
        "_tools",
        "_usage",
    )

    def __init__(self) -> None:
        self._started = False
        self._done = False
        self._id = ""
        self._usage: Usage | None = None
        self._blocks: dict[int, int] = {}
        self._open: int | None = None
        self._finished = False
        self._reason: FinishReason | None = None
        self._stop_sequence: str | None = None
        self._tools = False

    def _start(self, start: StreamStart | None, out: Frames) -> None:
        if self._started:
            return
        self._started = True
        model = "unknown"
        if start is not None:
            model = start.model or model
            if start.usage is not None:
                self._usage = merge_usage(self._usage, start.usage)
        self._id = reprefix(start.id, "msg_") if start is not None and start.id else new_id("msg_")
        message: dict[str, Any] = {
            "id": self._id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": write_usage(self._usage or Usage()),
        }
        out.append(("message_start", {"type": "message_start", "message": message}))

    def _close(self, out: Frames) -> None:
        if self._open is not None:
            block = self._blocks[self._open]
            out.append(("content_block_stop", {"type": "content_block_stop", "index": block}))
            self._open = None

    def _block(self, index: int, content_block: dict[str, Any], out: Frames) -> int:
        """The Anthropic index of canonical part ``index``, opening its block if new."""
        known = self._blocks.get(index)
        if known is not None:
            return known
        self._close(out)
        block = self._blocks[index] = len(self._blocks)
        self._open = index
        out.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": block, "content_block": content_block},
            )
        )
        return block

    def _delta(self, block: int, delta: dict[str, Any], out: Frames) -> None:
        out.append(
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": block, "delta": delta},
            )
        )

    def feed(self, event: StreamEvent) -> Frames:
        out: Frames = []
        if self._done:
            return out
        if isinstance(event, StreamStart):
            if self._started and event.usage is not None:
                self._usage = merge_usage(self._usage, event.usage)
            self._start(event, out)
            return out
        self._start(None, out)
        if isinstance(event, TextDelta):
            if event.text:
                block = self._block(event.index, {"type": "text", "text": ""}, out)
                self._delta(block, {"type": "text_delta", "text": event.text}, out)
        elif isinstance(event, ThinkingDelta):
            start = {"type": "thinking", "thinking": "", "signature": ""}
            block = self._block(event.index, start, out)
            if event.text:
                self._delta(block, {"type": "thinking_delta", "thinking": event.text}, out)
            if event.signature:
                self._delta(block, {"type": "signature_delta", "signature": event.signature}, out)
        elif isinstance(event, RedactedThinking):
            self._block(event.index, {"type": "redacted_thinking", "data": event.data}, out)
        elif isinstance(event, ToolCallStart):
            self._tool_block(event.index, event.id, event.name, out)
        elif isinstance(event, ToolCallDelta):
            block = self._tool_block(event.index, "", "", out)
            if event.args_json:
                self._delta(
                    block, {"type": "input_json_delta", "partial_json": event.args_json}, out
                )
        elif isinstance(event, UsageUpdate):
            self._usage = merge_usage(self._usage, event.usage)
        elif isinstance(event, Finish):
            self._finished = True
            self._reason = event.reason
            self._stop_sequence = event.stop_sequence
            self._close(out)
        return out

    def _tool_block(self, index: int, call_id: str, name: str, out: Frames) -> int:
        self._tools = True
        if index not in self._blocks and not call_id:
            call_id = derived_call_id(name, "", index, self._id)
        start = {"type": "tool_use", "id": sanitize_tool_id(call_id), "name": name, "input": {}}
        return self._block(index, start, out)

    def finish(self) -> Frames:
        out: Frames = []
        if self._done:
            return out
        self._done = True
        self._start(None, out)
        self._close(out)
        reason = self._reason if self._finished else ("tool_calls" if self._tools else "stop")
        stop_sequence = self._stop_sequence if reason == "stop_sequence" else None
        stop_reason = to_anthropic(reason)
        if stop_reason == "stop_sequence" and stop_sequence is None:
            stop_reason = "end_turn"
        out.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": stop_sequence},
                    "usage": write_usage(self._usage or Usage()),
                },
            )
        )
        out.append(("message_stop", {"type": "message_stop"}))
        return out
