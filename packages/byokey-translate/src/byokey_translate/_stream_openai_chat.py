"""OpenAI Chat Completions streams (``chat.completion.chunk``), read and written.

A chunk stream says little about structure: one ``content`` string, one
``reasoning_content`` string and a list of ``tool_calls`` keyed by ``index``,
all delivered as fragments. The reader therefore opens a new canonical part
whenever the kind of fragment changes (reasoning, then text, then a call),
and the writer flattens parts back into those three channels.

Thinking rides on the same non-standard fields as the non-streamed codec
(:func:`byokey_translate._openai_chat.reasoning_fields`):
``reasoning_content`` deltas carry the text, one ``reasoning_signature`` delta
the signature that closes the block, and a ``reasoning_blocks`` delta (a list
in Anthropic's shape, each entry with an ``index`` like ``tool_calls`` so the
SDKs' stream helpers can merge it) carries redacted thinking, which has no
text to stream.
When another thinking block starts while the previous one still has no
signature, the writer first sends an empty ``reasoning_signature`` to close
it, so the reader keeps the two apart.

Usage goes out once, in a final ``choices: []`` chunk after the finish chunk
(what OpenAI sends with ``stream_options.include_usage``) whenever it is
known, then the ``[DONE]`` terminator. Every chunk carries the same ``id`` and
``created``.
"""

from __future__ import annotations

from typing import Any, Literal

import orjson

from byokey_translate._codecs import Frames
from byokey_translate._fields import as_dict, as_str, as_uint
from byokey_translate._ids import new_id, now, reprefix
from byokey_translate._ir import Usage
from byokey_translate._openai_chat import read_usage, write_usage
from byokey_translate._reasons import from_openai, to_openai
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

__all__ = ["StreamReader", "StreamWriter", "stream_error"]

DONE = "[DONE]"

_Kind = Literal["text", "thinking", "tool"]

_ERROR_STATUS = {
    "invalid_request_error": 400,
    "invalid_api_key": 401,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "model_not_found": 404,
    "rate_limit_exceeded": 429,
    "rate_limit_error": 429,
    "insufficient_quota": 429,
    "overloaded_error": 529,
}


def stream_error(error: dict[str, Any]) -> UpstreamError:
    """An error object met inside a stream as the :class:`UpstreamError` it reports.

    The status is the error's numeric ``code`` when it has one, else looked up
    from ``code`` / ``type``; anything unknown counts as a server error (502 to
    the client). Only the upstream's ``message`` is kept, never the whole body.
    """
    message = as_str(error.get("message")) or "error event in stream"
    code = error.get("code")
    status = as_uint(code)
    if status is None and isinstance(code, str) and code.isdigit():
        status = int(code)
    if status is None or not 400 <= status < 600:
        status = _ERROR_STATUS.get(as_str(code) or "") or _ERROR_STATUS.get(
            as_str(error.get("type")) or "", 500
        )
    if status == 429:
        return RateLimited(message)
    return UpstreamError(status, message)


def _choice(data: dict[str, Any]) -> dict[str, Any] | None:
    """Choice 0 of a chunk (the only one a single-answer stream has)."""
    choices = data.get("choices")
    if not isinstance(choices, list):
        return None
    first: dict[str, Any] | None = None
    for choice in choices:
        if not isinstance(choice, dict):
            continue
        index = choice.get("index")
        if index == 0:
            return choice
        if index is None and first is None:
            first = choice
    return first


