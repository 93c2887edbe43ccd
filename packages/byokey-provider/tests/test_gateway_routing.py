"""Routing through the gateway against a real fake upstream, with an injectable clock:
rotation, 429 with Retry-After, exhausted credentials, fallback provider, failures before
and after the first byte, backoff growth, 401 cooldown, manual reset."""

from __future__ import annotations

from typing import Any

import pytest

from byokey_config import ProviderConfig, RoutingStrategy, Settings
from byokey_provider import (
    ConfigCredentials,
    CredentialsExhausted,
    ProviderGateway,
    Timeouts,
    UpstreamHttp,
)
from byokey_types import (
    ChatRequest,
    ChatResponse,
    ChatStream,
    ProviderId,
    ProviderUnavailable,
    RateLimited,
    SSEEvent,
    TokenNotFound,
    TransportError,
    UpstreamError,
    UpstreamTimeout,
)
from tests.fakes.content import answer
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import Drop, FakeServer, Sse, Stall

Q = ProviderId.QWEN
K = ProviderId.KIMI
MODEL = "qwen3-max"


@pytest.fixture
def build(
    openai_fake: OpenAIFake,
    pool: UpstreamHttp,
    clock: Any,
    chat_executor: Any,
    make_keys: Any,
    make_settings: Any,
) -> Any:
    """``build(*key_names, strategy=..., fallback=..., tokens=..., http=...)`` -> gateway."""

    def make(
        *names: str,
        strategy: RoutingStrategy = RoutingStrategy.ROUND_ROBIN,
        fallback: ProviderId | None = None,
        tokens: Any = None,
        http: UpstreamHttp | None = None,
        executors: Any = None,
    ) -> ProviderGateway:
        providers = {
            Q: ProviderConfig(
                api_keys=make_keys(*names), base_url=openai_fake.base_url, fallback=fallback
            ),
            K: ProviderConfig(api_key="sk-kimi-secretvalue", base_url=openai_fake.base_url),
        }
        settings: Settings = make_settings(providers, strategy=strategy)
        return ProviderGateway(
            settings,
            ConfigCredentials(settings, tokens),
            http or pool,
            executors={Q: chat_executor, K: chat_executor} if executors is None else executors,
            clock=clock,
        )

    return make


def req(model: str = MODEL, *, stream: bool = False, account: str | None = None) -> ChatRequest:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "Hi"}]}
    if stream:
        body["stream"] = True
    return ChatRequest(body, account_id=account)


def bearers(fake: OpenAIFake) -> list[str | None]:
    return [r.bearer() for r in fake.chat_requests]


async def drain(stream: ChatStream, into: list[SSEEvent]) -> None:
    async for event in stream.events:
        into.append(event)


def key(name: str) -> str:
    return f"sk-{name}-secretvalue"


async def test_round_robin_rotation_and_priority(openai_fake: OpenAIFake, build: Any) -> None:
    gw = build("k1", "k2", "k3")
    accounts = [(await gw.chat(req())).account_id for _ in range(4)]
    assert accounts == ["k1", "k2", "k3", "k1"]
    assert bearers(openai_fake) == [key("k1"), key("k2"), key("k3"), key("k1")]
    openai_fake.server.clear()
    gw = build("k1", "k2", strategy=RoutingStrategy.PRIORITY)
    assert [(await gw.chat(req())).account_id for _ in range(3)] == ["k1", "k1", "k1"]


async def test_429_with_retry_after_fails_over_and_cools_that_long(
    openai_fake: OpenAIFake, build: Any, clock: Any
) -> None:
    gw = build("k1", "k2", strategy=RoutingStrategy.PRIORITY)
    openai_fake.rate_limit_next(retry_after=20)
    routed = await gw.chat(req())
    assert routed.account_id == "k2"
    assert bearers(openai_fake) == [key("k1"), key("k2")]
    ex = gw.executor("qwen")
    assert ex is not None and ex.cooldowns.ready_in("k1", MODEL) == 20
    assert (await gw.chat(req())).account_id == "k2"
    clock.advance(20)
    assert (await gw.chat(req())).account_id == "k1"


async def test_exhausted_credentials_give_a_clear_429_without_calling_upstream(
    openai_fake: OpenAIFake, build: Any, clock: Any
) -> None:
    gw = build("k1", "k2")
    openai_fake.rate_limit_next(retry_after=30, times=2)
    with pytest.raises(CredentialsExhausted) as first:
        await gw.chat(req())
    assert first.value.status == 429 and first.value.retry_after == 30
    assert len(openai_fake.chat_requests) == 2
    with pytest.raises(CredentialsExhausted) as second:
        await gw.chat(req())
    assert second.value.status == 429 and second.value.retry_after == 30
    assert len(openai_fake.chat_requests) == 2  # nobody was asked
    assert "qwen" in second.value.client_message
    # another model is not rate limited on these keys
    assert (await gw.chat(req("qwen3-32b"))).account_id in ("k1", "k2")


