"""CopilotExecutor against the fake GitHub token exchange, quota endpoint and Copilot chat API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_config import Endpoints, ProviderConfig, Settings
from byokey_provider import ConfigCredentials, UpstreamHttp
from byokey_provider._copilot import CopilotExecutor, has_image, initiator
from byokey_provider._copilot_token import REFRESH_MARGIN, parse_exchange
from byokey_provider._executors import EXECUTORS
from byokey_provider._version_store import VersionInfo, VersionStore
from byokey_types import (
    AccountInfo,
    AuthError,
    ByokError,
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    TokenNotFound,
    UpstreamError,
    WireFormat,
)
from tests.fakes.copilot import CopilotFake
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import FakeServer

C = ProviderId.COPILOT
ALICE, BOB, CAROL = "gho_alice_github_token_1", "gho_bob_github_token_22", "gho_carol_github_token3"
HELLO = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


class Accounts:
    """A token source with a GitHub token per account (and an active one)."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is C
        key = account or next(iter(self.tokens))
        if key not in self.tokens:
            raise TokenNotFound(provider)
        return OAuthToken(self.tokens[key], token_type="bearer")

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]:
        return [AccountInfo(a, is_active=i == 0) for i, a in enumerate(self.tokens)]


@pytest.fixture
def http(pool: UpstreamHttp) -> UpstreamHttp:
    return pool


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[CopilotFake]:
    with FakeServer("copilot") as server:
        yield CopilotFake(server, clock=clock)


@pytest.fixture
def alice(fake: CopilotFake, http: UpstreamHttp, clock: Clock) -> CopilotExecutor:
    """An executor for one GitHub account (alice) that the fake knows."""
    fake.add_account(ALICE)
    return executor(fake, http, clock)


def settings_for(fake: CopilotFake, **provider: Any) -> Settings:
    return Settings(
        providers={C: ProviderConfig(**provider)} if provider else {},
        endpoints=Endpoints(copilot_token_exchange=fake.exchange_url, copilot_user=fake.user_url),
    )


def executor(
    fake: CopilotFake,
    http: UpstreamHttp,
    clock: Clock,
    tokens: dict[str, str] | None = None,
    *,
    settings: Settings | None = None,
    versions: VersionStore | None = None,
) -> CopilotExecutor:
    s = settings or settings_for(fake)
    source = ConfigCredentials(s, Accounts(tokens or {"alice": ALICE}))
    return CopilotExecutor(C, s, source, http, clock=clock, versions=versions)


def text_of(events: list[Any]) -> str:
    out = []
    for e in events:
        if isinstance(e.data, dict):
            for choice in e.data.get("choices", []):
                out.append(choice.get("delta", {}).get("content") or "")
    return "".join(out)


# ---------------------------------------------------------------- wire shape


def test_registered() -> None:
    assert EXECUTORS[C] is CopilotExecutor