class StreamReader:
    """Chunks in, canonical events out.

    Tolerates what OpenAI-compatible upstreams really send: chunks without
    ``id`` or ``model``, several choices (choice 0 is read), usage in a chunk of
    its own or inside the finish chunk, tool calls without ``id`` (they get
    ``call_<n>``, as the non-streamed reader names them), argument objects
    instead of strings, and streams that stop without a ``finish_reason``
    (:meth:`finish` supplies one: ``tool_calls`` if a call was made, else
    ``stop``). An ``{"error": …}`` chunk raises :class:`UpstreamError`.
    """

    __slots__ = (
        "_current",
        "_done",
        "_finished",
        "_last_thinking",
        "_next",
        "_signed",
        "_started",
        "_tool_ids",
        "_tools",
    )

    def __init__(self) -> None:
        self._started = False
        self._done = False
        self._finished = False
        self._next = 0
        self._current: tuple[_Kind, int] | None = None
        self._last_thinking: int | None = None
        self._signed: set[int] = set()
        self._tools: dict[int, int] = {}
        self._tool_ids: dict[int, str] = {}

    def _new(self, kind: _Kind) -> int:
        index = self._next
        self._next += 1
        self._current = (kind, index)
        if kind == "thinking":
            self._last_thinking = index
        return index

    def _open_thinking(self) -> int | None:
        """The thinking part still taking text, if the last part is one."""
        if self._current is not None and self._current[0] == "thinking":
            index = self._current[1]
            if index not in self._signed:
                return index
        return None

    def feed(self, event: str | None, data: dict[str, Any] | str) -> list[StreamEvent]:
        if isinstance(data, str):
            if data.strip() == DONE:
                self._done = True
            return []
        if self._done or not isinstance(data, dict):
            return []
        error = as_dict(data.get("error"))
        if error is not None and not data.get("choices"):
            raise stream_error(error)
        out: list[StreamEvent] = []
        if not self._started:
            self._started = True
            out.append(
                StreamStart(
                    as_str(data.get("id")) or "",
                    as_str(data.get("model")) or "unknown",
                    as_uint(data.get("created")),
                )
            )
        choice = _choice(data)
        if choice is not None:
            delta = as_dict(choice.get("delta")) or as_dict(choice.get("message"))
            if delta is not None:
                self._delta(delta, out)
            reason = choice.get("finish_reason")
            if reason is not None:
                self._finished = True
                out.append(Finish(from_openai(reason)))
        usage = read_usage(data.get("usage"))
        if usage is not None:
            out.append(UsageUpdate(usage))
        return out

    def _delta(self, delta: dict[str, Any], out: list[StreamEvent]) -> None:
        blocks = delta.get("reasoning_blocks")
        if isinstance(blocks, list):
            for block in blocks:
                self._reasoning_block(block, out)
        text = as_str(delta.get("reasoning_content"))
        if text is None:
            text = as_str(delta.get("reasoning"))
        if text:
            index = self._open_thinking()
            if index is None:
                index = self._new("thinking")
            out.append(ThinkingDelta(index, text))
        signature = as_str(delta.get("reasoning_signature"))
        if signature is not None:
            self._signature(signature, out)
        for key in ("content", "refusal"):
            content = as_str(delta.get(key))
            if content:
                if self._current is not None and self._current[0] == "text":
                    index = self._current[1]
                else:
                    index = self._new("text")
                out.append(TextDelta(index, content))
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            for position, call in enumerate(calls):
                if isinstance(call, dict):
                    self._tool_call(call, position, out)

    def _reasoning_block(self, block: Any, out: list[StreamEvent]) -> None:
        if not isinstance(block, dict):
            return
        kind = block.get("type")
        if kind == "redacted_thinking" and isinstance(block.get("data"), str):
            index = self._new("thinking")
            self._signed.add(index)
            out.append(RedactedThinking(index, block["data"]))
        elif kind == "thinking":
            index = self._new("thinking")
            signature = as_str(block.get("signature")) or None
            out.append(ThinkingDelta(index, as_str(block.get("thinking")) or "", signature))
            self._signed.add(index)

    def _signature(self, signature: str, out: list[StreamEvent]) -> None:
        index = self._open_thinking()
        if index is None and self._last_thinking not in self._signed:
            index = self._last_thinking  # the signature trails the text that followed it
        if index is None:
            if not signature:
                return
            index = self._new("thinking")
        self._signed.add(index)
        if signature:
            out.append(ThinkingDelta(index, "", signature))

    def _tool_call(self, call: dict[str, Any], position: int, out: list[StreamEvent]) -> None:
        key = as_uint(call.get("index"))
        if key is None:
            key = position if call.get("id") else max(self._tools, default=position)
        fn = as_dict(call.get("function")) or {}
        call_id = as_str(call.get("id"))
        index = self._tools.get(key)
        if index is not None and call_id and call_id != self._tool_ids[key]:
            index = None  # an upstream that reuses an index for its next call
        if index is None:
            index = self._new("tool")
            call_id = call_id or f"call_{len(self._tool_ids)}"
            self._tools[key] = index
            self._tool_ids[key] = call_id
            out.append(ToolCallStart(index, call_id, as_str(fn.get("name")) or ""))
        arguments = fn.get("arguments")
        if isinstance(arguments, dict | list):
            arguments = orjson.dumps(arguments).decode()
        if isinstance(arguments, str) and arguments:
            out.append(ToolCallDelta(index, arguments))

    def finish(self) -> list[StreamEvent]:
        if not self._started or self._finished:
            return []
        self._finished = True
        return [Finish("tool_calls" if self._tools else "stop")]


