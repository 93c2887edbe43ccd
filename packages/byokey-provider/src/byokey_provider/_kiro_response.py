"""CodeWhisperer's event-stream answer read as an Anthropic Messages stream (or message).

Kiro's events are Claude's output in AWS clothing: ``assistantResponseEvent``
carries text pieces, ``toolUseEvent``s a call's name and id, its input JSON in
fragments and a final ``stop``. Turning them into Anthropic events
(``message_start`` … ``message_stop``) lets ``byokey_translate`` deliver any
client format, streamed or not, from one reader. Exceptions inside the stream
(``:message-type: exception``) become ``UpstreamError``s with the status the
AWS exception stands for. CodeWhisperer reports no token counts, so usage is
estimated at about four characters per token.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson

from byokey_types import RateLimited, UpstreamError

from ._kiro_eventstream import EventMessage

__all__ = ["KiroAnthropicReader", "estimate_tokens", "exception_error"]

_log = logging.getLogger("byokey.provider.kiro")

_EXCEPTION_STATUS = {
    "ThrottlingException": 429,
    "ServiceQuotaExceededException": 429,
    "ValidationException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
}

Frame = tuple[str, dict[str, Any]]


def estimate_tokens(text_length: int) -> int:
    """A rough token count for ``text_length`` characters (never 0 for non-empty text)."""
    return (text_length + 3) // 4


def exception_error(kind: str, payload: bytes) -> UpstreamError:
    """The error for an in-stream AWS exception frame (only the upstream's message kept)."""
    try:
        data = orjson.loads(payload) if payload else {}
    except orjson.JSONDecodeError:
        data = {}
    message = data.get("message") if isinstance(data, dict) else None
    text = f"{kind}: {message}" if isinstance(message, str) and message else kind
    status = _EXCEPTION_STATUS.get(kind, 500)
    if status == 429:
        return RateLimited(text)
    return UpstreamError(status, text)


class KiroAnthropicReader:
    """Feed decoded frames; get Anthropic stream events; :meth:`message` gives the whole answer."""

    def __init__(self, *, model: str, message_id: str, input_tokens: int) -> None:
        self.model = model
        self.message_id = message_id
        self.input_tokens = input_tokens
        self._started = False
        self._finished = False
        self._blocks: list[dict[str, Any]] = []
        self._open: int | None = None
        self._tool_json: dict[int, str] = {}
        self._tool_ids: dict[str, int] = {}
        self._output_chars = 0

    # ------------------------------------------------------------------ events

    def feed(self, message: EventMessage) -> list[Frame]:
        if message.message_type in ("exception", "error"):
            kind = message.header(":exception-type") or message.header(":error-code") or "KiroError"
            raise exception_error(kind, message.payload)
        try:
            data = orjson.loads(message.payload) if message.payload else {}
        except orjson.JSONDecodeError:
            _log.warning("kiro: skipping a %s event that is not JSON", message.event_type)
            return []
        if not isinstance(data, dict):
            return []
        out = self._start()
        if message.event_type == "assistantResponseEvent":
            out += self._text(data.get("content"))
        elif message.event_type == "toolUseEvent":
            out += self._tool(data)
        # meteringEvent, contextUsageEvent, followupPromptEvent…: nothing to say.
        return out

    def finish(self) -> list[Frame]:
        """Close the message (also when the upstream stopped without a word)."""
        if self._finished:
            return []
        out = self._start() + self._close()
        self._finished = True
        out.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": self.stop_reason, "stop_sequence": None},
                    "usage": {
                        "input_tokens": self.input_tokens,
                        "output_tokens": self.output_tokens,
                    },
                },
            )
        )
        out.append(("message_stop", {"type": "message_stop"}))
        return out

    # ----------------------------------------------------------------- results

    @property
    def stop_reason(self) -> str:
        return "tool_use" if any(b["type"] == "tool_use" for b in self._blocks) else "end_turn"

    @property
    def output_tokens(self) -> int:
        return estimate_tokens(self._output_chars)

    def message(self) -> dict[str, Any]:
        """The complete Anthropic message for everything fed so far."""
        content: list[dict[str, Any]] = []
        for index, block in enumerate(self._blocks):
            if block["type"] == "tool_use":
                raw = self._tool_json.get(index, "")
                try:
                    parsed = orjson.loads(raw) if raw.strip() else {}
                except orjson.JSONDecodeError:
                    parsed = {}
                content.append({**block, "input": parsed if isinstance(parsed, dict) else {}})
            else:
                content.append(dict(block))
        return {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": self.stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
        }

    # ------------------------------------------------------------------ blocks

    def _start(self) -> list[Frame]:
        if self._started:
            return []
        self._started = True
        return [
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": self.message_id,
                        "type": "message",
                        "role": "assistant",
                        "model": self.model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": self.input_tokens, "output_tokens": 0},
                    },
                },
            )
        ]

    def _close(self) -> list[Frame]:
        if self._open is None:
            return []
        index, self._open = self._open, None
        return [("content_block_stop", {"type": "content_block_stop", "index": index})]

    def _open_block(self, block: dict[str, Any]) -> list[Frame]:
        out = self._close()
        index = len(self._blocks)
        self._blocks.append(block)
        self._open = index
        start = dict(block)
        if block["type"] == "text":
            start["text"] = ""
        out.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        return out

    def _text(self, text: Any) -> list[Frame]:
        if not isinstance(text, str) or not text:
            return []
        out: list[Frame] = []
        if self._open is None or self._blocks[self._open]["type"] != "text":
            out += self._open_block({"type": "text", "text": ""})
        assert self._open is not None
        self._blocks[self._open]["text"] += text
        self._output_chars += len(text)
        out.append(
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": self._open,
                    "delta": {"type": "text_delta", "text": text},
                },
            )
        )
        return out

    def _tool(self, data: dict[str, Any]) -> list[Frame]:
        call_id = data.get("toolUseId")
        if not isinstance(call_id, str) or not call_id:
            return []
        out: list[Frame] = []
        index = self._tool_ids.get(call_id)
        if index is None:
            out += self._open_block(
                {"type": "tool_use", "id": call_id, "name": str(data.get("name", "")), "input": {}}
            )
            index = len(self._blocks) - 1
            self._tool_ids[call_id] = index
            self._tool_json[index] = ""
        fragment = data.get("input")
        if isinstance(fragment, dict):
            # Some deployments send the whole input as an object, once.
            fragment = orjson.dumps(fragment).decode()
        if isinstance(fragment, str) and fragment and self._open == index:
            self._tool_json[index] += fragment
            self._output_chars += len(fragment)
            out.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": fragment},
                    },
                )
            )
        if data.get("stop") is True and self._open == index:
            out += self._close()
        return out
