"""A fake OpenAI API: Chat Completions and Responses (also stands in for OpenRouter,
Ollama, vLLM and the OpenAI-compatible shims of Gemini, Qwen, Kimi, iFlow, Copilot).

    fake = OpenAIFake(server)                # or the ``openai_fake`` fixture
    fake.reply_with(answer("hi", tool_call("get_weather", {"city": "Paris"})))
    fake.rate_limit_next(retry_after=2)      # the next call gets a 429 first
    fake.shape_streams(split="every_byte")   # SSE cut at awkward byte boundaries
    # point the code under test at fake.base_url; assert on fake.last_request

Chat streams follow the real shape: a role chunk, content / tool-call deltas, a
finish chunk, a usage chunk when ``stream_options.include_usage`` was asked for,
then ``data: [DONE]``. Responses answers reuse the Codex event sequence (the
public API and the ChatGPT backend share it).
"""

from __future__ import annotations

from typing import Any

import orjson

from tests.fakes._family import FamilyFake, is_raw_reply
from tests.fakes._replies import HeaderSpec, Json, Reply, SseEvent, SseItem
from tests.fakes.content import Answer, TextPart, ThinkingPart, ToolCallPart
from tests.fakes.server import FakeServer, RecordedRequest

__all__ = [
    "CHAT_PATH",
    "MODELS_PATH",
    "RESPONSES_PATH",
    "OpenAIFake",
    "chat_chunks",
    "chat_completion",
    "error_body",
]

CHAT_PATH = "/chat/completions"
RESPONSES_PATH = "/responses"
MODELS_PATH = "/models"

_FINISH = {
    "end": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "stop_sequence": "stop",
    "refusal": "content_filter",
}

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_error",
}

ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


def error_body(message: str, error_type: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}


def _usage(a: Answer) -> dict[str, Any]:
    return {
        "prompt_tokens": a.usage.input_tokens,
        "completion_tokens": a.usage.output_tokens,
        "total_tokens": a.usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": a.usage.cache_read_tokens},
    }


def _tool_ids(a: Answer, fake: OpenAIFake) -> list[str]:
    return [p.id or fake.ids.next("call_fake_") for p in a.tool_calls]


def chat_completion(
    a: Answer, *, model: str, completion_id: str, tool_ids: list[str]
) -> dict[str, Any]:
    """The non-streaming ``chat.completion`` for ``a``."""
    message: dict[str, Any] = {"role": "assistant", "content": a.text or None}
    reasoning = "".join(p.thinking for p in a.parts if isinstance(p, ThinkingPart))
    if reasoning:
        message["reasoning_content"] = reasoning
    if a.tool_calls:
        message["tool_calls"] = [
            {
                "id": tid,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json()},
            }
            for call, tid in zip(a.tool_calls, tool_ids, strict=True)
        ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": a.model or model,
        "choices": [{"index": 0, "message": message, "finish_reason": _FINISH[a.stop_kind]}],
        "usage": _usage(a),
    }


def chat_chunks(
    a: Answer,
    *,
    model: str,
    completion_id: str,
    tool_ids: list[str],
    include_usage: bool,
) -> list[SseItem]:
    """The ``chat.completion.chunk`` stream for ``a``, ending with ``[DONE]``."""
    base = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": a.model or model,
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        out = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if include_usage:
            out["usage"] = None
        return out

    items: list[SseItem] = [chunk({"role": "assistant", "content": ""})]
    tool_index = 0
    for part in a.parts:
        if isinstance(part, TextPart):
            items.extend(chunk({"content": p}) for p in a.pieces(part.text))
        elif isinstance(part, ThinkingPart):
            items.extend(chunk({"reasoning_content": p}) for p in a.pieces(part.thinking))
        else:
            assert isinstance(part, ToolCallPart)
            head = {
                "index": tool_index,
                "id": tool_ids[tool_index],
                "type": "function",
                "function": {"name": part.name, "arguments": ""},
            }
            items.append(chunk({"tool_calls": [head]}))
            items.extend(
                chunk({"tool_calls": [{"index": tool_index, "function": {"arguments": p}}]})
                for p in a.pieces(part.arguments_json())
            )
            tool_index += 1
    items.append(chunk({}, _FINISH[a.stop_kind]))
    if include_usage:
        items.append({**base, "choices": [], "usage": _usage(a)})
    items.append("[DONE]")
    return items


