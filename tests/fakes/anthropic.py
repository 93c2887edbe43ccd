"""A fake Anthropic Messages API (also stands in for Kiro, which speaks the same format).

    fake = AnthropicFake(server)            # or the ``anthropic_fake`` fixture
    fake.reply_with(answer(thinking("hmm"), "hi", tool_call("get_weather", {"city": "Paris"})))
    fake.rate_limit_next(retry_after=2)     # the call after that gets a 429 first
    # point the code under test at fake.url; assert on fake.last_request

Streams follow the real event order (message_start, content_block_start, ping,
content_block_delta…, content_block_stop, message_delta, message_stop) and are cut
on the wire as :attr:`FamilyFake.stream_shape` says.
"""

from __future__ import annotations

from typing import Any

import orjson

from tests.fakes._family import FamilyFake, is_raw_reply
from tests.fakes._replies import HeaderSpec, Json, Reply, SseEvent
from tests.fakes.content import Answer, IdMaker, TextPart, ThinkingPart, ToolCallPart
from tests.fakes.server import FakeServer, RecordedRequest

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
MODELS_PATH = "/v1/models"
OAUTH_BETA = "oauth-2025-04-20"

_STOP_REASONS = {
    "end": "end_turn",
    "max_tokens": "max_tokens",
    "tool_use": "tool_use",
    "stop_sequence": "stop_sequence",
    "refusal": "refusal",
}

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

DEFAULT_MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-1-20250805",
    "claude-3-5-haiku-20241022",
)


def error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def error_event(error_type: str = "overloaded_error", message: str = "Overloaded") -> SseEvent:
    """The ``error`` event Anthropic sends mid-stream (e.g. when overloaded)."""
    return SseEvent(error_body(error_type, message), event="error")


def _usage(answer: Answer, output_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": answer.usage.input_tokens,
        "cache_creation_input_tokens": answer.usage.cache_creation_tokens,
        "cache_read_input_tokens": answer.usage.cache_read_tokens,
        "output_tokens": output_tokens,
    }


def _block(part: TextPart | ThinkingPart | ToolCallPart, tool_id: str) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ThinkingPart):
        return {"type": "thinking", "thinking": part.thinking, "signature": part.signature}
    return {"type": "tool_use", "id": tool_id, "name": part.name, "input": part.arguments}


def _tool_ids(answer: Answer, ids: IdMaker) -> list[str]:
    return [
        (p.id or ids.next("toolu_fake_")) if isinstance(p, ToolCallPart) else ""
        for p in answer.parts
    ]


def message_json(answer: Answer, *, model: str, message_id: str, ids: IdMaker) -> dict[str, Any]:
    """The non-streaming Messages response for ``answer``."""
    tool_ids = _tool_ids(answer, ids)
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": answer.model or model,
        "content": [_block(p, t) for p, t in zip(answer.parts, tool_ids, strict=True)],
        "stop_reason": _STOP_REASONS[answer.stop_kind],
        "stop_sequence": None,
        "usage": _usage(answer, answer.usage.output_tokens),
    }


def message_events(answer: Answer, *, model: str, message_id: str, ids: IdMaker) -> list[SseEvent]:
    """The streaming event sequence for ``answer``, as the real API orders it."""

    def event(data: dict[str, Any]) -> SseEvent:
        return SseEvent(data, event=data["type"])

    events = [
        event(
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": answer.model or model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": _usage(answer, 1),
                },
            }
        )
    ]
    tool_ids = _tool_ids(answer, ids)
    for index, (part, tool_id) in enumerate(zip(answer.parts, tool_ids, strict=True)):
        start: dict[str, Any]
        deltas: list[dict[str, Any]]
        if isinstance(part, TextPart):
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in answer.pieces(part.text)]
        elif isinstance(part, ThinkingPart):
            start = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": p} for p in answer.pieces(part.thinking)
            ]
            deltas.append({"type": "signature_delta", "signature": part.signature})
        else:
            start = {"type": "tool_use", "id": tool_id, "name": part.name, "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": ""}]
            deltas += [
                {"type": "input_json_delta", "partial_json": p}
                for p in answer.pieces(part.arguments_json())
            ]
        events.append(
            event({"type": "content_block_start", "index": index, "content_block": start})
        )
        if index == 0:
            events.append(event({"type": "ping"}))
        events.extend(
            event({"type": "content_block_delta", "index": index, "delta": d}) for d in deltas
        )
        events.append(event({"type": "content_block_stop", "index": index}))
    if not answer.parts:
        events.append(event({"type": "ping"}))
    events.append(
        event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": _STOP_REASONS[answer.stop_kind], "stop_sequence": None},
                "usage": {"output_tokens": answer.usage.output_tokens},
            }
        )
    )
    events.append(event({"type": "message_stop"}))
    return events


