"""A scripted Gateway and in-memory usage store for the proxy's tests.

The gateway answers from canned bodies in whichever wire format a test asks
for, so the HTTP layer is exercised end to end without the provider package.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from byokey_proxy import ModelInfo, RoutedResponse
from byokey_store import InMemoryUsageStore
from byokey_types import (
    ByokError,
    ChatRequest,
    ChatResponse,
    ChatStream,
    ProviderId,
    RateLimitSnapshot,
    SSEEvent,
    UnsupportedModel,
    UsageBucket,
    UsageRecord,
    WireFormat,
)

MODELS = ["gpt-5.1", "claude-opus-4-6", "claude-test-thinker", "gemini-2.5-pro", "gpt-4o"]
OWNER = {
    "gpt-5.1": "codex",
    "claude-opus-4-6": "claude",
    "claude-test-thinker": "claude",
    "gemini-2.5-pro": "gemini",
    "gpt-4o": "copilot",
}


def openai_body(model: str, text: str = "Hello there") -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 11,
            "completion_tokens": 7,
            "total_tokens": 18,
            "prompt_tokens_details": {"cached_tokens": 3},
        },
    }


def openai_tool_body(model: str) -> dict[str, Any]:
    body = openai_body(model)
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
            }
        ],
    }
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


def openai_events(model: str, words: list[str]) -> list[SSEEvent]:
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": model}
    out = [SSEEvent(None, {**base, "choices": [{"index": 0, "delta": {"role": "assistant"}}]})]
    for w in words:
        out.append(SSEEvent(None, {**base, "choices": [{"index": 0, "delta": {"content": w}}]}))
    out.append(
        SSEEvent(None, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    )
    out.append(
        SSEEvent(
            None,
            {**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3}},
        )
    )
    out.append(SSEEvent(None, "[DONE]"))
    return out


def anthropic_body(model: str, content: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content
        if content is not None
        else [{"type": "text", "text": "Hello from Claude"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 20,
            "output_tokens": 9,
            "cache_read_input_tokens": 4,
            "cache_creation_input_tokens": 2,
        },
    }


def anthropic_events(model: str, words: list[str], *, thinking: bool = False) -> list[SSEEvent]:
    msg = anthropic_body(model, content=[])
    msg["usage"] = {"input_tokens": 12, "output_tokens": 1, "cache_read_input_tokens": 6}
    out = [SSEEvent("message_start", {"type": "message_start", "message": msg})]
    index = 0
    if thinking:
        out += [
            SSEEvent(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": 0,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                },
            ),
            SSEEvent(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "thinking_delta", "thinking": "Let me think."},
                },
            ),
            SSEEvent(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "signature_delta", "signature": "EqQBsig"},
                },
            ),
            SSEEvent("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ]
        index = 1
    out.append(
        SSEEvent(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            },
        )
    )
    for w in words:
        out.append(
            SSEEvent(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": w},
                },
            )
        )
    out += [
        SSEEvent("content_block_stop", {"type": "content_block_stop", "index": index}),
        SSEEvent(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 8},
            },
        ),
        SSEEvent("message_stop", {"type": "message_stop"}),
    ]
    return out


async def replay(
    events: list[SSEEvent],
    *,
    fail_after: int | None = None,
    error: ByokError | None = None,
    gate: asyncio.Event | None = None,
    closed: list[bool] | None = None,
) -> AsyncIterator[SSEEvent]:
    try:
        for i, event in enumerate(events):
            if fail_after is not None and i == fail_after:
                assert error is not None
                raise error
            if gate is not None and i == 1:
                await gate.wait()
            yield event
            await asyncio.sleep(0)
    finally:
        if closed is not None:
            closed.append(True)


Script = Callable[[ChatRequest], RoutedResponse]


@dataclass
class FakeGateway:
    """Answers in ``reply_format`` unless a test installs its own ``script``."""

    reply_format: WireFormat = WireFormat.OPENAI
    script: Script | None = None
    requests: list[ChatRequest] = field(default_factory=list)
    snapshots: dict[ProviderId, dict[str, RateLimitSnapshot]] = field(default_factory=dict)
    resets: list[ProviderId | None] = field(default_factory=list)

    async def chat(self, request: ChatRequest) -> RoutedResponse:
        self.requests.append(request)
        if self.script is not None:
            return self.script(request)
        model = request.model
        if model not in MODELS:
            raise UnsupportedModel(model)
        fmt = self.reply_format
        provider = OWNER[model]
        if request.stream:
            events = (
                anthropic_events(model, ["Hel", "lo"])
                if fmt is WireFormat.ANTHROPIC
                else openai_events(model, ["Hel", "lo"])
            )
            return RoutedResponse(ChatStream(replay(events), format=fmt), provider, model, "acct-1")
        body = anthropic_body(model) if fmt is WireFormat.ANTHROPIC else openai_body(model)
        return RoutedResponse(ChatResponse(body, format=fmt), provider, model, "acct-1")

    async def count_tokens(self, request: ChatRequest) -> int:
        return len(str(request.body.get("messages", ""))) // 4

    def list_models(self) -> list[ModelInfo]:
        return [ModelInfo(m, OWNER[m]) for m in MODELS]

    def supported_models(self, provider: ProviderId) -> list[str]:
        return [m for m in MODELS if OWNER[m] == provider.value]

    def rate_limits(self) -> Mapping[ProviderId, Mapping[str, RateLimitSnapshot]]:
        return self.snapshots

    def reset_cooldowns(self, provider: ProviderId | None = None) -> int:
        self.resets.append(provider)
        return 2


class RecordingUsageStore(InMemoryUsageStore):
    """``byokey_store``'s in-memory store that also keeps each record for assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[UsageRecord] = []
        self.batches: list[int] = []

    async def record_many(self, records: Iterable[UsageRecord]) -> None:
        batch = list(records)
        await super().record_many(batch)
        self.batches.append(len(batch))
        self.records.extend(batch)


class LegacyUsageStore:
    """A ``UsageStore`` with only the original's ``query``/``totals`` (no ``aggregate``)."""

    def __init__(self, rows: list[UsageBucket] | None = None) -> None:
        self.rows = rows or []
        self.records: list[UsageRecord] = []

    async def record(self, record: UsageRecord) -> None:
        self.records.append(record)

    async def query(
        self, start: int, end: int, *, model: str | None = None, bucket_secs: int = 3600
    ) -> list[UsageBucket]:
        return [b for b in self.rows if model is None or b["model"] == model]

    async def totals(self, start: int | None = None, end: int | None = None) -> list[UsageBucket]:
        return list(self.rows)
