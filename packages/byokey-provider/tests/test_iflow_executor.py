"""IFlowExecutor against a scripted OpenAI-compatible upstream on 127.0.0.1: the signature
is recomputed from what the server received."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import AsyncIterator, Iterator

import pytest

from byokey_config import ProviderConfig, Settings
from byokey_provider import ConfigCredentials, UpstreamHttp
from byokey_provider._executors import EXECUTORS
from byokey_provider._iflow import IFlowExecutor
from byokey_types import (
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    RateLimited,
    WireFormat,
)
from tests.fakes.server import FakeServer, Json, Sse

IFLOW = ProviderId.IFLOW
TOKEN = "iflow-api-key-from-login"
PATH = "/v1/chat/completions"
NOW = 1_750_000_000.25
COMPLETION = {
    "id": "chatcmpl-iflow",
    "object": "chat.completion",
    "created": 1,
    "model": "glm-4.5",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "GLM here"},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
}
BODY = {"model": "glm-4.5", "messages": [{"role": "user", "content": "hi"}]}


class Tokens:
    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is IFLOW
        return OAuthToken(TOKEN)


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    pool = UpstreamHttp(impersonate=None)
    yield pool
    await pool.aclose()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer("iflow") as s:
        yield s


def executor(server: FakeServer, http: UpstreamHttp) -> IFlowExecutor:
    settings = Settings(providers={IFLOW: ProviderConfig(base_url=server.url + "/v1")})
    return IFlowExecutor(
        IFLOW, settings, ConfigCredentials(settings, Tokens()), http, clock=lambda: NOW
    )


def test_registered_for_iflow() -> None:
    assert EXECUTORS[IFLOW] is IFlowExecutor


async def test_signed_headers_and_anthropic_client(server: FakeServer, http: UpstreamHttp) -> None:
    server.route("POST", PATH, Json(200, COMPLETION))
    ex = executor(server, http)
    response = await ex.chat(ChatRequest({**BODY, "max_tokens": 20}, format=WireFormat.ANTHROPIC))
    await ex.chat(ChatRequest(BODY))

    first, second = server.requests
    first.assert_header("authorization", f"Bearer {TOKEN}")
    first.assert_header("user-agent", "iFlow-Cli")
    first.assert_header("accept-encoding", "identity")
    session = first.headers["session-id"]
    assert re.fullmatch(r"session-[0-9a-f-]{36}", session)
    timestamp = first.assert_header("x-iflow-timestamp", str(int(NOW * 1000)))
    expected = hmac.new(
        TOKEN.encode(), f"iFlow-Cli:{session}:{timestamp}".encode(), hashlib.sha256
    ).hexdigest()
    first.assert_header("x-iflow-signature", expected)
    assert second.headers["session-id"] != session  # a fresh session per request
    assert first.json()["max_tokens"] == 20

    assert isinstance(response, ChatResponse) and response.format is WireFormat.ANTHROPIC
    assert response.body["content"] == [{"type": "text", "text": "GLM here"}]
    assert response.body["usage"]["input_tokens"] == 5


async def test_stream_passthrough_for_openai_clients(
    server: FakeServer, http: UpstreamHttp
) -> None:
    chunks = [
        {
            "id": "s",
            "object": "chat.completion.chunk",
            "model": "glm-4.5",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        for piece in ("思", "考中")
    ]
    server.route("POST", PATH, Sse([*chunks, "[DONE]"], split="every_byte"))
    response = await executor(server, http).chat(ChatRequest({**BODY, "stream": True}))
    assert isinstance(response, ChatStream)
    events = [e async for e in response.events]
    assert [e.data for e in events] == [*chunks, "[DONE]"]
    assert server.last_request.json()["stream_options"] == {"include_usage": True}


async def test_429_with_retry_after(server: FakeServer, http: UpstreamHttp) -> None:
    server.route(
        "POST",
        PATH,
        Json(
            429,
            {"error": {"message": "slow down", "type": "rate_limit"}},
            headers={"Retry-After": "7"},
        ),
    )
    with pytest.raises(RateLimited) as caught:
        await executor(server, http).chat(ChatRequest(BODY))
    assert caught.value.retry_after == 7
    assert TOKEN not in str(caught.value)
