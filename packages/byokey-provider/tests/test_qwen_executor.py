"""QwenExecutor against a scripted OpenAI-compatible upstream on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from byokey_config import ProviderConfig, Settings
from byokey_provider import ConfigCredentials, UpstreamHttp, UpstreamRequest, chat_completions_body
from byokey_provider._executors import EXECUTORS
from byokey_provider._qwen import QwenExecutor, resource_base
from byokey_provider._version_store import VersionInfo, VersionStore
from byokey_types import (
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    SSEEvent,
    WireFormat,
)
from tests.fakes.server import FakeServer, Json, Sse

Q = ProviderId.QWEN
TOKEN = "qwen-oauth-token-abc"
PATH = "/v1/chat/completions"
COMPLETION = {
    "id": "chatcmpl-qwen-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "qwen3-coder-plus",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "你好，世界"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    "system_fingerprint": "kept-as-is",
}


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-qwen-2",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "qwen3-coder-plus",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


STREAM = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "你好，"}),
    chunk({"content": "世界"}),
    chunk({}, "stop"),
    {
        **chunk({}),
        "choices": [],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
    },
    "[DONE]",
]


class Tokens:
    def __init__(self, metadata: dict[str, str] | None = None) -> None:
        self.metadata = metadata or {}

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is Q
        return OAuthToken(TOKEN, metadata=self.metadata)


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    pool = UpstreamHttp(impersonate=None)
    yield pool
    await pool.aclose()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer("qwen") as s:
        yield s


def executor(
    http: UpstreamHttp,
    *,
    base_url: str | None,
    api_key: str | None = None,
    tokens: Tokens | None = None,
    versions: VersionStore | None = None,
) -> QwenExecutor:
    settings = Settings(providers={Q: ProviderConfig(api_key=api_key, base_url=base_url)})
    return QwenExecutor(
        Q, settings, ConfigCredentials(settings, tokens or Tokens()), http, versions=versions
    )


def test_registered_and_helpers() -> None:
    assert EXECUTORS[Q] is QwenExecutor
    assert resource_base("portal.qwen.ai") == "https://portal.qwen.ai/v1"
    assert resource_base("https://dashscope.aliyuncs.com/compatible-mode/v1/") == (
        "https://dashscope.aliyuncs.com/compatible-mode/v1"
    )
    body = {"model": "m", "stream_options": {"other": 1}}
    source = ChatRequest({**body, "messages": []})
    streamed = UpstreamRequest(body=body, model="m", stream=True, source=source)
    assert chat_completions_body(streamed)["stream_options"] == {"other": 1, "include_usage": True}
    plain = chat_completions_body(
        UpstreamRequest(body=body, model="m", stream=False, source=source)
    )
    assert plain == {"model": "m", "stream": False}


async def test_non_stream_openai_client_headers_and_passthrough(
    server: FakeServer, http: UpstreamHttp
) -> None:
    server.route("POST", PATH, Json(200, COMPLETION))
    body = {"model": "qwen3-coder-plus", "messages": [{"role": "user", "content": "hi"}]}
    response = await executor(http, base_url=server.url + "/v1").chat(ChatRequest(body))

    sent = server.last_request
    assert sent.path == PATH
    sent.assert_header("authorization", f"Bearer {TOKEN}")
    sent.assert_header("content-type", "application/json")
    sent.assert_header("accept", "application/json")
    ua = "QwenCode/0.10.3 (darwin; arm64)"
    for name, value in {
        "user-agent": ua,
        "x-dashscope-useragent": ua,
        "x-dashscope-authtype": "qwen-oauth",
        "x-dashscope-cachecontrol": "enable",
        "x-stainless-runtime-version": "v24.14.1",
        "x-stainless-lang": "js",
        "x-stainless-arch": "arm64",
        "x-stainless-package-version": "5.11.0",
        "x-stainless-retry-count": "0",
        "x-stainless-os": "MacOS",
        "x-stainless-runtime": "node",
        "accept-encoding": "identity",
    }.items():
        sent.assert_header(name, value)
    wire = sent.json()
    assert wire["model"] == "qwen3-coder-plus"
    assert wire["messages"] == [{"role": "user", "content": "hi"}]
    assert "stream_options" not in wire
    assert isinstance(response, ChatResponse)
    assert response.body == COMPLETION  # same format: the upstream JSON, untouched


async def test_stream_anthropic_client_split_every_byte(
    server: FakeServer, http: UpstreamHttp
) -> None:
    server.route("POST", PATH, Sse(STREAM, split="every_byte"))
    request = ChatRequest(
        {
            "model": "qwen3-coder-plus",
            "max_tokens": 100,
            "stream": True,
            "system": "short answers",
            "messages": [{"role": "user", "content": "hi"}],
        },
        format=WireFormat.ANTHROPIC,
    )
    response = await executor(http, base_url=server.url + "/v1", api_key="sk-qwen").chat(request)
    assert isinstance(response, ChatStream)
    events: list[SSEEvent] = [e async for e in response.events]

    sent = server.last_request
    sent.assert_header("authorization", "Bearer sk-qwen")
    sent.assert_header("accept", "text/event-stream")
    sent.assert_header("x-dashscope-authtype", "qwen-oauth")
    wire = sent.json()
    assert wire["stream"] is True
    assert wire["stream_options"] == {"include_usage": True}
    assert wire["messages"][0] == {"role": "system", "content": "short answers"}
    assert wire["max_tokens"] == 100

    names = [e.event for e in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    text = "".join(
        e.data["delta"].get("text", "")
        for e in events
        if e.event == "content_block_delta" and isinstance(e.data, dict)
    )
    assert text == "你好，世界"
    final = next(e.data for e in events if e.event == "message_delta")
    assert isinstance(final, dict)
    assert final["delta"]["stop_reason"] == "end_turn"
    assert final["usage"]["output_tokens"] == 4


async def test_login_resource_url_chooses_the_base(server: FakeServer, http: UpstreamHttp) -> None:
    server.route("POST", PATH, Json(200, COMPLETION))
    tokens = Tokens({"resource_url": server.url})
    body = {"model": "qwen3-max", "messages": [{"role": "user", "content": "hi"}]}
    await executor(http, base_url=None, tokens=tokens).chat(ChatRequest(body))
    assert server.last_request.path == PATH


async def test_fetched_user_agent_is_sent(server: FakeServer, http: UpstreamHttp) -> None:
    server.route("POST", PATH, Json(200, COMPLETION))
    versions = VersionStore({Q: VersionInfo(user_agent="QwenCode/9.9.9 (linux; x64)")})
    body = {"model": "qwen3-max", "messages": [{"role": "user", "content": "hi"}]}
    await executor(http, base_url=server.url + "/v1", versions=versions).chat(ChatRequest(body))
    server.last_request.assert_header("user-agent", "QwenCode/9.9.9 (linux; x64)")
    server.last_request.assert_header("x-dashscope-useragent", "QwenCode/9.9.9 (linux; x64)")
