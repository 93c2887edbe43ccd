"""A fake Kiro upstream: AWS CodeWhisperer ``generateAssistantResponse`` over AWS event-stream.

    fake = KiroFake(server)                  # POST /generateAssistantResponse
    fake.reply_with(answer("hi", tool_call("get_weather", {"city": "Paris"})))
    fake.reply_with(fake.frames_reply([event_frame("assistantResponseEvent", {"content": "x"}),
                                       exception_frame("ThrottlingException", "slow down")]))

The answer is binary ``application/vnd.amazon.eventstream``: each message is a
prelude (total length, headers length, CRC32 of the two), typed headers
(``:message-type``, ``:event-type``, ``:content-type``), a JSON payload and a
CRC32 of everything before it. Text arrives as ``assistantResponseEvent``
pieces, a tool call as ``toolUseEvent``s (name and id, input fragments, then
``stop: true``), then ``meteringEvent`` and ``contextUsageEvent``. The request
is checked the way CodeWhisperer rejects it ("Improperly formed request").
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson

from tests.fakes._family import FamilyFake, is_raw_reply
from tests.fakes._replies import HeaderSpec, Json, Reply, Sse
from tests.fakes.content import Answer, TextPart, ToolCallPart
from tests.fakes.server import FakeServer, RecordedRequest

GENERATE_PATH = "/generateAssistantResponse"
EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream"
_STRING = 7


def encode_message(headers: Sequence[tuple[str, str]], payload: bytes) -> bytes:
    """One AWS event-stream message (all header values as strings)."""
    encoded_headers = b""
    for name, value in headers:
        raw_name, raw_value = name.encode(), value.encode()
        encoded_headers += struct.pack(">B", len(raw_name)) + raw_name
        encoded_headers += struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    total = 12 + len(encoded_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + encoded_headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event_frame(event_type: str, payload: dict[str, Any]) -> bytes:
    return encode_message(
        [
            (":event-type", event_type),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        orjson.dumps(payload),
    )


def exception_frame(exception_type: str, message: str) -> bytes:
    """The frame CodeWhisperer sends when it fails mid-stream."""
    return encode_message(
        [
            (":exception-type", exception_type),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ],
        orjson.dumps({"message": message}),
    )


def answer_frames(a: Answer, *, tool_ids: Sequence[str]) -> list[bytes]:
    """The event sequence CodeWhisperer streams for ``a`` (thinking is not sent natively)."""
    frames: list[bytes] = []
    calls = iter(tool_ids)
    for part in a.parts:
        if isinstance(part, TextPart):
            frames.extend(
                event_frame("assistantResponseEvent", {"content": piece})
                for piece in a.pieces(part.text)
            )
        elif isinstance(part, ToolCallPart):
            call_id = next(calls)
            head = {"name": part.name, "toolUseId": call_id}
            frames.append(event_frame("toolUseEvent", head))
            frames.extend(
                event_frame("toolUseEvent", {**head, "input": piece})
                for piece in a.pieces(part.arguments_json())
            )
            frames.append(event_frame("toolUseEvent", {**head, "stop": True}))
    frames.append(
        event_frame("meteringEvent", {"unit": "credit", "unitPlural": "credits", "usage": 0.05})
    )
    frames.append(event_frame("contextUsageEvent", {"contextUsagePercentage": 1.5}))
    return frames


def _malformed(body: Any) -> str | None:
    """Why CodeWhisperer would answer 400 "Improperly formed request", if it would."""
    if not isinstance(body, dict):
        return "body is not an object"
    state = body.get("conversationState")
    if not isinstance(state, dict) or not isinstance(state.get("conversationId"), str):
        return "conversationState.conversationId missing"
    if state.get("chatTriggerType") != "MANUAL":
        return "chatTriggerType must be MANUAL"
    current = (state.get("currentMessage") or {}).get("userInputMessage")
    if not isinstance(current, dict):
        return "currentMessage.userInputMessage missing"
    history = state.get("history", [])
    if not isinstance(history, list):
        return "history must be a list"
    expect_user = True
    tool_uses: set[str] = set()
    for entry in [*history, {"userInputMessage": current}]:
        key = "userInputMessage" if expect_user else "assistantResponseMessage"
        if not isinstance(entry, dict) or set(entry) != {key}:
            return f"history must alternate user/assistant; expected {key}"
        message = entry[key]
        if not isinstance(message.get("content"), str) or not message["content"]:
            return f"{key}.content must be a non-empty string"
        if expect_user:
            if not isinstance(message.get("modelId"), str) or message.get("origin") != "AI_EDITOR":
                return "userInputMessage needs modelId and origin AI_EDITOR"
            context = message.get("userInputMessageContext") or {}
            for result in context.get("toolResults", []):
                if result.get("toolUseId") not in tool_uses:
                    return "toolResult without a matching toolUse"
                if result.get("status") not in ("success", "error"):
                    return "toolResult status must be success or error"
            for tool in context.get("tools", []):
                spec = tool.get("toolSpecification") or {}
                if not spec.get("name") or "json" not in (spec.get("inputSchema") or {}):
                    return "toolSpecification needs name and inputSchema.json"
            tool_uses = set()
        else:
            tool_uses = {u.get("toolUseId") for u in message.get("toolUses", [])}
        expect_user = not expect_user
    return None


class KiroFake(FamilyFake):
    """``POST /generateAssistantResponse`` with a Bearer token, answering in event-stream."""

    paths: tuple[str, ...] = (GENERATE_PATH,)

    def __init__(self, server: FakeServer, *, answer: Answer | None = None) -> None:
        super().__init__(server, default=answer)
        server.route("POST", GENERATE_PATH, self._generate)

    @property
    def bodies(self) -> list[Any]:
        return [r.json() for r in self.requests]

    def error_reply(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        headers: HeaderSpec | None = None,
    ) -> Reply:
        kind = error_type or {
            400: "ValidationException",
            403: "AccessDeniedException",
            429: "ThrottlingException",
        }.get(status, "InternalServerException")
        extra = [("x-amzn-ErrorType", f"{kind}:http://internal.amazon.com/coral/")]
        return Json(
            status,
            {"message": message, "reason": None},
            headers=self.with_headers([*extra, *(headers or [])]),  # type: ignore[list-item]
        )

    def frames_reply(self, frames: Sequence[bytes]) -> Sse:
        """A 200 event-stream answer made of ``frames``, cut as :attr:`stream_shape` says."""
        shaped = self.stream_shape.sse(
            list(frames), headers=self.with_headers([("x-amzn-RequestId", "fake-req-1")])
        )
        return replace(shaped, content_type=EVENT_STREAM_TYPE)

    def _generate(self, request: RecordedRequest) -> Reply:
        if not self.credential_ok(request.bearer()):
            return self.error_reply(403, "The bearer token included in the request is invalid.")
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            body = None
        problem = _malformed(body)
        if problem is not None:
            return self.error_reply(400, f"Improperly formed request. ({problem})")
        item = self.next_item()
        if is_raw_reply(item):
            return item  # type: ignore[return-value]
        assert isinstance(item, Answer)
        tool_ids = [c.id or self.ids.next("tooluse_fake") for c in item.tool_calls]
        return self.frames_reply(answer_frames(item, tool_ids=tool_ids))


__all__ = [
    "EVENT_STREAM_TYPE",
    "GENERATE_PATH",
    "KiroFake",
    "answer_frames",
    "encode_message",
    "event_frame",
    "exception_frame",
]
