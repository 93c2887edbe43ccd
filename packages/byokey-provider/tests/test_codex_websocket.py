"""CodexExecutor over the Responses WebSocket (``providers.codex.websocket: true``) against a
real WebSocket fake on 127.0.0.1: upgrade headers, the ``response.create`` frame, answers
streamed and gathered, refused upgrades, in-band errors, drops and timeouts."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byokey_config import ApiKeyEntry, Endpoints, ProviderConfig, Settings
from byokey_provider import ConfigCredentials, Timeouts, UpstreamHttp
from byokey_provider._codex import CODEX_ORIGINATOR, CODEX_USER_AGENT, WEBSOCKET_BETA, CodexExecutor
from byokey_provider._codex_websocket import parse_upgrade_head
from byokey_types import (
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    ProviderResponse,
    RateLimited,
    SSEEvent,
    TransportError,
    UpstreamError,
    UpstreamTimeout,
    WireFormat,
)
from tests.fakes.codex import (
    WS_PATH,
    CodexFake,
    CodexWebSocketFake,
    Said,
    WsDrop,
    WsEvents,
    WsReject,
    said_by,
    said_in_chat_completion,
    said_in_chat_stream,
    usage_limit_body,
)
from tests.fakes.content import TextPart, answer, thinking, tool_call
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import FakeServer

X = ProviderId.CODEX
TOKEN = "codex-ws-access-token-SECRET-0123456789"
ACCOUNT = "acc-ws-0001"
KEY = "sk-codex-ws-key-SECRET-0123456789"
CHAT: dict[str, Any] = {
    "model": "gpt-5-codex",
    "temperature": 0.3,
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ],
}
WEATHER = answer(
    thinking("Hmm."), "Checking the weather.", tool_call("get_weather", {"city": "Paris"})
)


class Tokens:
    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        return OAuthToken(TOKEN, metadata={"chatgpt_account_id": ACCOUNT})


@pytest.fixture
def http(pool: UpstreamHttp) -> UpstreamHttp:
    """The package's shared test pool (conftest ``pool``: impersonating, short timeouts)."""
    return pool


@pytest.fixture
def ws() -> Iterator[CodexWebSocketFake]:
    with CodexWebSocketFake() as fake:
        yield fake


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer("codex-http") as s:
        yield s


def ws_executor(
    ws: CodexWebSocketFake, http: UpstreamHttp, server: FakeServer | None = None, **cfg: Any
) -> CodexExecutor:
    endpoints = Endpoints(
        codex_websocket=ws.url,
        codex_chatgpt=(server.url if server else "http://127.0.0.1:9") + "/backend-api/codex",
    )
    settings = Settings(
        endpoints=endpoints, providers={X: ProviderConfig(**{"websocket": True, **cfg})}
    )
    return CodexExecutor(X, settings, ConfigCredentials(settings, Tokens()), http)


def chat(body: dict[str, Any] | None = None, *, stream: bool, **fmt: Any) -> ChatRequest:
    return ChatRequest({**(body or CHAT), "stream": stream}, **fmt)


async def events_of(response: ProviderResponse) -> list[SSEEvent]:
    assert isinstance(response, ChatStream)
    return [e async for e in response.events]


def said(events: list[SSEEvent]) -> Said:
    return said_in_chat_stream(e.data for e in events)


# --------------------------------------------------------------------------- wiring


async def test_handshake_headers_and_first_frame(
    ws: CodexWebSocketFake, http: UpstreamHttp, server: FakeServer
) -> None:
    ws.reply_with(WEATHER)
    body = {**CHAT, "model": "gpt-5-codex(low)"}
    events = await events_of(await ws_executor(ws, http, server).chat(chat(body, stream=True)))

    assert len(ws.handshakes) == 1
    hs = ws.handshakes[0]
    assert hs.target == WS_PATH
    assert hs.headers["authorization"] == f"Bearer {TOKEN}"
    assert hs.headers["openai-beta"] == WEBSOCKET_BETA
    assert hs.headers["originator"] == CODEX_ORIGINATOR
    assert hs.headers["user-agent"] == CODEX_USER_AGENT
    assert hs.headers["chatgpt-account-id"] == ACCOUNT
    assert hs.headers["version"] == "0.120.0"
    assert uuid.UUID(hs.headers["session_id"]).version == 4
    assert hs.headers["upgrade"].lower() == "websocket"
    assert "accept-encoding" not in hs.headers

    (frame,) = ws.frames
    assert frame["type"] == "response.create"
    assert frame["stream"] is True
    assert frame["store"] is False
    assert frame["model"] == "gpt-5-codex"
    assert frame["instructions"] == "Be brief."
    assert frame["reasoning"]["effort"] == "low"
    assert "reasoning.encrypted_content" in frame["include"]
    assert "temperature" not in frame

    assert server.requests == []  # nothing went over HTTP
    assert events[-1].data == "[DONE]"
    assert said(events) == said_by(WEATHER)


