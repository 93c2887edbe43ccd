"""Shared test helpers of byokey-provider: a controllable clock, settings builders, the
HTTP pool, an OpenAI fake, and a minimal built-in executor that speaks Chat Completions.

Fixture names are prefixed-free but specific (``clock``, ``pool``, ``openai_fake``);
executor test modules of other providers may use them too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from byokey_config import ApiKeyEntry, ProviderConfig, RoutingStrategy, Settings
from byokey_provider import (
    Credential,
    Executor,
    Timeouts,
    UpstreamHttp,
    UpstreamRequest,
    chat_completions_body,
    chat_completions_headers,
)
from byokey_types import OAuthToken, ProviderId, ProviderResponse, TokenNotFound, WireFormat
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import FakeServer


class FakeClock:
    """Wall-clock stand-in: only moves when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeTokens:
    """A token source with canned tokens per (provider, account)."""

    def __init__(self, tokens: dict[tuple[ProviderId, str | None], str]) -> None:
        self.tokens = tokens
        self.calls: list[tuple[ProviderId, str | None]] = []

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        self.calls.append((provider, account))
        found = self.tokens.get((provider, account))
        if found is None:
            raise TokenNotFound(provider)
        return OAuthToken(access_token=found)

    async def is_authenticated(self, provider: ProviderId, account: str | None = None) -> bool:
        return (provider, account) in self.tokens


class ChatExecutor(Executor):
    """The smallest real built-in executor: Chat Completions at ``{base}/chat/completions``."""

    upstream_format = WireFormat.OPENAI

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        response = await self.post(
            f"{self.base_url(credential)}/chat/completions",
            credential=credential,
            secret=secret,
            headers=chat_completions_headers(secret, stream=request.stream),
            json=chat_completions_body(request),
        )
        return await self.respond(response, stream=request.stream)


def keys(*names: str, base_url: str | None = None, **weights: int) -> tuple[ApiKeyEntry, ...]:
    """API key entries labelled by their own names (``k1`` -> label ``k1``)."""
    return tuple(
        ApiKeyEntry(
            api_key=f"sk-{n}-secretvalue", label=n, base_url=base_url, weight=weights.get(n, 1)
        )
        for n in names
    )


def settings_with(
    providers: dict[ProviderId, ProviderConfig] | None = None,
    *,
    strategy: RoutingStrategy = RoutingStrategy.ROUND_ROBIN,
    **kwargs: Any,
) -> Settings:
    from byokey_config import RoutingConfig

    return Settings(providers=providers or {}, routing=RoutingConfig(strategy=strategy), **kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def upstream_server() -> Iterator[FakeServer]:
    with FakeServer("openai") as server:
        yield server


@pytest.fixture
def openai_fake(upstream_server: FakeServer) -> OpenAIFake:
    return OpenAIFake(upstream_server)


@pytest.fixture
async def pool() -> AsyncIterator[UpstreamHttp]:
    http = UpstreamHttp(timeouts=Timeouts(connect=5, first_byte=10, idle=10))
    try:
        yield http
    finally:
        await http.aclose()


# With ``--import-mode=importlib`` test modules cannot import this file, so the
# helpers above are handed out as fixtures.


@pytest.fixture
def chat_executor() -> type[ChatExecutor]:
    return ChatExecutor


@pytest.fixture
def make_keys() -> Any:
    return keys


@pytest.fixture
def make_settings() -> Any:
    return settings_with


@pytest.fixture
def fake_tokens() -> type[FakeTokens]:
    return FakeTokens
