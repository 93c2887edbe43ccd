"""Fake Google Gemini upstreams: the native API and the Code Assist (``v1internal``) envelope.

    native = GeminiFake(server)              # POST /v1beta/models/{model}:generateContent
    native.reply_with(answer("hi", tool_call("get_weather", {"city": "Paris"})))
    assist = CodeAssistFake(server)          # POST /v1internal:streamGenerateContent?alt=sse
    assist.quota_exhausted_next(retry_delay="1.5s")

Streams are what Google really sends: with ``alt=sse`` one
``GenerateContentResponse`` per ``data:`` line framed with CRLF, without it one
JSON array written element by element. Code Assist (Gemini CLI, Antigravity)
wraps every response in ``{"response": …, "traceId": …}``; its
``loadCodeAssist`` / ``onboardUser`` calls answer with the account's project.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import orjson

from tests.fakes._family import FamilyFake, is_raw_reply
from tests.fakes._replies import HeaderSpec, Json, Reply
from tests.fakes.content import Answer, TextPart, ThinkingPart, ToolCallPart
from tests.fakes.server import FakeServer, RecordedRequest

NATIVE_PREFIX = "/v1beta"
CODE_ASSIST_PREFIX = "/v1internal"
SIGNATURE = "CiQBfakeThoughtSignature=="
DEFAULT_PROJECT = "fake-project-123"

_FINISH = {
    "end": "STOP",
    "tool_use": "STOP",
    "stop_sequence": "STOP",
    "max_tokens": "MAX_TOKENS",
    "refusal": "SAFETY",
}

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def error_body(
    status: int, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Google's error shape (``google.rpc.Status`` as JSON)."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "status": STATUS_NAMES.get(status, "UNKNOWN"),
    }
    if details:
        error["details"] = details
    return {"error": error}


def _part(part: TextPart | ThinkingPart | ToolCallPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"text": part.text}
    if isinstance(part, ThinkingPart):
        return {"text": part.thinking, "thought": True, "thoughtSignature": part.signature}
    return {"functionCall": {"name": part.name, "args": part.arguments}}


def _usage(a: Answer, *, final: bool) -> dict[str, int]:
    output = a.usage.output_tokens if final else 0
    usage = {
        "promptTokenCount": a.usage.input_tokens,
        "candidatesTokenCount": output,
        "totalTokenCount": a.usage.input_tokens + output,
    }
    if a.usage.cache_read_tokens:
        usage["cachedContentTokenCount"] = a.usage.cache_read_tokens
    return usage


def response_json(a: Answer, *, model: str, response_id: str) -> dict[str, Any]:
    """A whole ``GenerateContentResponse`` for ``a``."""
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [_part(p) for p in a.parts]},
                "finishReason": _FINISH[a.stop_kind],
                "index": 0,
            }
        ],
        "usageMetadata": _usage(a, final=True),
        "modelVersion": a.model or model,
        "responseId": response_id,
    }


def response_chunks(a: Answer, *, model: str, response_id: str) -> list[dict[str, Any]]:
    """The stream of ``GenerateContentResponse`` chunks Gemini sends for ``a``.

    Text and thoughts arrive in pieces, a function call whole in its own chunk;
    the last chunk carries ``finishReason`` and the final usage.
    """
    parts: list[dict[str, Any]] = []
    for part in a.parts:
        if isinstance(part, TextPart):
            parts.extend({"text": piece} for piece in a.pieces(part.text))
        elif isinstance(part, ThinkingPart):
            pieces = list(a.pieces(part.thinking)) or [""]
            parts.extend({"text": piece, "thought": True} for piece in pieces[:-1])
            parts.append({"text": pieces[-1], "thought": True, "thoughtSignature": part.signature})
        else:
            parts.append(_part(part))
    if not parts:
        parts.append({"text": ""})
    chunks: list[dict[str, Any]] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [part]}, "index": 0}
        if last:
            candidate["finishReason"] = _FINISH[a.stop_kind]
        chunks.append(
            {
                "candidates": [candidate],
                "usageMetadata": _usage(a, final=last),
                "modelVersion": a.model or model,
                "responseId": response_id,
            }
        )
    return chunks


class _GoogleFake(FamilyFake):
    """What both Google fakes share: error shape, the answer queue and stream framing."""

    prefix = ""

    def __init__(self, server: FakeServer, *, prefix: str, answer: Answer | None) -> None:
        super().__init__(server, default=answer)
        self.prefix = prefix.rstrip("/")
        # Google frames SSE events with CRLF.
        self.stream_shape = type(self.stream_shape)(newline="\r\n")

    @property
    def requests(self) -> list[RecordedRequest]:
        return [r for r in self.server.requests if r.path.startswith(self.prefix + "/")]

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
        return Json(status, error_body(status, message), headers=self.with_headers(headers))

    def quota_exhausted_next(
        self, retry_delay: str = "1.5s", *, quota_reset_delay: str | None = None, times: int = 1
    ) -> _GoogleFake:
        """Queue Google's 429 with a ``RetryInfo`` (and optionally an ``ErrorInfo``) detail."""
        details: list[dict[str, Any]] = [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}
        ]
        if quota_reset_delay is not None:
            details.insert(
                0,
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "metadata": {"quotaResetDelay": quota_reset_delay},
                },
            )
        body = error_body(429, "Resource has been exhausted (e.g. check quota).", details)
        return self.reply_with(*[Json(429, body, headers=self.with_headers())] * times)  # type: ignore[return-value]

    def wrap(self, payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    def answer_reply(
        self, request: RecordedRequest, a: Answer, *, model: str, stream: bool
    ) -> Reply:
        response_id = self.ids.next("fake-response-")
        if not stream:
            return Json(
                200,
                self.wrap(response_json(a, model=model, response_id=response_id)),
                headers=self.with_headers(),
            )
        chunks = [self.wrap(c) for c in response_chunks(a, model=model, response_id=response_id)]
        if request.query.get("alt") == "sse":
            return self.stream_shape.sse(chunks, headers=self.with_headers())
        # Without alt=sse Google streams one JSON array, element by element.
        pieces = [b"[" + orjson.dumps(chunks[0])]
        pieces += [b",\r\n" + orjson.dumps(c) for c in chunks[1:]]
        pieces.append(b"]")
        shaped = self.stream_shape.sse(pieces, headers=self.with_headers())
        return replace(shaped, content_type="application/json; charset=UTF-8")

    def next_answer(self) -> Answer | Reply:
        item = self.next_item()
        if is_raw_reply(item):
            return item  # type: ignore[return-value]
        assert isinstance(item, Answer)
        return item

    @staticmethod
    def body_error(body: Any) -> str | None:
        """What Google would complain about in a generateContent body, if anything."""
        if not isinstance(body, dict):
            return "Invalid JSON payload received."
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            return "* GenerateContentRequest.contents: contents is not specified"
        for index, content in enumerate(contents):
            if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
                return f"* GenerateContentRequest.contents[{index}].parts: must be a list"
            if content.get("role") not in (None, "user", "model", "function"):
                return f"* GenerateContentRequest.contents[{index}].role: invalid role"
        for name in ("model", "stream", "safety_settings"):
            if name in body:
                return f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
        return None


class GeminiFake(_GoogleFake):
    """The native API: ``POST {prefix}/models/{model}:generateContent`` and ``:streamGenerateContent``.

    The key may come as ``x-goog-api-key``, as ``?key=`` or as a Bearer token
    (OAuth), as Google accepts all three.
    """

    def __init__(
        self, server: FakeServer, *, prefix: str = NATIVE_PREFIX, answer: Answer | None = None
    ) -> None:
        super().__init__(server, prefix=prefix, answer=answer)
        server.route("POST", self.prefix + "/models/{call}", self._call)

    def _call(self, request: RecordedRequest) -> Reply:
        model, _, method = request.path_params["call"].partition(":")
        if method not in ("generateContent", "streamGenerateContent"):
            return self.error_reply(404, f"Method {method!r} not found.")
        credential = (
            request.headers.get("x-goog-api-key") or request.query.get("key") or request.bearer()
        )
        if not self.credential_ok(credential):
            return self.error_reply(400, "API key not valid. Please pass a valid API key.")
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            body = None
        problem = self.body_error(body)
        if problem is not None:
            return self.error_reply(400, problem)
        item = self.next_answer()
        if not isinstance(item, Answer):
            return item
        return self.answer_reply(
            request, item, model=model, stream=method == "streamGenerateContent"
        )


class CodeAssistFake(_GoogleFake):
    """Cloud Code Assist (``cloudcode-pa``): ``POST {prefix}:generateContent`` and friends.

    Requests are ``{"model", "project", "request": <generateContent body>, …}``
    with a Bearer token; answers are ``{"response": …, "traceId": …}``.
    ``loadCodeAssist`` reports :attr:`project` (``None``: the account has none
    yet) and ``onboardUser`` creates :attr:`onboard_project`.
    """

    def __init__(
        self,
        server: FakeServer,
        *,
        prefix: str = CODE_ASSIST_PREFIX,
        answer: Answer | None = None,
    ) -> None:
        super().__init__(server, prefix=prefix, answer=answer)
        self.project: str | None = DEFAULT_PROJECT
        self.onboard_project = DEFAULT_PROJECT
        self.require_project = True
        server.route("POST", self.prefix + ":{method}", self._call)

    @property
    def requests(self) -> list[RecordedRequest]:
        return [r for r in self.server.requests if r.path.startswith(self.prefix + ":")]

    def generate_requests(self) -> list[RecordedRequest]:
        """Only the generateContent / streamGenerateContent calls."""
        return [r for r in self.requests if r.path.endswith("GenerateContent")]

    def wrap(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"response": payload, "traceId": "fake-trace-0001"}

    def _call(self, request: RecordedRequest) -> Reply:
        method = request.path_params["method"]
        if not self.credential_ok(request.bearer()):
            return self.error_reply(401, "Request had invalid authentication credentials.")
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            return self.error_reply(400, "Invalid JSON payload received.")
        if method == "loadCodeAssist":
            return self._load(body)
        if method == "onboardUser":
            return self._onboard(body)
        if method not in ("generateContent", "streamGenerateContent"):
            return self.error_reply(404, f"Method {method!r} not found.")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return self.error_reply(400, "model is required")
        if self.require_project and not isinstance(body.get("project"), str):
            return self.error_reply(403, "The caller does not have permission (no project)")
        problem = self.body_error(body.get("request"))
        if problem is not None:
            return self.error_reply(400, problem.replace("GenerateContentRequest", "request"))
        item = self.next_answer()
        if not isinstance(item, Answer):
            return item
        return self.answer_reply(
            request, item, model=body["model"], stream=method == "streamGenerateContent"
        )

    def _load(self, body: Any) -> Reply:
        metadata = body.get("metadata") if isinstance(body, dict) else None
        if not isinstance(metadata, dict):
            return self.error_reply(400, "metadata is required")
        out: dict[str, Any] = {
            "allowedTiers": [{"id": "free-tier", "isDefault": True}],
        }
        if self.project is not None:
            out["currentTier"] = {"id": "free-tier"}
            out["cloudaicompanionProject"] = self.project
        return Json(200, out, headers=self.with_headers())

    def _onboard(self, body: Any) -> Reply:
        if not isinstance(body, dict) or not isinstance(body.get("tierId"), str):
            return self.error_reply(400, "tierId is required")
        self.project = self.onboard_project
        return Json(
            200,
            {
                "name": "operations/fake-onboard",
                "done": True,
                "response": {
                    "@type": "type.googleapis.com/google.internal.cloud.code.v1internal.OnboardUserResponse",
                    "cloudaicompanionProject": {"id": self.onboard_project, "name": "Fake"},
                },
            },
            headers=self.with_headers(),
        )


__all__ = [
    "CODE_ASSIST_PREFIX",
    "DEFAULT_PROJECT",
    "NATIVE_PREFIX",
    "SIGNATURE",
    "CodeAssistFake",
    "GeminiFake",
    "error_body",
    "response_chunks",
    "response_json",
]
