"""AntigravityExecutor against two Code Assist fakes (the daily primary and the sandbox
fallback) on 127.0.0.1: envelope, headers, streams split anywhere, and when the
fallback base is (and is not) used."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from byokey_config import Endpoints, ProviderConfig, Settings
from byokey_provider import ConfigCredentials, UpstreamHttp
from byokey_provider._antigravity import ANTIGRAVITY_USER_AGENT, AntigravityExecutor
from byokey_provider._executors import EXECUTORS
from byokey_provider._version_store import VersionInfo, VersionStore
from byokey_types import (
    ByokError,
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    SSEEvent,
    UpstreamError,
    WireFormat,
)
from tests.fakes.content import answer, tool_call
from tests.fakes.gemini import CodeAssistFake
from tests.fakes.server import Drop, FakeServer, Sse

A = ProviderId.ANTIGRAVITY
TOKEN = "ya29.antigravity-token"
CHAT = {
    "model": "ag-gemini-2.5-pro",
    "messages": [{"role": "user", "content": "Hello"}],
    "temperature": 0.2,
}
STREAM_PATH = "/v1internal:streamGenerateContent"
PATH = "/v1internal:generateContent"


class Tokens:
    def __init__(self, metadata: dict[str, str] | None = None) -> None:
        self.metadata = metadata or {}

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is A
        return OAuthToken(TOKEN, metadata=self.metadata)


@dataclass
class Pair:
    primary: CodeAssistFake
    fallback: CodeAssistFake


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    pool = UpstreamHttp(impersonate=None)
    yield pool
    await pool.aclose()


@pytest.fixture
def fakes() -> Iterator[Pair]:
    with FakeServer("daily") as daily, FakeServer("sandbox") as sandbox:
        pair = Pair(CodeAssistFake(daily), CodeAssistFake(sandbox))
        pair.fallback.default = answer("from the sandbox")
        yield pair


def executor(
    fakes: Pair,
    http: UpstreamHttp,
    *,
    api_key: str | None = None,
    fallback: str | None = None,
    versions: VersionStore | None = None,
    tokens: Tokens | None = None,
) -> AntigravityExecutor:
    settings = Settings(
        providers={A: ProviderConfig(api_key=api_key, base_url=fakes.primary.url)},
        endpoints=Endpoints(antigravity_api_fallback=fallback or fakes.fallback.url),
    )
    credentials = ConfigCredentials(settings, tokens or Tokens())
    return AntigravityExecutor(A, settings, credentials, http, versions=versions)


async def drain(events: AsyncIterator[SSEEvent], into: list[SSEEvent]) -> None:
    async for event in events:
        into.append(event)


async def events_of(response: object) -> list[SSEEvent]:
    assert isinstance(response, ChatStream)
    return [e async for e in response.events]


def chat_text(events: list[SSEEvent]) -> str:
    return "".join(
        c["delta"].get("content") or ""
        for e in events
        if isinstance(e.data, dict)
        for c in e.data.get("choices", [])
    )


def test_registered_for_antigravity() -> None:
    assert EXECUTORS[A] is AntigravityExecutor


async def test_stream_envelope_and_headers_openai_client(fakes: Pair, http: UpstreamHttp) -> None:
    fakes.primary.require_project = True
    fakes.primary.shape_streams(split="random", seed=11)
    fakes.primary.reply_with(answer("Grüße aus Mountain View 🌉", chunk_size=3))
    events = await events_of(
        await executor(fakes, http).chat(ChatRequest({**CHAT, "stream": True}))
    )

    sent = fakes.primary.last_request
    assert sent.path == STREAM_PATH and sent.query == {"alt": "sse"}
    sent.assert_header("authorization", f"Bearer {TOKEN}")
    sent.assert_header("user-agent", ANTIGRAVITY_USER_AGENT)
    sent.assert_header("accept", "text/event-stream")
    envelope = sent.json()
    assert envelope["model"] == "gemini-2.5-pro"
    assert re.fullmatch(r"useful-wave-[0-9a-f]{5}", envelope["project"])
    assert re.fullmatch(r"agent-[0-9a-f-]{36}", envelope["requestId"])
    assert envelope["requestId"][6:11] == envelope["project"][-5:]
    assert envelope["userAgent"] == "antigravity"
    assert envelope["requestType"] == "agent"
    inner = envelope["request"]
    assert inner["contents"] == [{"role": "user", "parts": [{"text": "Hello"}]}]
    assert inner["generationConfig"]["temperature"] == 0.2
    assert not {"safety_settings", "safetySettings", "model", "stream"} & set(inner)

    # Lines split across reads are reassembled and the stream is properly ended (QUIRKs fixed).
    assert chat_text(events) == "Grüße aus Mountain View 🌉"
    assert events[-1].data == "[DONE]"
    assert any(isinstance(e.data, dict) and e.data.get("usage") for e in events)
    assert fakes.fallback.requests == []


async def test_non_stream_anthropic_client_with_an_api_key(fakes: Pair, http: UpstreamHttp) -> None:
    fakes.primary.accept_only("ag-key-123")
    fakes.primary.reply_with(answer("On it", tool_call("search", {"q": "gemini"})))
    request = ChatRequest(
        {
            "model": "claude-sonnet-4-5",
            "max_tokens": 100,
            "messages": [{"role": "user", "content": "Search"}],
            "tools": [{"name": "search", "input_schema": {"type": "object"}}],
        },
        format=WireFormat.ANTHROPIC,
    )
    response = await executor(fakes, http, api_key="ag-key-123").chat(request)

    sent = fakes.primary.last_request
    assert sent.path == PATH
    sent.assert_header("authorization", "Bearer ag-key-123")
    sent.assert_header("accept", "application/json")
    assert sent.json()["model"] == "claude-sonnet-4-5"
    assert sent.json()["request"]["generationConfig"]["maxOutputTokens"] == 100
    assert isinstance(response, ChatResponse) and response.format is WireFormat.ANTHROPIC
    assert response.body["stop_reason"] == "tool_use"
    kinds = [b["type"] for b in response.body["content"]]
    assert kinds == ["text", "tool_use"]
    assert response.body["content"][1]["input"] == {"q": "gemini"}


async def test_primary_503_sends_exactly_one_request_to_the_fallback(
    fakes: Pair, http: UpstreamHttp
) -> None:
    fakes.primary.fail_next(503, "backend unavailable")
    response = await executor(fakes, http).chat(ChatRequest(CHAT))
    assert isinstance(response, ChatResponse)
    assert response.body["choices"][0]["message"]["content"] == "from the sandbox"
    assert len(fakes.primary.requests) == 1 and len(fakes.fallback.requests) == 1
    primary_body, fallback_body = fakes.primary.bodies[0], fakes.fallback.bodies[0]
    assert primary_body == fallback_body  # the same request, unchanged


async def test_primary_400_is_not_retried_on_the_fallback(fakes: Pair, http: UpstreamHttp) -> None:
    fakes.primary.fail_next(400, "bad request")
    with pytest.raises(UpstreamError) as caught:
        await executor(fakes, http).chat(ChatRequest(CHAT))
    assert caught.value.upstream_status == 400
    assert fakes.fallback.requests == []


async def test_dropped_connection_falls_back(fakes: Pair, http: UpstreamHttp) -> None:
    fakes.primary.reply_with(Drop())
    events = await events_of(
        await executor(fakes, http).chat(ChatRequest({**CHAT, "stream": True}))
    )
    assert chat_text(events) == "from the sandbox"
    assert len(fakes.fallback.requests) == 1


async def test_stream_dying_before_its_first_event_falls_back(
    fakes: Pair, http: UpstreamHttp
) -> None:
    fakes.primary.reply_with(Sse([b'data: {"respo'], drop_after=0))
    events = await events_of(
        await executor(fakes, http).chat(ChatRequest({**CHAT, "stream": True}))
    )
    assert chat_text(events) == "from the sandbox"
    assert len(fakes.primary.requests) == 1 and len(fakes.fallback.requests) == 1


async def test_failure_after_the_first_event_is_not_retried(
    fakes: Pair, http: UpstreamHttp
) -> None:
    fakes.primary.shape_streams(drop_after=2)
    fakes.primary.reply_with(answer("one two three four five", chunk_size=4))
    response = await executor(fakes, http).chat(ChatRequest({**CHAT, "stream": True}))
    assert isinstance(response, ChatStream)
    seen: list[SSEEvent] = []
    with pytest.raises(ByokError):
        await drain(response.events, seen)
    assert chat_text(seen).startswith("one ")
    assert fakes.fallback.requests == []


async def test_both_bases_failing_reports_the_fallback_error(
    fakes: Pair, http: UpstreamHttp
) -> None:
    fakes.primary.fail_next(500, "primary broke")
    fakes.fallback.fail_next(502, "sandbox broke too")
    with pytest.raises(UpstreamError) as caught:
        await executor(fakes, http).chat(ChatRequest(CHAT))
    assert caught.value.upstream_status == 502
    assert "sandbox broke too" in caught.value.body


async def test_fallback_equal_to_primary_is_not_tried_twice(
    fakes: Pair, http: UpstreamHttp
) -> None:
    fakes.primary.fail_next(503, "down")
    with pytest.raises(UpstreamError):
        await executor(fakes, http, fallback=fakes.primary.url).chat(ChatRequest(CHAT))
    assert len(fakes.primary.requests) == 1


async def test_version_store_user_agent_and_thinking_suffix(
    fakes: Pair, http: UpstreamHttp
) -> None:
    versions = VersionStore({A: VersionInfo(user_agent="antigravity/9.9.9 linux/amd64")})
    request = ChatRequest({**CHAT, "model": "ag-gemini-2.5-pro(high)"})
    await executor(fakes, http, versions=versions).chat(request)
    sent = fakes.primary.last_request
    sent.assert_header("user-agent", "antigravity/9.9.9 linux/amd64")
    body = sent.json()
    assert body["model"] == "gemini-2.5-pro"
    assert body["request"]["generationConfig"]["thinkingConfig"]["thinkingBudget"] == 24576


async def test_the_login_project_is_used_when_known(fakes: Pair, http: UpstreamHttp) -> None:
    tokens = Tokens({"project_id": "real-cloud-project"})
    await executor(fakes, http, tokens=tokens).chat(ChatRequest(CHAT))
    assert fakes.primary.last_request.json()["project"] == "real-cloud-project"