class OpenAIFake(FamilyFake):
    """``POST {prefix}/chat/completions``, ``POST {prefix}/responses``, ``GET {prefix}/models``.

    ``prefix`` defaults to ``/v1``; :attr:`base_url` is what a client's
    ``base_url`` should be. Checks ``Authorization: Bearer`` (see
    :meth:`accept_only`; :attr:`require_auth` false accepts none, like Ollama).
    """

    def __init__(
        self, server: FakeServer, *, prefix: str = "/v1", answer: Answer | None = None
    ) -> None:
        super().__init__(server, default=answer)
        self.prefix = prefix.rstrip("/")
        self.paths = tuple(self.prefix + p for p in (CHAT_PATH, RESPONSES_PATH, MODELS_PATH))
        self.models: list[str] = ["gpt-4o", "gpt-5"]
        self.require_auth = True
        server.route("POST", self.prefix + CHAT_PATH, self._chat)
        server.route("POST", self.prefix + RESPONSES_PATH, self._responses)
        server.route("GET", self.prefix + MODELS_PATH, self._models)

    @property
    def base_url(self) -> str:
        return self.server.url + self.prefix

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == self.prefix + CHAT_PATH]

    @property
    def bodies(self) -> list[Any]:
        """JSON bodies of every chat / responses call."""
        return [r.json() for r in self.requests if r.method == "POST"]

    def error_reply(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        headers: HeaderSpec | None = None,
    ) -> Reply:
        kind = error_type or ERROR_TYPES.get(status, "server_error")
        body = error_body(message, kind, ERROR_CODES.get(status))
        return Json(status, body, headers=self._headers(headers))

    def _headers(self, extra: HeaderSpec | None = None) -> list[tuple[str, str]]:
        return [("x-request-id", self.ids.next("req_fake_")), *self.with_headers(extra)]

    def _check(self, request: RecordedRequest) -> tuple[dict[str, Any] | None, Reply | None]:
        if self.require_auth and not self.credential_ok(request.bearer()):
            return None, self.error_reply(401, "Incorrect API key provided.")
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            return None, self.error_reply(400, "We could not parse the JSON body of your request.")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return None, self.error_reply(400, "you must provide a model parameter")
        return body, None

    def _next_answer(self) -> Answer | Reply:
        item = self.next_item()
        if is_raw_reply(item):
            return item  # type: ignore[return-value]
        assert isinstance(item, Answer)
        return item

    def _chat(self, request: RecordedRequest) -> Reply:
        body, failure = self._check(request)
        if failure is not None or body is None:
            return failure or self.error_reply(400, "bad body")
        if not isinstance(body.get("messages"), list):
            return self.error_reply(400, "'messages' is a required property")
        item = self._next_answer()
        if not isinstance(item, Answer):
            return item
        model = str(body["model"])
        completion_id = self.ids.next("chatcmpl-fake")
        tool_ids = _tool_ids(item, self)
        if body.get("stream") is True:
            options = body.get("stream_options")
            include = isinstance(options, dict) and options.get("include_usage") is True
            chunks = chat_chunks(
                item,
                model=model,
                completion_id=completion_id,
                tool_ids=tool_ids,
                include_usage=include,
            )
            return self.stream_shape.sse(chunks, headers=self._headers())
        json_body = chat_completion(
            item, model=model, completion_id=completion_id, tool_ids=tool_ids
        )
        return Json(200, json_body, headers=self._headers())

    def _responses(self, request: RecordedRequest) -> Reply:
        # The Responses event sequence is the Codex fake's (one implementation).
        from tests.fakes.codex import response_events

        body, failure = self._check(request)
        if failure is not None or body is None:
            return failure or self.error_reply(400, "bad body")
        item = self._next_answer()
        if not isinstance(item, Answer):
            return item
        model = str(body["model"])
        response_id = self.ids.next("resp_fake_")
        if body.get("stream") is True:
            events = response_events(item, model=model, response_id=response_id, ids=self.ids)
            sse = [SseEvent(e, event=e["type"]) for e in events]
            return self.stream_shape.sse(sse, headers=self._headers())
        events = response_events(item, model=model, response_id=response_id, ids=self.ids)
        return Json(200, events[-1]["response"], headers=self._headers())

    def _models(self, request: RecordedRequest) -> Reply:
        if self.require_auth and not self.credential_ok(request.bearer()):
            return self.error_reply(401, "Incorrect API key provided.")
        data = [
            {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "fake"}
            for m in self.models
        ]
        return Json(200, {"object": "list", "data": data}, headers=self._headers())
