"""The chat endpoints of every client family; all of them end in ``run_chat``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from byokey_types import ByokError, ChatRequest, InvalidRequest, WireFormat

from ._chat_flow import answer_error, client_headers, run_chat
from ._request_body import read_json_object
from ._responses import json_response
from ._state import ProxyState

__all__ = [
    "Handler",
    "chat_completions",
    "count_tokens",
    "gemini_native",
    "messages",
    "responses",
]

Handler = Callable[[Request], Awaitable[Response]]

_GEMINI_METHODS = ("generateContent", "streamGenerateContent", "countTokens")


def _format_route(state: ProxyState, fmt: WireFormat) -> Handler:
    async def handle(request: Request) -> Response:
        try:
            body = await read_json_object(request)
            if fmt is WireFormat.OPENAI and not isinstance(body.get("messages"), list):
                raise InvalidRequest("is required and must be an array", field="messages")
        except ByokError as err:
            return answer_error(state, err, fmt)
        return await run_chat(state, request, body, fmt)

    return handle


def chat_completions(state: ProxyState) -> Handler:
    """``POST /v1/chat/completions`` (OpenAI Chat Completions)."""
    return _format_route(state, WireFormat.OPENAI)


def messages(state: ProxyState) -> Handler:
    """``POST /v1/messages`` (Anthropic Messages); any provider, by model."""
    return _format_route(state, WireFormat.ANTHROPIC)


def responses(state: ProxyState) -> Handler:
    """``POST /v1/responses`` (OpenAI Responses, as Codex CLI speaks it)."""
    return _format_route(state, WireFormat.OPENAI_RESPONSES)


def count_tokens(state: ProxyState) -> Handler:
    """``POST /v1/messages/count_tokens``."""

    async def handle(request: Request) -> Response:
        fmt = WireFormat.ANTHROPIC
        try:
            body = await read_json_object(request)
            chat = ChatRequest(body, format=fmt, headers=client_headers(request))
            tokens = await state.gateway.count_tokens(chat)
        except ByokError as err:
            return answer_error(state, err, fmt)
        return json_response({"input_tokens": tokens})

    return handle


def gemini_native(state: ProxyState) -> Handler:
    """``POST /v1beta/models/{model}:{method}`` (Gemini ``generateContent`` family).

    The URL's model and streaming choice go into ``body["model"]`` / ``body["stream"]``
    (the gateway's contract for Gemini-native requests).
    """

    async def handle(request: Request) -> Response:
        fmt = WireFormat.GEMINI
        action: str = request.path_params["action"]
        model, _, method = action.partition(":")
        try:
            if not model or method not in _GEMINI_METHODS:
                raise InvalidRequest(
                    f"expected models/{{model}}:{{{'|'.join(_GEMINI_METHODS)}}}, got {action!r}"
                )
            body = await read_json_object(request)
            body = {**body, "model": model}
            if method == "countTokens":
                chat = ChatRequest(body, format=fmt, headers=client_headers(request))
                tokens = await state.gateway.count_tokens(chat)
                return json_response({"totalTokens": tokens})
        except ByokError as err:
            return answer_error(state, err, fmt)
        if method == "streamGenerateContent" or request.query_params.get("alt") == "sse":
            body["stream"] = True
        return await run_chat(state, request, body, fmt)

    return handle