async def test_all_credentials_failing_with_5xx_give_503(
    openai_fake: OpenAIFake, build: Any
) -> None:
    gw = build("k1", "k2")
    openai_fake.fail_next(503, "overloaded", times=2)
    with pytest.raises(CredentialsExhausted) as err:
        await gw.chat(req())
    assert err.value.status == 503


async def test_single_key_429_surfaces_the_upstream_error(
    openai_fake: OpenAIFake, build: Any, clock: Any
) -> None:
    gw = build("k1")
    openai_fake.rate_limit_next(retry_after=5)
    with pytest.raises(RateLimited) as err:
        await gw.chat(req())
    assert err.value.retry_after == 5 and key("k1") not in str(err.value)


async def test_backoff_grows_on_repeated_429(
    openai_fake: OpenAIFake, build: Any, clock: Any
) -> None:
    gw = build("k1")
    ex = gw.executor("qwen")
    assert ex is not None
    seen = []
    for _ in range(5):
        openai_fake.fail_next(429, "slow down")
        with pytest.raises(RateLimited):
            await gw.chat(req())
        wait = ex.cooldowns.ready_in("k1", MODEL)
        seen.append(wait)
        clock.advance(wait)
    assert seen == [1, 2, 4, 8, 16]
    await gw.chat(req())  # success clears the strikes
    openai_fake.fail_next(429, "slow down")
    with pytest.raises(RateLimited):
        await gw.chat(req())
    assert ex.cooldowns.ready_in("k1", MODEL) == 1


async def test_fallback_provider_serves_when_every_key_is_limited(
    openai_fake: OpenAIFake, build: Any
) -> None:
    gw = build("k1", "k2", fallback=K)
    openai_fake.rate_limit_next(retry_after=60, times=2)
    routed = await gw.chat(req())
    assert (routed.provider, routed.model) == ("kimi", MODEL)
    assert bearers(openai_fake) == [key("k1"), key("k2"), "sk-kimi-secretvalue"]
    # still cooling: straight to the fallback, qwen's keys are not asked again
    routed = await gw.chat(req())
    assert routed.provider == "kimi" and len(openai_fake.chat_requests) == 4


async def test_client_errors_are_not_retried(openai_fake: OpenAIFake, build: Any) -> None:
    gw = build("k1", "k2")
    openai_fake.fail_next(400, "bad temperature")
    with pytest.raises(UpstreamError) as err:
        await gw.chat(req())
    assert err.value.status == 400 and len(openai_fake.chat_requests) == 1
    ex = gw.executor("qwen")
    assert ex is not None and ex.cooldowns.cooling() == {}


async def test_mid_stream_failure_is_not_retried(openai_fake: OpenAIFake, build: Any) -> None:
    gw = build("k1", "k2")
    openai_fake.reply_with(answer("a fairly long answer that will be cut", chunk_size=3))
    openai_fake.shape_streams(drop_after=4)
    routed = await gw.chat(req(stream=True))
    assert isinstance(routed.response, ChatStream)
    got: list[SSEEvent] = []
    with pytest.raises(TransportError):
        await drain(routed.response, got)
    assert 1 <= len(got) <= 4
    assert len(openai_fake.chat_requests) == 1
    ex = gw.executor("qwen")
    assert ex is not None and "k1" in ex.cooldowns.cooling()


async def test_failures_before_the_first_event_fail_over(
    openai_fake: OpenAIFake, build: Any
) -> None:
    gw = build("k1", "k2", "k3", strategy=RoutingStrategy.PRIORITY)
    in_band = Sse([{"error": {"type": "rate_limit_error", "message": "slow"}}])
    openai_fake.reply_with(Drop(), in_band)
    routed = await gw.chat(req(stream=True))
    assert routed.account_id == "k3"
    assert isinstance(routed.response, ChatStream)
    events = [e async for e in routed.response.events]
    assert events[-1].data == "[DONE]"
    ex = gw.executor("qwen")
    assert ex is not None and ex.cooldowns.cooling_kind("k2", MODEL) == "rate_limit"


async def test_first_byte_timeout_fails_over(openai_fake: OpenAIFake, build: Any) -> None:
    http = UpstreamHttp(timeouts=Timeouts(connect=5, first_byte=0.3, idle=5))
    try:
        gw = build("k1", "k2", strategy=RoutingStrategy.PRIORITY, http=http)
        openai_fake.reply_with(Stall(30))
        routed = await gw.chat(req())
        assert routed.account_id == "k2" and isinstance(routed.response, ChatResponse)
        ex = gw.executor("qwen")
        assert ex is not None and ex.cooldowns.cooling_kind("k1", MODEL) == "server"
    finally:
        await http.aclose()


