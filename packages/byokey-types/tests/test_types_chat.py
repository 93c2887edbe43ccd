from collections.abc import AsyncIterator
from typing import Any

import pytest

from byokey_types import (
    AccountInfo,
    ChatRequest,
    ChatResponse,
    ChatStream,
    InvalidRequest,
    OAuthToken,
    ProviderExecutor,
    ProviderId,
    ProviderResponse,
    SSEEvent,
    TokenStore,
    UsageBucket,
    UsageRecord,
    UsageStore,
    WireFormat,
)


def test_wire_format_values() -> None:
    assert [f.value for f in WireFormat] == [
        "openai",
        "openai_responses",
        "anthropic",
        "gemini",
        "gemini_cloudcode",
    ]
    assert WireFormat("anthropic") is WireFormat.ANTHROPIC


def test_chat_request_properties() -> None:
    req = ChatRequest(
        {"model": "claude-sonnet-4", "messages": [], "stream": True}, WireFormat.ANTHROPIC
    )
    assert req.model == "claude-sonnet-4" and req.stream
    assert not ChatRequest({"model": "m", "stream": "yes"}).stream
    # Gemini native carries the model in the URL, not the body.
    assert ChatRequest({"contents": []}, WireFormat.GEMINI).model == ""


def test_chat_request_needs_a_model() -> None:
    with pytest.raises(InvalidRequest) as info:
        ChatRequest({"messages": []})
    assert info.value.field == "model"


class _Executor:
    @property
    def provider(self) -> ProviderId:
        return ProviderId.CLAUDE

    async def chat(self, request: ChatRequest) -> ProviderResponse:
        if not request.stream:
            return ChatResponse({"id": "x"}, request.format)

        async def events() -> AsyncIterator[SSEEvent]:
            yield SSEEvent(None, {"choices": []})
            yield SSEEvent(None, "[DONE]")

        return ChatStream(events())

    def supported_models(self) -> list[str]:
        return ["claude-sonnet-4"]


class _Store:
    async def load(self, provider: ProviderId) -> OAuthToken | None:
        return None

    async def save(self, provider: ProviderId, token: OAuthToken) -> None:
        return None

    async def remove(self, provider: ProviderId) -> None:
        return None

    async def load_account(self, provider: ProviderId, account_id: str) -> OAuthToken | None:
        return None

    async def save_account(
        self, provider: ProviderId, account_id: str, label: str | None, token: OAuthToken
    ) -> None:
        return None

    async def remove_account(self, provider: ProviderId, account_id: str) -> None:
        return None

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]:
        return []

    async def set_active(self, provider: ProviderId, account_id: str) -> None:
        return None

    async def load_all_tokens(self, provider: ProviderId) -> list[tuple[str, OAuthToken]]:
        return []


class _Usage:
    async def record(self, record: UsageRecord) -> None:
        return None

    async def query(
        self, start: int, end: int, *, model: str | None = None, bucket_secs: int = 3600
    ) -> list[UsageBucket]:
        return []

    async def totals(self, start: int | None = None, end: int | None = None) -> list[UsageBucket]:
        return []


async def test_protocols_are_structural() -> None:
    ex: ProviderExecutor = _Executor()
    store: TokenStore = _Store()
    usage: UsageStore = _Usage()
    assert isinstance(ex, ProviderExecutor)
    assert isinstance(store, TokenStore)
    assert isinstance(usage, UsageStore)
    assert not isinstance(object(), TokenStore)

    done = await ex.chat(ChatRequest({"model": "m", "messages": []}))
    assert isinstance(done, ChatResponse) and done.status == 200
    streamed = await ex.chat(ChatRequest({"model": "m", "messages": [], "stream": True}))
    assert isinstance(streamed, ChatStream)
    got: list[Any] = [ev async for ev in streamed.events]
    assert got[-1] == SSEEvent(None, "[DONE]")


def test_usage_record_defaults() -> None:
    r = UsageRecord("m", "claude", 10, 5)
    assert r.success and r.account_id is None and r.cache_read_tokens == 0
