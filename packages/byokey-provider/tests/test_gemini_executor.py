"""GeminiExecutor against the Gemini fakes on 127.0.0.1: the native API with API keys,
Code Assist (project discovery, onboarding, envelope) with an OAuth login."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from byokey_config import ApiKeyEntry, ProviderConfig, Settings
from byokey_provider import ConfigCredentials, UpstreamHttp
from byokey_provider._executors import EXECUTORS
from byokey_provider._gemini import GeminiExecutor, native_base
from byokey_types import (
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    RateLimited,
    SSEEvent,
    UpstreamError,
    WireFormat,
)
from tests.fakes.content import answer, thinking, tool_call
from tests.fakes.gemini import DEFAULT_PROJECT, CodeAssistFake, GeminiFake
from tests.fakes.server import FakeServer

G = ProviderId.GEMINI
KEY = "AIzaFakeKey0123456789"
TOKEN = "ya29.fake-google-token"
CHAT = {"model": "gemini-2.5-pro", "messages": [{"role": "user", "content": "Hi there"}]}
ANTHROPIC = {
    "model": "gemini-2.5-pro",
    "max_tokens": 64,
    "system": "Be brief.",
    "messages": [{"role": "user", "content": "Weather in Paris?"}],
}


class Tokens:
    """A token source handing out one Google token (optionally with metadata)."""

    def __init__(self, metadata: dict[str, str] | None = None) -> None:
        self.metadata = metadata or {}
        self.calls = 0

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is G
        self.calls += 1
        return OAuthToken(TOKEN, metadata=self.metadata)


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    pool = UpstreamHttp(impersonate=None)
    yield pool
    await pool.aclose()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer("gemini") as s:
        yield s


def key_executor(server: FakeServer, http: UpstreamHttp, **cfg: Any) -> GeminiExecutor:
    settings = Settings(
        providers={G: ProviderConfig(**{"api_key": KEY, "base_url": server.url, **cfg})}
    )
    return GeminiExecutor(G, settings, ConfigCredentials(settings), http)


def oauth_executor(
    server: FakeServer, http: UpstreamHttp, tokens: Tokens | None = None
) -> GeminiExecutor:
    settings = Settings()
    return GeminiExecutor(
        G,
        settings,
        ConfigCredentials(settings, tokens or Tokens()),
        http,
        code_assist_url=server.url,
    )


async def events_of(response: object) -> list[SSEEvent]:
    assert isinstance(response, ChatStream)
    return [e async for e in response.events]


def anthropic_text(events: list[SSEEvent]) -> str:
    return "".join(
        e.data["delta"].get("text", "")
        for e in events
        if isinstance(e.data, dict) and e.data.get("type") == "content_block_delta"
    )


def test_registered_for_gemini() -> None:
    assert EXECUTORS[G] is GeminiExecutor


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (
            "https://generativelanguage.googleapis.com",
            "https://generativelanguage.googleapis.com/v1beta/models",
        ),
        (
            "https://generativelanguage.googleapis.com/v1beta/openai/",
            "https://generativelanguage.googleapis.com/v1beta/models",
        ),
        ("http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/models"),
        ("http://127.0.0.1:9/v1beta/models", "http://127.0.0.1:9/v1beta/models"),
    ],
)
def test_native_base_accepts_roots_versions_and_the_old_shim(
    configured: str, expected: str
) -> None:
    assert native_base(configured) == expected


# --------------------------------------------------------------------------- API key


async def test_api_key_non_stream_openai_client(server: FakeServer, http: UpstreamHttp) -> None:
    fake = GeminiFake(server).accept_only(KEY)
    fake.reply_with(answer("Hello, Paris!", input_tokens=7, output_tokens=3))
    body = {**CHAT, "messages": [{"role": "system", "content": "Be brief."}, *CHAT["messages"]]}
    response = await key_executor(server, http).chat(ChatRequest({**body, "max_tokens": 50}))

    sent = fake.last_request
    assert sent.path == "/v1beta/models/gemini-2.5-pro:generateContent"
    sent.assert_header("x-goog-api-key", KEY)
    sent.assert_header("accept", "application/json")
    sent.assert_header("accept-encoding", "identity")
    sent.assert_no_header("authorization")
    assert KEY not in sent.target
    wire = sent.json()
    assert wire["contents"] == [{"role": "user", "parts": [{"text": "Hi there"}]}]
    assert wire["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert wire["generationConfig"]["maxOutputTokens"] == 50
    assert "model" not in wire and "stream" not in wire

    assert isinstance(response, ChatResponse) and response.format is WireFormat.OPENAI
    choice = response.body["choices"][0]
    assert choice["message"]["content"] == "Hello, Paris!"
    assert choice["finish_reason"] == "stop"
    assert response.body["usage"]["prompt_tokens"] == 7
    assert response.body["usage"]["completion_tokens"] == 3


async def test_api_key_stream_anthropic_client_split_every_byte(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = GeminiFake(server).shape_streams(split="every_byte")
    fake.reply_with(answer("Il fait beau à Paris ☀", tool_call("get_weather", {"city": "Paris"})))
    request = ChatRequest({**ANTHROPIC, "stream": True}, format=WireFormat.ANTHROPIC)
    events = await events_of(await key_executor(server, http).chat(request))

    sent = fake.last_request
    assert sent.path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent"
    assert sent.query == {"alt": "sse"}
    sent.assert_header("accept", "text/event-stream")
    assert sent.json()["systemInstruction"] == {"parts": [{"text": "Be brief."}]}

    names = [e.event for e in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    assert anthropic_text(events) == "Il fait beau à Paris ☀"
    starts = [e.data["content_block"] for e in events if e.event == "content_block_start"]
    assert starts[-1]["type"] == "tool_use" and starts[-1]["name"] == "get_weather"
    args = "".join(
        e.data["delta"].get("partial_json", "") for e in events if e.event == "content_block_delta"
    )
    assert '"city":"Paris"' in args.replace(" ", "")
    stop = next(e.data for e in events if e.event == "message_delta")
    assert stop["delta"]["stop_reason"] == "tool_use"


async def test_thinking_suffix_reaches_thinking_config(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = GeminiFake(server)
    fake.reply_with(answer(thinking("Let me think"), "42"))
    request = ChatRequest({**CHAT, "model": "gemini-2.5-pro(8192)"})
    response = await key_executor(server, http).chat(request)

    assert fake.last_request.path == "/v1beta/models/gemini-2.5-pro:generateContent"
    config = fake.last_request.json()["generationConfig"]["thinkingConfig"]
    assert config["thinkingBudget"] == 8192
    assert isinstance(response, ChatResponse)
    message = response.body["choices"][0]["message"]
    assert message["content"] == "42"
    assert message.get("reasoning_content") == "Let me think"


async def test_old_openai_shim_base_url_is_read_as_the_native_root(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = GeminiFake(server)
    executor = key_executor(server, http, base_url=server.url + "/v1beta/openai")
    await executor.chat(ChatRequest(CHAT))
    assert fake.last_request.path == "/v1beta/models/gemini-2.5-pro:generateContent"


async def test_gemini_client_stream_passes_chunks_through(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = GeminiFake(server).shape_streams(chunk_sizes=[7, 1, 13])
    fake.reply_with(answer("native"))
    body = {
        "model": "gemini-2.5-pro",
        "stream": True,
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
    }
    events = await events_of(
        await key_executor(server, http).chat(ChatRequest(body, format=WireFormat.GEMINI))
    )
    assert fake.last_request.json() == {"contents": body["contents"]}
    texts = [p["text"] for e in events for p in e.data["candidates"][0]["content"]["parts"]]  # type: ignore[index]
    assert "".join(texts) == "native"
    assert events[-1].data["candidates"][0]["finishReason"] == "STOP"  # type: ignore[index]


async def test_rate_limit_carries_google_retry_delay(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = GeminiFake(server)
    fake.quota_exhausted_next(retry_delay="1.5s")
    with pytest.raises(RateLimited) as caught:
        await key_executor(server, http).chat(ChatRequest(CHAT))
    assert caught.value.retry_after == 1.5
    assert KEY not in str(caught.value)


async def test_second_key_serves_after_a_429(server: FakeServer, http: UpstreamHttp) -> None:
    fake = GeminiFake(server)
    fake.quota_exhausted_next(retry_delay="30s")
    settings = Settings(
        providers={
            G: ProviderConfig(
                base_url=server.url,
                api_keys=(ApiKeyEntry(api_key="key-one-123"), ApiKeyEntry(api_key="key-two-456")),
            )
        }
    )
    executor = GeminiExecutor(G, settings, ConfigCredentials(settings), http)
    response = await executor.chat(ChatRequest(CHAT))
    assert isinstance(response, ChatResponse)
    used = [r.headers["x-goog-api-key"] for r in fake.requests]
    assert used == ["key-one-123", "key-two-456"]


# ----------------------------------------------------------------------------- OAuth


async def test_oauth_discovers_the_project_once_and_streams_in_the_envelope(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = CodeAssistFake(server).accept_only(TOKEN).shape_streams(split="random", seed=3)
    fake.reply_with(answer("Bonjour"), answer("Encore"))
    executor = oauth_executor(server, http)
    request = ChatRequest({**CHAT, "stream": True})
    first = await events_of(await executor.chat(request))
    second = await events_of(await executor.chat(request))

    paths = [r.path for r in fake.requests]
    assert paths == [
        "/v1internal:loadCodeAssist",
        "/v1internal:streamGenerateContent",
        "/v1internal:streamGenerateContent",
    ]
    load = fake.requests[0].json()
    assert load["metadata"]["pluginType"] == "GEMINI"
    sent = fake.requests[1]
    assert sent.query == {"alt": "sse"}
    sent.assert_header("authorization", f"Bearer {TOKEN}")
    assert sent.headers["user-agent"].startswith("GeminiCLI/")
    envelope = sent.json()
    assert envelope["model"] == "gemini-2.5-pro"
    assert envelope["project"] == DEFAULT_PROJECT
    assert envelope["user_prompt_id"]
    assert envelope["request"]["contents"] == [{"role": "user", "parts": [{"text": "Hi there"}]}]
    assert "stream" not in envelope["request"] and "model" not in envelope["request"]

    def chat_text(events: list[SSEEvent]) -> str:
        return "".join(
            c["delta"].get("content") or ""
            for e in events
            if isinstance(e.data, dict)
            for c in e.data.get("choices", [])
        )

    assert chat_text(first) == "Bonjour" and chat_text(second) == "Encore"
    assert first[-1].data == "[DONE]"


async def test_oauth_onboards_an_account_without_a_project(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = CodeAssistFake(server)
    fake.project = None
    fake.onboard_project = "fresh-project-9"
    request = ChatRequest(ANTHROPIC, format=WireFormat.ANTHROPIC)
    response = await oauth_executor(server, http).chat(request)

    assert [r.path for r in fake.requests] == [
        "/v1internal:loadCodeAssist",
        "/v1internal:onboardUser",
        "/v1internal:generateContent",
    ]
    assert fake.requests[1].json()["tierId"] == "free-tier"
    assert fake.requests[2].json()["project"] == "fresh-project-9"
    assert isinstance(response, ChatResponse) and response.format is WireFormat.ANTHROPIC
    assert response.body["type"] == "message"
    assert response.body["content"] == [{"type": "text", "text": "Hello from the fake."}]


async def test_oauth_uses_the_project_stored_with_the_token(
    server: FakeServer, http: UpstreamHttp
) -> None:
    fake = CodeAssistFake(server)
    executor = oauth_executor(server, http, Tokens({"project_id": "stored-project"}))
    await executor.chat(ChatRequest(CHAT))
    assert [r.path for r in fake.requests] == ["/v1internal:generateContent"]
    assert fake.last_request.json()["project"] == "stored-project"


async def test_oauth_403_forgets_the_project(server: FakeServer, http: UpstreamHttp) -> None:
    fake = CodeAssistFake(server)
    executor = oauth_executor(server, http)
    await executor.chat(ChatRequest(CHAT))
    fake.fail_next(403, "project disabled")
    with pytest.raises(UpstreamError) as caught:
        await executor.chat(ChatRequest(CHAT))
    assert caught.value.upstream_status == 403
    assert TOKEN not in str(caught.value)
    assert executor.projects.known("active") is None