async def test_non_stream_client_gets_one_complete_answer(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    ws.reply_with(WEATHER)
    response = await ws_executor(ws, http).chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert response.body["object"] == "chat.completion"
    assert said_in_chat_completion(response.body) == said_by(WEATHER)
    assert response.body["choices"][0]["finish_reason"] == "tool_calls"
    assert response.body["usage"]["total_tokens"] == WEATHER.usage.total_tokens


async def test_socket_kept_open_after_the_answer(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    ws.close_after_answer = False
    ws.reply_with("first", "second")
    ex = ws_executor(ws, http)
    events = await events_of(await ex.chat(chat(stream=True)))
    response = await ex.chat(chat(stream=False))
    assert said(events).text == "first"
    assert isinstance(response, ChatResponse)
    assert said_in_chat_completion(response.body).text == "second"
    assert len(ws.handshakes) == 2  # one connection per request


async def test_fragmented_messages_are_reassembled(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    ws.fragment_size = 7
    text = "héllo wörld — 日本語 🌍"
    ws.reply_with(answer(text, chunk_size=5))
    events = await events_of(await ws_executor(ws, http).chat(chat(stream=True)))
    assert said(events).text == text


async def test_responses_client_gets_the_events(ws: CodexWebSocketFake, http: UpstreamHttp) -> None:
    ws.reply_with("raw events")
    request = ChatRequest(
        {"model": "gpt-5-codex", "input": "hi", "stream": True}, format=WireFormat.OPENAI_RESPONSES
    )
    events = await events_of(await ws_executor(ws, http).chat(request))
    kinds = [e.event for e in events]
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"
    assert ws.frames[0]["input"][0]["content"][0]["text"] == "hi"


async def test_api_keys_never_use_the_websocket(
    ws: CodexWebSocketFake, http: UpstreamHttp, server: FakeServer
) -> None:
    openai = OpenAIFake(server)
    openai.reply_with("over http")
    ex = ws_executor(ws, http, api_keys=(ApiKeyEntry(api_key=KEY, base_url=server.url),))
    response = await ex.chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert openai.last_request.path == "/v1/responses"
    assert ws.handshakes == []


async def test_http_when_websocket_is_off(
    ws: CodexWebSocketFake, http: UpstreamHttp, server: FakeServer
) -> None:
    fake = CodexFake(server)
    fake.reply_with("via sse")
    ex = ws_executor(ws, http, server, websocket=False)
    response = await ex.chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert fake.last_request.path == "/backend-api/codex/responses"
    assert ws.handshakes == []


@pytest.mark.parametrize("status", [404, 426])
async def test_no_websocket_there_falls_back_to_sse(
    ws: CodexWebSocketFake, http: UpstreamHttp, server: FakeServer, status: int
) -> None:
    fake = CodexFake(server)
    fake.reply_with("via sse after all")
    ws.reply_with(WsReject(status))
    response = await ws_executor(ws, http, server).chat(chat(stream=True))
    events = await events_of(response)
    assert said(events).text == "via sse after all"
    assert len(ws.handshakes) == 1
    seen = fake.last_request
    assert seen.headers["openai-beta"] == "responses=experimental"
    assert seen.headers["session_id"] == ws.handshakes[0].headers["session_id"]


async def test_upgrade_rate_limit_headers_are_captured(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    ws.response_headers = {"x-codex-primary-used-percent": "17", "x-other": "nope"}
    ex = ws_executor(ws, http)
    await ex.chat(chat(stream=False))
    snapshot = ex.ratelimits.get("codex", "active")
    assert snapshot is not None
    assert snapshot.headers == {"x-codex-primary-used-percent": "17"}


# --------------------------------------------------------------------------- errors


async def test_refused_upgrade_keeps_its_status_and_hides_the_token(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    ws.reply_with(WsReject(401, {"error": {"message": f"bad token {TOKEN}"}}))
    with pytest.raises(UpstreamError) as caught:
        await ws_executor(ws, http).chat(chat(stream=True))
    err = caught.value
    assert err.upstream_status == 401 and err.status == 401
    for text in (str(err), repr(err), err.client_message):
        assert TOKEN not in text
        assert "127.0.0.1" not in text


@pytest.mark.parametrize(("status", "client_status"), [(400, 400), (403, 403), (500, 502)])
async def test_refused_upgrade_statuses(
    ws: CodexWebSocketFake, http: UpstreamHttp, status: int, client_status: int
) -> None:
    ws.reply_with(WsReject(status))
    with pytest.raises(UpstreamError) as caught:
        await ws_executor(ws, http).chat(chat(stream=False))
    assert caught.value.upstream_status == status
    assert caught.value.status == client_status


async def test_refused_upgrade_429_honours_retry_after(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    headers = (("Retry-After", "30"), ("x-codex-primary-used-percent", "100"))
    ws.reply_with(WsReject(429, usage_limit_body(30), headers=headers))
    ex = ws_executor(ws, http)
    with pytest.raises(RateLimited) as caught:
        await ex.chat(chat(stream=False))
    assert caught.value.retry_after == 30
    snapshot = ex.ratelimits.get("codex", "active")
    assert snapshot is not None
    assert snapshot.headers["x-codex-primary-used-percent"] == "100"


@pytest.mark.parametrize("stream", [True, False])
async def test_usage_limit_error_event_carries_resets_in(
    ws: CodexWebSocketFake, http: UpstreamHttp, stream: bool
) -> None:
    ws.reply_with(WsEvents(({"type": "error", "status": 429, **usage_limit_body(120)},)))
    with pytest.raises(RateLimited) as caught:
        await ws_executor(ws, http).chat(chat(stream=stream))
    assert caught.value.retry_after == 120


async def test_response_failed_event_is_raised(ws: CodexWebSocketFake, http: UpstreamHttp) -> None:
    failed = {
        "type": "response.failed",
        "response": {"error": {"code": "server_is_overloaded", "message": "busy"}},
    }
    ws.reply_with(WsEvents(({"type": "response.created", "response": {}}, failed)))
    with pytest.raises(UpstreamError) as caught:
        await ws_executor(ws, http).chat(chat(stream=True))
    assert caught.value.upstream_status == 503


async def test_drop_mid_stream_is_never_a_clean_end(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    # The cut (an RST) may overtake frames still in flight, so the failure shows up
    # either before ``chat`` returns or from the iterator: never as a clean end.
    ws.reply_with(WsDrop(WEATHER, after=6))
    with pytest.raises(TransportError):
        await events_of(await ws_executor(ws, http).chat(chat(stream=True)))


async def test_drop_before_completion_fails_a_non_stream_request(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    ws.reply_with(WsDrop(WEATHER, after=6))
    with pytest.raises(TransportError):
        await ws_executor(ws, http).chat(chat(stream=False))


async def test_close_before_completion_names_the_close_code(
    ws: CodexWebSocketFake, http: UpstreamHttp
) -> None:
    created = {"type": "response.created", "response": {}}
    delta = {"type": "response.output_text.delta", "output_index": 0, "delta": "half"}
    ws.reply_with(WsEvents((created, delta)))  # then a clean close (1000 "done"), no completion
    with pytest.raises(TransportError, match=r"close code 1000: done"):
        await ws_executor(ws, http).chat(chat(stream=False))


async def test_connect_failure_is_a_transport_error(http: UpstreamHttp) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(
        endpoints=Endpoints(codex_websocket=f"ws://127.0.0.1:{port}/backend-api/codex/ws"),
        providers={X: ProviderConfig(websocket=True)},
    )
    ex = CodexExecutor(X, settings, ConfigCredentials(settings, Tokens()), http)
    with pytest.raises(TransportError) as caught:
        await ex.chat(chat(stream=True))
    assert "WebSocket connect failed" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert "ws://" not in str(caught.value)


async def test_silent_socket_times_out(ws: CodexWebSocketFake) -> None:
    ws.close_after_answer = False
    ws.reply_with(WsEvents(()))
    pool = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=5, first_byte=0.3, idle=0.3))
    try:
        with pytest.raises(UpstreamTimeout):
            await ws_executor(ws, pool).chat(chat(stream=False))
    finally:
        await pool.aclose()


def test_upgrade_head_parsing() -> None:
    raw = (
        b"HTTP/1.1 200 Connection established\r\n\r\n"
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\nX-Codex-Plan: plus\r\n\r\n"
    )
    head = parse_upgrade_head(raw)
    assert head.status == 429
    assert head.headers == {"retry-after": "5", "x-codex-plan": "plus"}
    assert parse_upgrade_head(b"").status == 0


# ----------------------------------------------------------------------- property

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=25
)
_PARTS = st.lists(
    st.one_of(
        _TEXT.map(TextPart),
        _TEXT.map(thinking),
        st.builds(
            tool_call,
            st.from_regex(r"[a-z_]{1,10}", fullmatch=True),
            st.dictionaries(
                st.text("xyz", min_size=1, max_size=3), st.integers(-(2**40), 2**40), max_size=2
            ),
        ),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=_PARTS, size=st.integers(1, 6), fragment=st.sampled_from([None, 3, 11]))
async def test_gathered_equals_streamed_over_the_socket(
    ws: CodexWebSocketFake,
    http: UpstreamHttp,
    parts: list[Any],
    size: int,
    fragment: int | None,
) -> None:
    a = answer(*parts, chunk_size=size)
    ws.fragment_size = fragment
    ws.reply_with(a, a)
    ex = ws_executor(ws, http)
    events = await events_of(await ex.chat(chat(stream=True)))
    response = await ex.chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert said(events) == said_in_chat_completion(response.body) == said_by(a)


async def test_impersonating_pool_adds_no_browser_headers(ws: CodexWebSocketFake) -> None:
    pool = UpstreamHttp(timeouts=Timeouts(connect=5, first_byte=10, idle=10))  # chrome
    try:
        ws.reply_with("hi")
        response = await ws_executor(ws, pool).chat(chat(stream=False))
    finally:
        await pool.aclose()
    assert isinstance(response, ChatResponse)
    sent = set(ws.handshakes[0].headers)
    assert sent == {
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "authorization",
        "openai-beta",
        "originator",
        "version",
        "session_id",
        "user-agent",
        "chatgpt-account-id",
    }
