"""KiroExecutor against the CodeWhisperer fake on 127.0.0.1 (binary event-stream answers
cut at awkward byte boundaries), from OpenAI-chat and Anthropic clients."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest

from byokey_config import Endpoints, ProviderConfig, Settings
from byokey_provider import ConfigCredentials, Credential, UpstreamHttp
from byokey_provider._executors import EXECUTORS
from byokey_provider._kiro import KiroExecutor
from byokey_types import (
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    RateLimited,
    SSEEvent,
    TransportError,
    UpstreamError,
    WireFormat,
)
from tests.fakes.content import answer, tool_call
from tests.fakes.kiro import GENERATE_PATH, KiroFake, event_frame, exception_frame
from tests.fakes.server import FakeServer

K = ProviderId.KIRO
TOKEN = "aoaAAAAA-fake-kiro-access-token"
ARN = "arn:aws:codewhisperer:us-east-1:699475941385:profile/FAKE"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
CHAT = {
    "model": "kiro-default",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris?"},
    ],
    "tools": [WEATHER_TOOL],
}
ANTHROPIC = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 200,
    "messages": [{"role": "user", "content": "Say hi"}],
}


class Tokens:
    def __init__(self, metadata: dict[str, str] | None = None) -> None:
        self.metadata = metadata if metadata is not None else {"profile_arn": ARN}

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is K
        return OAuthToken(TOKEN, metadata=self.metadata)


@pytest.fixture
async def http() -> AsyncIterator[UpstreamHttp]:
    pool = UpstreamHttp(impersonate=None)
    yield pool
    await pool.aclose()


@pytest.fixture
def fake() -> Iterator[KiroFake]:
    with FakeServer("kiro") as server:
        yield KiroFake(server).accept_only(TOKEN)


def executor(fake: KiroFake, http: UpstreamHttp, tokens: Tokens | None = None) -> KiroExecutor:
    settings = Settings(providers={K: ProviderConfig(base_url=fake.url)})
    return KiroExecutor(
        K, settings, ConfigCredentials(settings, tokens or Tokens()), http, machine_id="m" * 64
    )


async def drain(events: AsyncIterator[SSEEvent], into: list[SSEEvent]) -> None:
    async for event in events:
        into.append(event)


async def events_of(response: object) -> list[SSEEvent]:
    assert isinstance(response, ChatStream)
    return [e async for e in response.events]


def test_registered_for_kiro() -> None:
    assert EXECUTORS[K] is KiroExecutor


async def test_non_stream_openai_client_headers_payload_and_answer(
    fake: KiroFake, http: UpstreamHttp
) -> None:
    fake.shape_streams(chunk_sizes=[5, 1, 17])
    fake.reply_with(answer("Checking… ", tool_call("get_weather", {"city": "Paris"})))
    response = await executor(fake, http).chat(ChatRequest(CHAT))

    sent = fake.last_request
    assert sent.path == GENERATE_PATH
    sent.assert_header("authorization", f"Bearer {TOKEN}")
    sent.assert_header("content-type", "application/json")
    sent.assert_header("accept-encoding", "identity")
    sent.assert_header("x-amzn-codewhisperer-optout", "true")
    sent.assert_header("x-amzn-kiro-agent-mode", "vibe")
    assert sent.headers["user-agent"].endswith("KiroIDE-0.7.45-" + "m" * 64)
    assert sent.headers["x-amz-user-agent"].startswith("aws-sdk-js/")
    assert re.fullmatch(r"[0-9a-f-]{36}", sent.headers["amz-sdk-invocation-id"])
    sent.assert_no_header("anthropic-version")
    payload = sent.json()
    assert payload["profileArn"] == ARN
    current = payload["conversationState"]["currentMessage"]["userInputMessage"]
    assert current["content"] == "You are terse.\n\nWeather in Paris?"
    assert current["modelId"] == "auto"
    spec = current["userInputMessageContext"]["tools"][0]["toolSpecification"]
    assert spec["name"] == "get_weather"
    assert spec["inputSchema"]["json"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }

    assert isinstance(response, ChatResponse) and response.format is WireFormat.OPENAI
    choice = response.body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Checking… "
    call = choice["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert orjson.loads(call["function"]["arguments"]) == {"city": "Paris"}
    usage = response.body["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0


async def test_stream_anthropic_client_split_every_byte(fake: KiroFake, http: UpstreamHttp) -> None:
    fake.shape_streams(split="every_byte")
    fake.reply_with(answer("Hi — ça va? 👋", tool_call("wave", {"times": 2}), chunk_size=3))
    request = ChatRequest({**ANTHROPIC, "stream": True}, format=WireFormat.ANTHROPIC)
    events = await events_of(await executor(fake, http).chat(request))

    assert (
        fake.last_request.json()["conversationState"]["currentMessage"]["userInputMessage"][
            "modelId"
        ]
        == "claude-sonnet-4.5"
    )
    names = [e.event for e in events]
    assert names[0] == "message_start" and names[-1] == "message_stop"
    deltas = [e.data["delta"] for e in events if e.event == "content_block_delta"]  # type: ignore[index]
    assert "".join(d.get("text", "") for d in deltas) == "Hi — ça va? 👋"
    assert orjson.loads("".join(d.get("partial_json", "") for d in deltas)) == {"times": 2}
    block = next(
        e.data["content_block"]
        for e in events
        if e.event == "content_block_start" and e.data["content_block"]["type"] == "tool_use"
    )  # type: ignore[index]
    assert block["name"] == "wave" and block["id"].startswith("tooluse_fake")
    stop = next(e.data for e in events if e.event == "message_delta")
    assert stop["delta"]["stop_reason"] == "tool_use"  # type: ignore[index]


async def test_stream_openai_client_ends_with_done(fake: KiroFake, http: UpstreamHttp) -> None:
    fake.shape_streams(split="random", seed=5)
    fake.reply_with(answer("plain text answer"))
    events = await events_of(
        await executor(fake, http).chat(ChatRequest({**CHAT, "tools": [], "stream": True}))
    )
    text = "".join(
        c["delta"].get("content") or ""
        for e in events
        if isinstance(e.data, dict)
        for c in e.data.get("choices", [])
    )
    assert text == "plain text answer"
    finish = [
        c["finish_reason"]
        for e in events
        if isinstance(e.data, dict)
        for c in e.data.get("choices", [])
        if c.get("finish_reason")
    ]
    assert finish == ["stop"]
    assert events[-1].data == "[DONE]"


async def test_throttling_before_any_text_is_raised_from_chat(
    fake: KiroFake, http: UpstreamHttp
) -> None:
    fake.reply_with(fake.frames_reply([exception_frame("ThrottlingException", "Too many")]))
    with pytest.raises(RateLimited) as caught:
        await executor(fake, http).chat(ChatRequest({**ANTHROPIC, "stream": True}))
    assert "Too many" in str(caught.value)


async def test_exception_mid_stream_is_raised_by_the_iterator(
    fake: KiroFake, http: UpstreamHttp
) -> None:
    frames = [
        event_frame("assistantResponseEvent", {"content": "Half an "}),
        exception_frame("InternalServerException", "boom"),
    ]
    fake.reply_with(fake.frames_reply(frames))
    response = await executor(fake, http).chat(ChatRequest({**ANTHROPIC, "stream": True}))
    assert isinstance(response, ChatStream)
    seen: list[SSEEvent] = []
    with pytest.raises(UpstreamError) as caught:
        await drain(response.events, seen)
    assert caught.value.upstream_status == 500
    assert any("Half an " in str(e.data) for e in seen)


async def test_invalid_token_is_a_403_without_the_token(fake: KiroFake, http: UpstreamHttp) -> None:
    fake.accept_only("someone-else")
    with pytest.raises(UpstreamError) as caught:
        await executor(fake, http).chat(ChatRequest(ANTHROPIC))
    assert caught.value.upstream_status == 403
    assert TOKEN not in str(caught.value)


async def test_empty_and_corrupt_event_streams_are_transport_errors(
    fake: KiroFake, http: UpstreamHttp
) -> None:
    fake.reply_with(fake.frames_reply([]))
    with pytest.raises(TransportError):
        await executor(fake, http).chat(ChatRequest(ANTHROPIC))
    broken = bytearray(event_frame("assistantResponseEvent", {"content": "x"}))
    broken[-1] ^= 0xFF
    fake.reply_with(fake.frames_reply([bytes(broken)]))
    with pytest.raises(TransportError, match="checksum"):
        await executor(fake, http).chat(ChatRequest(ANTHROPIC))


async def test_api_key_mode_sends_the_key_as_bearer_without_profile(
    fake: KiroFake, http: UpstreamHttp
) -> None:
    fake.accept_only("kiro-key-1")
    settings = Settings(providers={K: ProviderConfig(api_key="kiro-key-1", base_url=fake.url)})
    ex = KiroExecutor(K, settings, ConfigCredentials(settings), http)
    await ex.chat(ChatRequest(ANTHROPIC, format=WireFormat.ANTHROPIC))
    fake.last_request.assert_header("authorization", "Bearer kiro-key-1")
    assert "profileArn" not in fake.last_request.json()


def test_base_url_resolution(http: UpstreamHttp) -> None:
    oauth = Credential(upstream="kiro", id="active", kind="oauth")
    default = KiroExecutor(K, Settings(), ConfigCredentials(Settings()), http)
    assert default.api_base(oauth, "us-east-1") == "https://q.us-east-1.amazonaws.com"
    assert default.api_base(oauth, "eu-central-1") == "https://q.eu-central-1.amazonaws.com"
    overridden = Settings(endpoints=Endpoints(kiro_api="http://127.0.0.1:9/"))
    ex = KiroExecutor(K, overridden, ConfigCredentials(overridden), http)
    assert ex.api_base(oauth, "us-east-1") == "http://127.0.0.1:9"