async def test_exchange_then_chat_with_vscode_identity(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.chat.reply_with("Hello from Copilot.")
    answer = await executor(fake, http, clock).chat(ChatRequest(HELLO))
    assert isinstance(answer, ChatResponse)
    assert answer.body["choices"][0]["message"]["content"] == "Hello from Copilot."

    (exchange,) = fake.exchanges
    assert exchange.method == "GET"
    exchange.assert_header("authorization", f"token {ALICE}")
    exchange.assert_header("accept", "application/json")
    exchange.assert_header("user-agent", "GitHubCopilotChat/0.35.0")
    exchange.assert_header("editor-version", "vscode/1.107.0")
    exchange.assert_header("editor-plugin-version", "copilot-chat/0.35.0")

    (chat,) = fake.chats
    assert chat.path == "/chat/completions"
    (issued,) = fake.issued_tokens()
    chat.assert_header("authorization", f"Bearer {issued}")
    for name, value in {
        "content-type": "application/json",
        "accept": "application/json",
        "accept-encoding": "identity",
        "user-agent": "GitHubCopilotChat/0.35.0",
        "editor-version": "vscode/1.107.0",
        "editor-plugin-version": "copilot-chat/0.35.0",
        "openai-intent": "conversation-panel",
        "copilot-integration-id": "vscode-chat",
        "x-github-api-version": "2025-04-01",
        "x-initiator": "user",
    }.items():
        chat.assert_header(name, value)
    chat.assert_no_header("copilot-vision-request")
    assert chat.json() == {**HELLO, "stream": False}


async def test_agent_initiator_vision_header_and_fetched_versions(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    versions = VersionStore(
        {C: VersionInfo(editor_version="vscode/9.9.9", plugin_version="copilot-chat/9.9")}
    )
    body = {
        "model": "gpt-4.1",
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,x"}}]},
            {"role": "assistant", "content": "I see a cat."},
            {"role": "user", "content": "and now?"},
        ],
    }
    await executor(fake, http, clock, versions=versions).chat(ChatRequest(body))
    chat = fake.chats[-1]
    chat.assert_header("x-initiator", "agent")
    chat.assert_header("copilot-vision-request", "true")
    chat.assert_header("editor-version", "vscode/9.9.9")
    chat.assert_header("editor-plugin-version", "copilot-chat/9.9")
    fake.exchanges[-1].assert_header("editor-version", "vscode/9.9.9")


def test_initiator_and_image_detection() -> None:
    assert initiator({"messages": [{"role": "system", "content": "s"}, {"role": "user"}]}) == "user"
    assert initiator({"messages": [{"role": "tool", "content": "42"}]}) == "agent"
    assert initiator({}) == "user"
    assert not has_image({"messages": [{"role": "user", "content": [{"type": "text"}]}]})
    assert not has_image({"messages": "nonsense"})


async def test_stream_split_at_every_byte(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.chat.reply_with("Grüße aus dem Kopiloten — 你好 🚀")
    fake.chat.shape_streams(split="every_byte")
    answer = await executor(fake, http, clock).chat(ChatRequest({**HELLO, "stream": True}))
    assert isinstance(answer, ChatStream)
    events = [e async for e in answer.events]
    assert text_of(events) == "Grüße aus dem Kopiloten — 你好 🚀"
    assert events[-1].data == "[DONE]"
    assert any(isinstance(e.data, dict) and e.data.get("usage") for e in events)
    chat = fake.chats[-1]
    chat.assert_header("accept", "text/event-stream")
    assert chat.json()["stream_options"] == {"include_usage": True}


async def test_anthropic_client_is_translated(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.chat.reply_with("bonjour")
    body = {
        "model": "claude-sonnet-4",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
    }
    answer = await executor(fake, http, clock).chat(ChatRequest(body, format=WireFormat.ANTHROPIC))
    assert isinstance(answer, ChatResponse)
    assert answer.format is WireFormat.ANTHROPIC
    assert answer.body["content"][0]["text"] == "bonjour"
    assert fake.chats[-1].json()["messages"][-1]["role"] == "user"


# ------------------------------------------------------------ token caching


async def test_one_exchange_serves_many_requests(
    fake: CopilotFake, clock: Clock, alice: CopilotExecutor
) -> None:
    ex = alice
    for _ in range(4):
        await ex.chat(ChatRequest(HELLO))
    await asyncio.gather(*(ex.chat(ChatRequest(HELLO)) for _ in range(5)))
    assert len(fake.exchanges) == 1
    assert len(fake.chats) == 9
    assert len({c.bearer() for c in fake.chats}) == 1


async def test_concurrent_first_requests_share_one_exchange(
    fake: CopilotFake, clock: Clock, alice: CopilotExecutor
) -> None:
    ex = alice
    answers = await asyncio.gather(*(ex.chat(ChatRequest(HELLO)) for _ in range(6)))
    assert len(answers) == 6
    assert len(fake.exchanges) == 1
    assert ex.tokens.exchanges == 1


async def test_token_is_exchanged_again_before_it_expires(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.refresh_in = None  # only expires_at (now + 1800) tells the lifetime
    ex = executor(fake, http, clock)
    await ex.chat(ChatRequest(HELLO))
    clock.now += 1800 - REFRESH_MARGIN - 1
    await ex.chat(ChatRequest(HELLO))
    assert len(fake.exchanges) == 1
    clock.now += 2  # inside the margin: refresh before the token dies
    await ex.chat(ChatRequest(HELLO))
    assert len(fake.exchanges) == 2
    first, _, last = (c.bearer() for c in fake.chats)
    assert first != last


async def test_refresh_in_is_honoured(fake: CopilotFake, http: UpstreamHttp, clock: Clock) -> None:
    fake.add_account(ALICE)
    fake.refresh_in = 600
    ex = executor(fake, http, clock)
    await ex.chat(ChatRequest(HELLO))
    clock.now += 599
    await ex.chat(ChatRequest(HELLO))
    clock.now += 2
    await ex.chat(ChatRequest(HELLO))
    assert len(fake.exchanges) == 2


async def test_401_from_chat_exchanges_again_and_resends_once(
    fake: CopilotFake, clock: Clock, alice: CopilotExecutor
) -> None:
    ex = alice
    await ex.chat(ChatRequest(HELLO))
    fake.revoke_issued()
    answer = await ex.chat(ChatRequest(HELLO))
    assert isinstance(answer, ChatResponse)
    assert len(fake.exchanges) == 2
    assert len(fake.chats) == 3
    assert fake.chats[1].bearer() != fake.chats[2].bearer()


async def test_persistent_401_is_retried_only_once(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.chat.fail_next(401, "unauthorized", times=5)
    with pytest.raises(UpstreamError) as caught:
        await executor(fake, http, clock).chat(ChatRequest(HELLO))
    assert caught.value.status == 401
    assert len(fake.chats) == 2
    assert len(fake.exchanges) == 2


@given(
    lifetime=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    refresh_in=st.one_of(st.none(), st.integers(min_value=-10, max_value=10**6)),
    margin=st.floats(min_value=0, max_value=1e4, allow_nan=False),
)
def test_refresh_time_lies_between_now_and_expiry(
    lifetime: float, refresh_in: int | None, margin: float
) -> None:
    now = 1_700_000_000.0
    body: dict[str, Any] = {"token": "tid=x", "expires_at": now + lifetime}
    if refresh_in is not None:
        body["refresh_in"] = refresh_in
    token = parse_exchange(body, now=now, margin=margin)
    assert now <= token.refresh_at <= token.expires_at
    assert "tid=x" not in repr(token)


def test_exchange_answer_without_expiry_or_endpoint() -> None:
    token = parse_exchange({"token": "t", "copilot_plan": "copilot_free"}, now=100.0)
    assert token.expires_at == 1600.0
    assert token.api_base is None
    assert not token.is_pro
    pro = parse_exchange({"token": "t", "endpoints": {"api": "https://api.x.com/"}}, now=0)
    assert pro.is_pro and pro.api_base == "https://api.x.com"
    with pytest.raises(AuthError, match="missing token"):
        parse_exchange({"expires_at": 5}, now=0)


# --------------------------------------------------------------- addresses


async def test_api_key_is_the_copilot_token_without_exchange(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.api_keys.add("ghu_copilot_api_key")
    s = settings_for(fake, api_key="ghu_copilot_api_key", base_url=fake.url + "/")
    await executor(fake, http, clock, settings=s).chat(ChatRequest(HELLO))
    assert fake.exchanges == []
    fake.chats[-1].assert_header("authorization", "Bearer ghu_copilot_api_key")
    fake.chats[-1].assert_header("copilot-integration-id", "vscode-chat")


async def test_configured_api_base_wins_over_the_exchange_answer(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    with FakeServer("relay") as relay_server:
        relay = OpenAIFake(relay_server, prefix="")
        s = Settings(
            endpoints=Endpoints(
                copilot_token_exchange=fake.exchange_url, copilot_api=relay_server.url + "/"
            )
        )
        await executor(fake, http, clock, settings=s).chat(ChatRequest(HELLO))
        assert fake.chats == []
        assert relay.last_request.bearer() == fake.issued_tokens()[0]
        relay.last_request.assert_header("editor-version", "vscode/1.107.0")


async def test_exchange_answer_names_the_api_host(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    with FakeServer("individual") as other:
        fake.api_base = other.url
        relay = OpenAIFake(other, prefix="")
        await executor(fake, http, clock).chat(ChatRequest(HELLO))
        assert fake.chats == []
        assert len(relay.chat_requests) == 1


# ------------------------------------------------------------------ errors


async def test_unknown_github_token_is_an_auth_error(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    with pytest.raises(AuthError) as caught:
        await executor(fake, http, clock).chat(ChatRequest(HELLO))
    err = caught.value
    assert err.status == 401
    assert "HTTP 401" in str(err) and "Bad credentials" in str(err)
    assert ALICE not in str(err) and ALICE not in repr(err)
    assert fake.chats == []


async def test_exchange_echoing_the_token_is_scrubbed(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.fail_exchange_next(403, f"token {ALICE} has no Copilot seat")
    with pytest.raises(AuthError) as caught:
        await executor(fake, http, clock).chat(ChatRequest(HELLO))
    assert ALICE not in str(caught.value) and ALICE not in repr(caught.value)
    assert "no Copilot seat" in str(caught.value)


async def test_exchange_server_error_stays_retryable(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE)
    fake.fail_exchange_next(502, "bad gateway")
    ex = executor(fake, http, clock)
    with pytest.raises(UpstreamError) as caught:
        await ex.chat(ChatRequest(HELLO))
    assert caught.value.is_retryable() and caught.value.status == 502
    clock.now += 3600  # past the cooldown
    assert isinstance(await ex.chat(ChatRequest(HELLO)), ChatResponse)


async def test_chat_errors_keep_their_status_and_hide_tokens(
    fake: CopilotFake, clock: Clock, alice: CopilotExecutor
) -> None:
    ex = alice
    await ex.chat(ChatRequest(HELLO))
    (issued,) = fake.issued_tokens()
    fake.chat.fail_next(400, f"model not supported for token {issued}")
    with pytest.raises(UpstreamError) as caught:
        await ex.chat(ChatRequest(HELLO))
    assert caught.value.status == 400 and not caught.value.is_retryable()
    for secret in (issued, ALICE):
        assert secret not in str(caught.value) and secret not in repr(caught.value)


async def test_missing_identity_headers_would_be_rejected(fake: CopilotFake) -> None:
    # The fake enforces what Copilot enforces, so the header assertions above mean something.
    import httpx

    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{fake.url}/chat/completions", json=HELLO)
    assert answer.status_code == 400 and "editor-version" in answer.text


# ------------------------------------------------------------ quota choice


async def test_account_with_most_premium_quota_is_used(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE, percent_remaining=10)
    fake.add_account(BOB, percent_remaining=90)
    fake.add_account(CAROL, quota_status=500)  # unknown: scores 50
    ex = executor(fake, http, clock, {"alice": ALICE, "bob": BOB, "carol": CAROL})
    await ex.chat(ChatRequest(HELLO))
    assert {r.headers["authorization"] for r in fake.quota_reads} == {
        f"token {t}" for t in (ALICE, BOB, CAROL)
    }
    fake.exchanges[-1].assert_header("authorization", f"token {BOB}")
    assert ex.balancer.current == "bob"
    # Sticky: the next requests stay on bob without reading quotas again.
    for _ in range(3):
        await ex.chat(ChatRequest(HELLO))
    assert len(fake.quota_reads) == 3
    assert {e.headers["authorization"] for e in fake.exchanges} == {f"token {BOB}"}


async def test_unlimited_beats_percentages_and_ties_keep_account_order(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE, percent_remaining=100)
    fake.add_account(BOB, unlimited=True, percent_remaining=0)
    ex = executor(fake, http, clock, {"alice": ALICE, "bob": BOB})
    await ex.chat(ChatRequest(HELLO))
    assert ex.balancer.current == "bob"

    tied = executor(fake, http, clock, {"carol": CAROL, "alice": ALICE})
    fake.add_account(CAROL, percent_remaining=100)
    await tied.chat(ChatRequest(HELLO))
    assert tied.balancer.current == "carol"


async def test_rate_limited_account_fails_over_by_quota_and_is_reread(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE, percent_remaining=10)
    fake.add_account(BOB, percent_remaining=90)
    fake.add_account(CAROL, percent_remaining=40)
    ex = executor(fake, http, clock, {"alice": ALICE, "bob": BOB, "carol": CAROL})
    await ex.chat(ChatRequest(HELLO))
    fake.chat.rate_limit_next(retry_after=60)
    await ex.chat(ChatRequest(HELLO))  # bob 429 -> carol (40) before alice (10)
    assert fake.exchanges[-1].headers["authorization"] == f"token {CAROL}"
    reads_before = len(fake.quota_reads)
    fake.accounts[BOB].percent_remaining = 0
    await ex.chat(ChatRequest(HELLO))  # re-ranked: bob's quota is read again, bob cools down
    assert len(fake.quota_reads) == reads_before + 1
    assert fake.quota_reads[-1].headers["authorization"] == f"token {BOB}"
    assert ex.balancer.current == "carol"
    assert fake.chats[-1].bearer() == fake.chats[-2].bearer()


async def test_stale_quotas_are_read_again_after_the_ttl(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE, percent_remaining=90)
    fake.add_account(BOB, percent_remaining=20)
    ex = executor(fake, http, clock, {"alice": ALICE, "bob": BOB})
    await ex.chat(ChatRequest(HELLO))
    assert ex.balancer.current == "alice"
    fake.accounts[ALICE].percent_remaining = 5
    clock.now += 301
    await ex.chat(ChatRequest(HELLO))
    assert ex.balancer.current == "bob"
    assert len(fake.quota_reads) == 4


async def test_a_pinned_account_skips_the_ranking(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    fake.add_account(ALICE, percent_remaining=1)
    fake.add_account(BOB, percent_remaining=99)
    ex = executor(fake, http, clock, {"alice": ALICE, "bob": BOB})
    await ex.chat(ChatRequest(HELLO, account_id="alice"))
    assert fake.quota_reads == []
    fake.exchanges[-1].assert_header("authorization", f"token {ALICE}")


async def test_every_account_failing_is_reported_without_tokens(
    fake: CopilotFake, http: UpstreamHttp, clock: Clock
) -> None:
    ex = executor(fake, http, clock, {"alice": ALICE, "bob": BOB})  # GitHub knows neither
    with pytest.raises(ByokError) as caught:
        await ex.chat(ChatRequest(HELLO))
    text = f"{caught.value} {caught.value!r}"
    assert ALICE not in text and BOB not in text
    assert len(fake.exchanges) == 2
