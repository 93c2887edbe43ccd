"""CodexExecutor over HTTP against fakes on 127.0.0.1: the ChatGPT Codex backend with an
OAuth login (always streamed upstream), and OpenAI's Responses API with an API key."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byokey_config import CodexHeaderDefaults, Endpoints, ProviderConfig, Settings
from byokey_provider import ConfigCredentials, CredentialsExhausted, Timeouts, UpstreamHttp
from byokey_provider._codex import CODEX_ORIGINATOR, CODEX_USER_AGENT, CodexExecutor
from byokey_provider._codex_body import prompt_cache_key
from byokey_provider._codex_events import collect_response, event_failure
from byokey_provider._executors import EXECUTORS
from byokey_provider._version_store import VersionInfo, VersionStore
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
    WireFormat,
)
from tests.fakes._replies import Json, Sse, SseEvent
from tests.fakes.codex import (
    CODEX_PREFIX,
    ENCRYPTED,
    CodexFake,
    Said,
    response_events,
    said_by,
    said_in_chat_completion,
    said_in_chat_stream,
    usage_limit_body,
    without_completed_output,
)
from tests.fakes.content import Answer, IdMaker, TextPart, answer, thinking, tool_call
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import FakeServer

X = ProviderId.CODEX
TOKEN = "codex-access-token-SECRET-0123456789"
ACCOUNT = "acc-7f3e-0001"
KEY = "sk-codex-test-key-SECRET-0123456789"
NOW = 1_700_000_000.0
CHAT: dict[str, Any] = {
    "model": "gpt-5-codex",
    "max_tokens": 128,
    "temperature": 0.2,
    "top_p": 0.9,
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ],
}
WEATHER = answer(
    thinking("Let me think."), "Checking.", tool_call("get_weather", {"city": "Paris"})
)


class Tokens:
    """One ChatGPT login: ``TOKEN`` with the given metadata."""

    def __init__(self, metadata: dict[str, str] | None = None, access: str = TOKEN) -> None:
        self.metadata = {"chatgpt_account_id": ACCOUNT} if metadata is None else metadata
        self.access = access

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is X
        return OAuthToken(self.access, metadata=dict(self.metadata))


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


@pytest.fixture
def http(pool: UpstreamHttp) -> UpstreamHttp:
    """The package's shared test pool (conftest ``pool``: impersonating, short timeouts)."""
    return pool


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer("codex") as s:
        yield s


@pytest.fixture
def fake(server: FakeServer) -> CodexFake:
    return CodexFake(server)


@pytest.fixture
def openai(server: FakeServer) -> OpenAIFake:
    return OpenAIFake(server)


def oauth_executor(
    fake: CodexFake,
    http: UpstreamHttp,
    tokens: Tokens | None = None,
    *,
    versions: VersionStore | None = None,
    **cfg: Any,
) -> CodexExecutor:
    settings = Settings(
        endpoints=Endpoints(codex_chatgpt=fake.base_url), providers={X: ProviderConfig(**cfg)}
    )
    return CodexExecutor(
        X,
        settings,
        ConfigCredentials(settings, tokens or Tokens()),
        http,
        versions=versions,
        clock=lambda: NOW,
    )


def key_executor(server: FakeServer, http: UpstreamHttp, base: str | None = None) -> CodexExecutor:
    cfg = ProviderConfig(api_key=KEY, base_url=base or server.url)
    settings = Settings(providers={X: cfg})
    return CodexExecutor(X, settings, ConfigCredentials(settings), http, clock=lambda: NOW)


def chat(body: dict[str, Any] | None = None, *, stream: bool, **fmt: Any) -> ChatRequest:
    return ChatRequest({**(body or CHAT), "stream": stream}, **fmt)


async def events_of(response: ProviderResponse) -> list[SSEEvent]:
    assert isinstance(response, ChatStream)
    return [e async for e in response.events]


async def drain(response: ProviderResponse, into: list[SSEEvent]) -> None:
    """Read a stream to its end (or its error), keeping what arrived."""
    assert isinstance(response, ChatStream)
    async for event in response.events:
        into.append(event)