class StreamWriter:
    """Canonical events in, chunks out: a role chunk first, content, reasoning
    and tool-call deltas, one finish chunk, the usage chunk, ``[DONE]``."""

    __slots__ = (
        "_blocks_sent",
        "_created",
        "_done",
        "_finish_sent",
        "_id",
        "_last_thinking",
        "_model",
        "_signed",
        "_started",
        "_tools",
        "_usage",
    )

    def __init__(self) -> None:
        self._started = False
        self._done = False
        self._finish_sent = False
        self._id = ""
        self._model = "unknown"
        self._created = 0
        self._usage: Usage | None = None
        self._tools: dict[int, int] = {}
        self._last_thinking: int | None = None
        self._signed: set[int] = set()
        self._blocks_sent = 0

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> tuple[None, Any]:
        return (
            None,
            {
                "id": self._id,
                "object": "chat.completion.chunk",
                "created": self._created,
                "model": self._model,
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
                ],
            },
        )

    def _start(self, start: StreamStart | None, out: Frames) -> None:
        if self._started:
            return
        self._started = True
        if start is not None:
            self._id = reprefix(start.id, "chatcmpl-")
            self._model = start.model or "unknown"
            self._created = start.created if start.created is not None else now()
        else:
            self._id = new_id("chatcmpl-")
            self._created = now()
        out.append(self._chunk({"role": "assistant", "content": ""}))

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
            if event.text:
                out.append(self._chunk({"content": event.text}))
        elif isinstance(event, ThinkingDelta):
            self._thinking(event, out)
        elif isinstance(event, RedactedThinking):
            self._last_thinking = event.index
            self._signed.add(event.index)
            # ``index`` as in ``tool_calls``: the SDKs' stream helpers merge any list
            # of objects in a delta by it and refuse entries without one
            block = {"index": self._blocks_sent, "type": "redacted_thinking", "data": event.data}
            self._blocks_sent += 1
            out.append(self._chunk({"reasoning_blocks": [block]}))
        elif isinstance(event, ToolCallStart):
            self._call_start(event.index, event.id, event.name, out)
        elif isinstance(event, ToolCallDelta):
            if event.index not in self._tools:
                self._call_start(event.index, "", "", out)
            if event.args_json:
                call = {
                    "index": self._tools[event.index],
                    "function": {"arguments": event.args_json},
                }
                out.append(self._chunk({"tool_calls": [call]}))
        elif isinstance(event, UsageUpdate):
            self._usage = merge_usage(self._usage, event.usage)
        elif isinstance(event, Finish) and not self._finish_sent:
            self._finish_sent = True
            out.append(self._chunk({}, to_openai(event.reason)))
        return out

    def _thinking(self, event: ThinkingDelta, out: Frames) -> None:
        delta: dict[str, Any] = {}
        if event.text:
            delta["reasoning_content"] = event.text
        if event.signature:
            delta["reasoning_signature"] = event.signature
        if not delta:
            return
        last = self._last_thinking
        if last is not None and last != event.index and last not in self._signed:
            out.append(self._chunk({"reasoning_signature": ""}))  # close the previous block
            self._signed.add(last)
        self._last_thinking = event.index
        if event.signature:
            self._signed.add(event.index)
        out.append(self._chunk(delta))

    def _call_start(self, index: int, call_id: str, name: str, out: Frames) -> None:
        position = len(self._tools)
        self._tools[index] = position
        call = {
            "index": position,
            "id": call_id or f"call_{position}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        out.append(self._chunk({"tool_calls": [call]}))

    def finish(self) -> Frames:
        out: Frames = []
        if self._done:
            return out
        self._start(None, out)
        if not self._finish_sent:
            self._finish_sent = True
            out.append(self._chunk({}, "tool_calls" if self._tools else "stop"))
        if self._usage is not None:
            out.append(
                (
                    None,
                    {
                        "id": self._id,
                        "object": "chat.completion.chunk",
                        "created": self._created,
                        "model": self._model,
                        "choices": [],
                        "usage": write_usage(self._usage),
                    },
                )
            )
        out.append((None, DONE))
        self._done = True
        return out