class AnthropicFake(FamilyFake):
    """``POST /v1/messages``, ``POST /v1/messages/count_tokens`` and ``GET /v1/models``.

    Checks what the real API checks first: a credential (``x-api-key`` or
    ``Authorization: Bearer``; see :meth:`accept_only`) and ``anthropic-version``.
    """

    paths: tuple[str, ...] = (MESSAGES_PATH, COUNT_TOKENS_PATH, MODELS_PATH)

    def __init__(
        self, server: FakeServer, *, prefix: str = "", answer: Answer | None = None
    ) -> None:
        super().__init__(server, default=answer)
        self.prefix = prefix.rstrip("/")
        self.paths = tuple(self.prefix + p for p in type(self).paths)
        self.models: list[str] = list(DEFAULT_MODELS)
        #: Fixed count_tokens answer; None estimates from the body size.
        self.input_tokens: int | None = None
        self.require_version = True
        #: Refuse a Bearer token without the ``oauth-2025-04-20`` beta, as Anthropic does.
        self.require_oauth_beta = False
        server.route("POST", self.prefix + MESSAGES_PATH, self._messages)
        server.route("POST", self.prefix + COUNT_TOKENS_PATH, self._count_tokens)
        server.route("GET", self.prefix + MODELS_PATH, self._models)

    @property
    def message_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == self.prefix + MESSAGES_PATH]

    @property
    def bodies(self) -> list[Any]:
        """JSON bodies of every ``/v1/messages`` call."""
        return [r.json() for r in self.message_requests]

    def error_reply(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        headers: HeaderSpec | None = None,
    ) -> Reply:
        kind = error_type or ERROR_TYPES.get(status, "api_error")
        return Json(status, error_body(kind, message), headers=self._headers(headers))

    def _headers(self, extra: HeaderSpec | None = None) -> list[tuple[str, str]]:
        return [("request-id", self.ids.next("req_fake_")), *self.with_headers(extra)]

    def _check(self, request: RecordedRequest) -> Reply | None:
        credential = request.headers.get("x-api-key") or request.bearer()
        if not self.credential_ok(credential):
            return self.error_reply(401, "invalid x-api-key")
        if self.require_version and "anthropic-version" not in request.headers:
            return self.error_reply(400, "anthropic-version: header is required")
        if self.require_oauth_beta and request.bearer() is not None:
            betas = request.headers.get("anthropic-beta", "").split(",")
            if OAUTH_BETA not in (b.strip() for b in betas):
                return self.error_reply(401, "OAuth authentication is currently not supported.")
        return None

    def _body(self, request: RecordedRequest) -> tuple[dict[str, Any] | None, Reply | None]:
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            return None, self.error_reply(400, "There was an error parsing the body as JSON")
        if not isinstance(body, dict):
            return None, self.error_reply(400, "body: Input should be an object")
        for name in ("model", "messages"):
            if name not in body:
                return None, self.error_reply(400, f"{name}: Field required")
        return body, None

    def _messages(self, request: RecordedRequest) -> Reply:
        failure = self._check(request)
        if failure is not None:
            return failure
        body, failure = self._body(request)
        if failure is not None or body is None:
            return failure or self.error_reply(400, "bad body")
        item = self.next_item()
        if is_raw_reply(item):
            return item  # type: ignore[return-value]
        assert isinstance(item, Answer)
        model = str(body["model"])
        message_id = self.ids.next("msg_fake_")
        if body.get("stream") is True:
            events = message_events(item, model=model, message_id=message_id, ids=self.ids)
            return self.stream_shape.sse(events, headers=self._headers())
        json_body = message_json(item, model=model, message_id=message_id, ids=self.ids)
        return Json(200, json_body, headers=self._headers())

    def _count_tokens(self, request: RecordedRequest) -> Reply:
        failure = self._check(request)
        if failure is not None:
            return failure
        body, failure = self._body(request)
        if failure is not None or body is None:
            return failure or self.error_reply(400, "bad body")
        if self.input_tokens is not None:
            count = self.input_tokens
        else:
            counted = {k: body.get(k) for k in ("system", "messages", "tools")}
            count = max(1, len(orjson.dumps(counted)) // 4)
        return Json(200, {"input_tokens": count}, headers=self._headers())

    def _models(self, request: RecordedRequest) -> Reply:
        failure = self._check(request)
        if failure is not None:
            return failure
        data = [
            {
                "type": "model",
                "id": model,
                "display_name": model,
                "created_at": "2025-01-01T00:00:00Z",
            }
            for model in self.models
        ]
        body = {
            "data": data,
            "has_more": False,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
        }
        return Json(200, body, headers=self._headers())


__all__ = [
    "COUNT_TOKENS_PATH",
    "ERROR_TYPES",
    "MESSAGES_PATH",
    "MODELS_PATH",
    "OAUTH_BETA",
    "AnthropicFake",
    "error_body",
    "error_event",
    "message_events",
    "message_json",
]