def streamed(events: list[SSEEvent]) -> Said:
    return said_in_chat_stream(e.data for e in events)


# ------------------------------------------------------------------------- registry


def test_registered_for_codex(fake: CodexFake) -> None:
    assert EXECUTORS[X] is CodexExecutor
    ex = oauth_executor(fake, UpstreamHttp(impersonate=None))
    assert ex.upstream_format is WireFormat.OPENAI_RESPONSES
    assert "gpt-5-codex" in ex.supported_models()


def test_prompt_cache_key_matches_the_original_vector() -> None:
    assert prompt_cache_key("sk-test") == "5301bd2c-ff18-599c-8f11-393c6859c1f4"


# ---------------------------------------------------------------------- OAuth mode


async def test_oauth_stream_url_headers_body_and_chunks(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    fake.reply_with(WEATHER)
    ex = oauth_executor(fake, http)
    body = {**CHAT, "model": "gpt-5-codex(high)"}
    events = await events_of(await ex.chat(chat(body, stream=True)))

    seen = fake.last_request
    assert seen.method == "POST"
    assert seen.path == f"{CODEX_PREFIX}/responses"
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["chatgpt-account-id"] == ACCOUNT
    assert seen.headers["originator"] == CODEX_ORIGINATOR
    assert seen.headers["version"] == "0.120.0"
    assert seen.headers["user-agent"] == CODEX_USER_AGENT
    assert uuid.UUID(seen.headers["session_id"]).version == 4
    assert seen.headers["accept"] == "text/event-stream"
    assert seen.headers["accept-encoding"] == "identity"
    assert seen.headers["content-type"] == "application/json"
    sent = seen.json()
    assert sent["model"] == "gpt-5-codex"
    assert sent["stream"] is True
    assert sent["store"] is False
    assert sent["instructions"] == "Be brief."
    assert "reasoning.encrypted_content" in sent["include"]
    assert sent["reasoning"]["effort"] == "high"
    for dropped in ("temperature", "top_p", "max_output_tokens", "max_tokens"):
        assert dropped not in sent
    assert sent["input"][0]["content"][0]["text"] == "Weather in Paris?"

    assert events[-1].data == "[DONE]"
    assert streamed(events) == said_by(WEATHER)


async def test_oauth_non_stream_is_gathered_from_the_stream(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    fake.reply_with(WEATHER)
    ex = oauth_executor(fake, http)
    response = await ex.chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert response.format is WireFormat.OPENAI
    assert response.body["object"] == "chat.completion"
    assert said_in_chat_completion(response.body) == said_by(WEATHER)
    assert response.body["choices"][0]["message"].get("reasoning_signature") == ENCRYPTED
    assert fake.bodies[-1]["stream"] is True


async def test_completed_without_output_still_gives_every_item(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    fake.completed_output = False
    fake.reply_with(WEATHER)
    response = await oauth_executor(fake, http).chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert said_in_chat_completion(response.body) == said_by(WEATHER)


async def test_responses_client_is_served_responses(fake: CodexFake, http: UpstreamHttp) -> None:
    ex = oauth_executor(fake, http)
    body = {
        "model": "gpt-5-codex",
        "input": "hi",
        "temperature": 0.5,
        "max_output_tokens": 100,
        "include": ["file_search_call.results"],
        "prompt_cache_key": "conversation-42",
    }
    fake.reply_with("Hello there")
    events = await events_of(
        await ex.chat(chat(body, stream=True, format=WireFormat.OPENAI_RESPONSES))
    )
    kinds = [e.data["type"] for e in events if isinstance(e.data, dict)]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert (
        "".join(
            e.data["delta"]
            for e in events
            if isinstance(e.data, dict) and e.data["type"] == "response.output_text.delta"
        )
        == "Hello there"
    )

    seen = fake.last_request
    assert seen.headers["session_id"] == "conversation-42"
    sent = seen.json()
    assert sent["instructions"] == ""
    assert sent["input"] == [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
    ]
    assert sent["include"] == ["file_search_call.results", "reasoning.encrypted_content"]
    assert "temperature" not in sent and "max_output_tokens" not in sent

    fake.reply_with("Whole answer")
    response = await ex.chat(chat(body, stream=False, format=WireFormat.OPENAI_RESPONSES))
    assert isinstance(response, ChatResponse)
    assert response.format is WireFormat.OPENAI_RESPONSES
    assert response.body["object"] == "response"
    assert response.body["status"] == "completed"
    assert response.body["output"][0]["content"][0]["text"] == "Whole answer"


async def test_anthropic_client_gets_messages_events(fake: CodexFake, http: UpstreamHttp) -> None:
    fake.reply_with("Bonjour")
    body = {
        "model": "gpt-5-codex",
        "max_tokens": 64,
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hi"}],
    }
    ex = oauth_executor(fake, http)
    events = await events_of(await ex.chat(chat(body, stream=True, format=WireFormat.ANTHROPIC)))
    names = [e.event for e in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    text = "".join(
        e.data["delta"].get("text", "")
        for e in events
        if e.event == "content_block_delta" and isinstance(e.data, dict)
    )
    assert text == "Bonjour"
    assert fake.bodies[-1]["instructions"] == "Be brief."


async def test_account_id_from_the_id_token_claims(fake: CodexFake, http: UpstreamHttp) -> None:
    claims = {"https://api.openai.com/auth": {"chatgpt_account_id": "acc-from-claims"}}
    ex = oauth_executor(fake, http, Tokens(metadata={"id_token": jwt(claims)}))
    await ex.chat(chat(stream=False))
    assert fake.last_request.headers["chatgpt-account-id"] == "acc-from-claims"


async def test_account_id_from_the_access_token_claims(fake: CodexFake, http: UpstreamHttp) -> None:
    claims = {"https://api.openai.com/auth": {"chatgpt_account_id": "acc-in-access"}}
    ex = oauth_executor(fake, http, Tokens(metadata={}, access=jwt(claims)))
    await ex.chat(chat(stream=False))
    assert fake.last_request.headers["chatgpt-account-id"] == "acc-in-access"


async def test_no_account_header_when_nothing_names_one(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    ex = oauth_executor(fake, http, Tokens(metadata={}))
    await ex.chat(chat(stream=False))
    fake.last_request.assert_no_header("chatgpt-account-id")


async def test_identity_from_version_store_and_config(fake: CodexFake, http: UpstreamHttp) -> None:
    versions = VersionStore(
        {X: VersionInfo(cli_version="9.9.9", user_agent="codex-tui/9.9.9 (Linux; x86_64)")}
    )
    await oauth_executor(fake, http, versions=versions).chat(chat(stream=False))
    seen = fake.last_request
    assert seen.headers["version"] == "9.9.9"
    assert seen.headers["user-agent"] == "codex-tui/9.9.9 (Linux; x86_64)"
    seen.assert_no_header("x-codex-beta-features")

    headers = CodexHeaderDefaults(user_agent="my-codex/1.0", beta_features="unified_exec")
    ex = oauth_executor(fake, http, versions=versions, codex_headers=headers)
    await ex.chat(chat(stream=False))
    seen = fake.last_request
    assert seen.headers["user-agent"] == "my-codex/1.0"
    assert seen.headers["x-codex-beta-features"] == "unified_exec"


async def test_chatgpt_url_override(server: FakeServer, http: UpstreamHttp) -> None:
    moved = CodexFake(server, prefix="/elsewhere/codex")
    settings = Settings()
    ex = CodexExecutor(
        X, settings, ConfigCredentials(settings, Tokens()), http, chatgpt_url=moved.base_url + "/"
    )
    await ex.chat(chat(stream=False))
    assert moved.last_request.path == "/elsewhere/codex/responses"


def test_default_addresses(fake: CodexFake) -> None:
    ex = CodexExecutor(X, Settings(), ConfigCredentials(Settings()), UpstreamHttp())
    assert ex.chatgpt_url() == "https://chatgpt.com/backend-api/codex/responses"
    assert ex.websocket_url() == "wss://chatgpt.com/backend-api/codex/ws"


@pytest.mark.parametrize(
    "shape",
    [{"split": "every_byte"}, {"split": "random", "seed": 7}, {"chunk_sizes": [1, 2, 3, 5, 8]}],
)
async def test_sse_split_at_awkward_byte_boundaries(
    fake: CodexFake, http: UpstreamHttp, shape: dict[str, Any]
) -> None:
    text = "héllo wörld — 日本語 🌍 done"
    fake.shape_streams(**shape).reply_with(answer(thinking("ça va?"), text, chunk_size=3))
    events = await events_of(await oauth_executor(fake, http).chat(chat(stream=True)))
    got = streamed(events)
    assert got.text == text
    assert got.reasoning == "ça va?"


# hypothesis: the gathered answer says exactly what the stream says

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
_ARGS = st.dictionaries(
    st.text("abcdefghij", min_size=1, max_size=5),
    st.one_of(st.integers(-1000, 1000), _TEXT, st.booleans()),
    max_size=3,
)
_PART = st.one_of(
    _TEXT.map(TextPart),
    _TEXT.map(thinking),
    st.builds(tool_call, st.from_regex(r"[a-z_]{1,12}", fullmatch=True), _ARGS),
)


@st.composite
def _answers(draw: st.DrawFn) -> Answer:
    parts = draw(st.lists(_PART, min_size=1, max_size=5))
    return answer(*parts, chunk_size=draw(st.integers(1, 8)))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=_answers(), listed=st.booleans())
async def test_non_stream_equals_stream(
    fake: CodexFake, http: UpstreamHttp, a: Answer, listed: bool
) -> None:
    fake.completed_output = listed
    fake.reply_with(a, a)
    ex = oauth_executor(fake, http)
    events = await events_of(await ex.chat(chat(stream=True)))
    response = await ex.chat(chat(stream=False))
    assert isinstance(response, ChatResponse)
    assert streamed(events) == said_in_chat_completion(response.body) == said_by(a)


@given(a=_answers(), listed=st.booleans())
def test_collector_rebuilds_the_response(a: Answer, listed: bool) -> None:
    events = response_events(a, model="gpt-5-codex", response_id="resp_1", ids=IdMaker())
    if not listed:
        events = [without_completed_output(e) for e in events]

    async def source() -> AsyncIterator[SSEEvent]:
        for e in events:
            yield SSEEvent(e["type"], e)

    body = asyncio.run(collect_response(source(), upstream="codex", now=NOW))
    assert body["output"] == [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert body["status"] == "completed"
    assert body["usage"]["total_tokens"] == a.usage.total_tokens


@pytest.mark.parametrize(
    ("event", "status"),
    [
        ({"type": "error", "code": "rate_limit_exceeded", "message": "slow"}, 429),
        ({"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}, 400),
        ({"type": "error", "status": 401, "error": {"type": "whatever", "message": "x"}}, 401),
        ({"type": "error", "error": {"code": "token_expired", "message": "expired"}}, 401),
        ({"type": "response.failed", "response": {"error": {"code": "server_is_overloaded"}}}, 503),
        ({"type": "response.failed", "response": {}}, 500),
    ],
)
def test_event_failure_statuses(event: dict[str, Any], status: int) -> None:
    err = event_failure(event, now=NOW)
    assert err is not None
    assert err.upstream_status == status


def test_event_failure_ignores_other_events_and_scrubs_secrets() -> None:
    assert event_failure({"type": "response.output_text.delta", "delta": "x"}, now=NOW) is None
    assert event_failure("[DONE]", now=NOW) is None
    err = event_failure(
        {"type": "error", "error": {"message": f"token {TOKEN} revoked"}}, secrets=[TOKEN], now=NOW
    )
    assert err is not None and TOKEN not in str(err)
    limit = {"type": "error", "error": {"type": "usage_limit_reached", "resets_at": NOW + 90}}
    found = event_failure(limit, now=NOW)
    assert isinstance(found, RateLimited) and found.retry_after == 90


# --------------------------------------------------------------------- API-key mode


async def test_api_key_non_stream(
    server: FakeServer, openai: OpenAIFake, http: UpstreamHttp
) -> None:
    openai.reply_with("Hi from the API")
    response = await key_executor(server, http).chat(chat(stream=False))
    seen = openai.last_request
    assert seen.path == "/v1/responses"
    assert seen.headers["authorization"] == f"Bearer {KEY}"
    cache = prompt_cache_key(KEY)
    assert seen.headers["session_id"] == cache
    assert seen.headers["conversation_id"] == cache
    assert seen.headers["accept"] == "application/json"
    for absent in ("originator", "chatgpt-account-id", "version"):
        seen.assert_no_header(absent)
    sent = seen.json()
    assert sent["prompt_cache_key"] == cache
    assert sent["stream"] is False
    assert sent["temperature"] == 0.2 and sent["max_output_tokens"] == 128
    assert isinstance(response, ChatResponse)
    assert response.body["choices"][0]["message"]["content"] == "Hi from the API"


async def test_api_key_stream_with_a_v1_base(
    server: FakeServer, openai: OpenAIFake, http: UpstreamHttp
) -> None:
    openai.reply_with(WEATHER)
    ex = key_executor(server, http, base=server.url + "/v1/")
    events = await events_of(await ex.chat(chat(stream=True)))
    assert openai.last_request.path == "/v1/responses"
    assert openai.bodies[-1]["stream"] is True
    assert streamed(events) == said_by(WEATHER)


async def test_api_key_error_never_shows_the_key(
    server: FakeServer, openai: OpenAIFake, http: UpstreamHttp
) -> None:
    openai.fail_next(401, f"Incorrect API key provided: {KEY}")
    with pytest.raises(UpstreamError) as caught:
        await key_executor(server, http).chat(chat(stream=False))
    assert caught.value.status == 401
    for text in (str(caught.value), repr(caught.value), caught.value.client_message):
        assert KEY not in text


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "client_status"), [(400, 400), (401, 401), (403, 403), (500, 502)]
)
async def test_http_errors_map_to_statuses(
    fake: CodexFake, http: UpstreamHttp, status: int, client_status: int
) -> None:
    fake.fail_next(status, f"failed for Bearer {TOKEN}")
    with pytest.raises(UpstreamError) as caught:
        await oauth_executor(fake, http).chat(chat(stream=True))
    err = caught.value
    assert err.upstream_status == status
    assert err.status == client_status
    for text in (str(err), repr(err), err.client_message):
        assert TOKEN not in text


async def test_usage_limit_429_carries_resets_in_and_cools_the_account(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    fake.reply_with(Json(429, usage_limit_body(300)))
    ex = oauth_executor(fake, http)
    with pytest.raises(RateLimited) as caught:
        await ex.chat(chat(stream=False))
    assert caught.value.retry_after == 300
    with pytest.raises(CredentialsExhausted) as again:
        await ex.chat(chat(stream=False))
    assert again.value.status == 429
    assert again.value.retry_after == pytest.approx(300)
    assert len(fake.requests) == 1


async def test_429_retry_after_header_is_honoured(fake: CodexFake, http: UpstreamHttp) -> None:
    fake.rate_limit_next(retry_after=7)
    with pytest.raises(RateLimited) as caught:
        await oauth_executor(fake, http).chat(chat(stream=True))
    assert caught.value.retry_after == 7


def _sse(*events: dict[str, Any], drop_after: int | None = None) -> Sse:
    return Sse([SseEvent(e, event=e["type"]) for e in events], drop_after=drop_after)


_CREATED = {"type": "response.created", "response": {"id": "resp_x", "status": "in_progress"}}


@pytest.mark.parametrize("stream", [True, False])
async def test_response_failed_before_output_is_raised(
    fake: CodexFake, http: UpstreamHttp, stream: bool
) -> None:
    failed = {
        "type": "response.failed",
        "response": {
            "id": "resp_x",
            "status": "failed",
            "error": {"code": "rate_limit_exceeded", "message": "slow down"},
        },
    }
    fake.reply_with(_sse(_CREATED, failed))
    with pytest.raises(RateLimited):
        await oauth_executor(fake, http).chat(chat(stream=stream))


@pytest.mark.parametrize("stream", [True, False])
async def test_error_event_with_usage_limit_carries_the_wait(
    fake: CodexFake, http: UpstreamHttp, stream: bool
) -> None:
    error = {"type": "error", **usage_limit_body(60)}
    fake.reply_with(_sse(error))
    with pytest.raises(RateLimited) as caught:
        await oauth_executor(fake, http).chat(chat(stream=stream))
    assert caught.value.retry_after == 60


async def test_context_length_failure_is_a_400(fake: CodexFake, http: UpstreamHttp) -> None:
    failed = {
        "type": "response.failed",
        "response": {"error": {"code": "context_length_exceeded", "message": "too long"}},
    }
    fake.reply_with(_sse(_CREATED, failed))
    with pytest.raises(UpstreamError) as caught:
        await oauth_executor(fake, http).chat(chat(stream=False))
    assert caught.value.status == 400


async def test_failure_after_output_reaches_the_stream_client(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    events = response_events(answer("partial"), model="gpt-5-codex", response_id="r", ids=IdMaker())
    failed = {
        "type": "response.failed",
        "response": {"error": {"code": "server_error", "message": "boom"}},
    }
    fake.reply_with(_sse(*events[:5], failed), _sse(*events[:5], failed))
    ex = oauth_executor(fake, http)
    response = await ex.chat(chat(stream=True))
    assert isinstance(response, ChatStream)
    seen: list[SSEEvent] = []
    with pytest.raises(UpstreamError, match="boom"):
        await drain(response, into=seen)
    assert streamed(seen).text == "part"
    # A Responses client gets the failure event itself, as the upstream sent it.
    raw = ChatRequest(
        {"model": "gpt-5-codex", "input": "hi", "stream": True}, format=WireFormat.OPENAI_RESPONSES
    )
    # (a fresh executor: the broken stream cooled the first one's credential down)
    kinds = [e.event for e in await events_of(await oauth_executor(fake, http).chat(raw))]
    assert kinds[-1] == "response.failed"


async def test_stream_without_completed_is_an_error_for_non_stream(
    fake: CodexFake, http: UpstreamHttp
) -> None:
    events = response_events(WEATHER, model="gpt-5-codex", response_id="r", ids=IdMaker())
    fake.reply_with(_sse(*events[:-1]))
    with pytest.raises(TransportError, match=r"response\.completed"):
        await oauth_executor(fake, http).chat(chat(stream=False))


async def test_dropped_stream_raises_mid_way(fake: CodexFake, http: UpstreamHttp) -> None:
    fake.shape_streams(drop_after=5).reply_with(WEATHER)
    with pytest.raises(TransportError):
        await drain(await oauth_executor(fake, http).chat(chat(stream=True)), into=[])


async def test_rate_limit_headers_are_captured(fake: CodexFake, http: UpstreamHttp) -> None:
    fake.response_headers = {
        "x-codex-primary-used-percent": "42",
        "x-codex-primary-reset-after-seconds": "3600",
        "x-request-id": "not-a-rate-limit",
    }
    ex = oauth_executor(fake, http)
    await ex.chat(chat(stream=False))
    snapshot = ex.ratelimits.get("codex", "active")
    assert snapshot is not None
    assert snapshot.headers["x-codex-primary-used-percent"] == "42"
    assert "x-request-id" not in snapshot.headers


async def test_impersonating_pool_sends_only_the_codex_identity(fake: CodexFake) -> None:
    pool = UpstreamHttp(timeouts=Timeouts(connect=5, first_byte=10, idle=10))  # chrome
    try:
        await oauth_executor(fake, pool).chat(chat(stream=False))
    finally:
        await pool.aclose()
    # (over plain http curl offers h2c: Upgrade / Connection / HTTP2-Settings are its own)
    assert set(fake.last_request.headers) - {"upgrade", "connection", "http2-settings"} == {
        "host",
        "content-length",
        "authorization",
        "chatgpt-account-id",
        "originator",
        "version",
        "session_id",
        "user-agent",
        "openai-beta",
        "content-type",
        "accept",
        "accept-encoding",
    }