async def test_idle_stream_times_out(openai_fake: OpenAIFake, build: Any) -> None:
    http = UpstreamHttp(timeouts=Timeouts(connect=5, first_byte=5, idle=0.3))
    try:
        gw = build("k1", http=http)
        openai_fake.shape_streams(stall=30, stall_after=2)
        routed = await gw.chat(req(stream=True))
        assert isinstance(routed.response, ChatStream)
        with pytest.raises(UpstreamTimeout):
            await drain(routed.response, [])
    finally:
        await http.aclose()


async def test_401_cools_the_key_for_every_model_and_reset_clears_it(
    openai_fake: OpenAIFake, build: Any
) -> None:
    gw = build("k1", "k2", strategy=RoutingStrategy.PRIORITY)
    openai_fake.accept_only(key("k2"))
    assert (await gw.chat(req())).account_id == "k2"
    ex = gw.executor("qwen")
    assert ex is not None
    assert ex.cooldowns.ready_in("k1", "qwen3-32b") == 600
    assert (await gw.chat(req("qwen3-32b"))).account_id == "k2"
    assert len(openai_fake.chat_requests) == 3
    openai_fake.accept_any()
    assert gw.reset_cooldowns(K) == 0
    assert gw.reset_cooldowns(Q) == 1
    assert (await gw.chat(req())).account_id == "k1"


async def test_rate_limits_are_reported_per_provider_and_key(
    openai_fake: OpenAIFake, build: Any
) -> None:
    openai_fake.response_headers = {"x-ratelimit-remaining-requests": "41"}
    gw = build("k1", "k2")
    await gw.chat(req())
    await gw.chat(req())
    snaps = gw.rate_limits()
    assert list(snaps) == [Q]
    assert set(snaps[Q]) == {"k1", "k2"}
    assert snaps[Q]["k1"].remaining() == 41


async def test_pinned_account(openai_fake: OpenAIFake, build: Any) -> None:
    gw = build("k1", "k2", "k3")
    assert (await gw.chat(req(account="k3"))).account_id == "k3"
    assert bearers(openai_fake) == [key("k3")]
    with pytest.raises(TokenNotFound):
        await gw.chat(req(account="nobody"))


async def test_oauth_accounts_from_the_token_source(
    openai_fake: OpenAIFake, build: Any, fake_tokens: Any
) -> None:
    tokens = fake_tokens({(Q, None): "oauth-access-token-qwen"})
    gw = build(tokens=tokens)
    routed = await gw.chat(req())
    assert routed.account_id == "active"
    assert bearers(openai_fake) == ["oauth-access-token-qwen"]
    with pytest.raises(TokenNotFound):
        await build(tokens=fake_tokens({})).chat(req())


async def test_provider_without_an_executor_is_unavailable(build: Any) -> None:
    gw = build("k1", executors={})
    with pytest.raises(ProviderUnavailable) as err:
        await gw.chat(req())
    assert err.value.status == 503


async def test_gateway_surface(build: Any) -> None:
    gw = build("k1")
    assert len(gw.list_models()) == 81
    assert gw.supported_models(Q)[:2] == ["qwen3-coder-plus", "qwen3-235b-a22b"]
    assert gw.supported_models(ProviderId.AMP) == []
    tokens = await gw.count_tokens(req())
    assert tokens >= 1


async def test_per_provider_proxy_url(
    pool: UpstreamHttp, chat_executor: Any, make_settings: Any, clock: Any
) -> None:
    target = "http://127.0.0.1:9/v1/chat/completions"
    with FakeServer("proxy") as proxy:
        fake = OpenAIFake(proxy, prefix="http://127.0.0.1:9/v1")
        settings = make_settings(
            {
                Q: ProviderConfig(
                    api_key=key("k1"), base_url="http://127.0.0.1:9/v1", proxy_url=proxy.url
                )
            }
        )
        gw = ProviderGateway(
            settings, ConfigCredentials(settings), pool, executors={Q: chat_executor}, clock=clock
        )
        routed = await gw.chat(req())
        assert isinstance(routed.response, ChatResponse)
        assert fake.last_request.target == target


async def test_fallback_covers_a_provider_without_an_executor(
    openai_fake: OpenAIFake, build: Any, chat_executor: Any
) -> None:
    gw = build("k1", fallback=K, executors={K: chat_executor})
    routed = await gw.chat(req())
    assert routed.provider == "kimi"
    assert bearers(openai_fake) == ["sk-kimi-secretvalue"]
