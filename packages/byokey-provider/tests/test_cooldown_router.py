"""Cooldown arithmetic and credential ordering, with an injectable clock (no sleeps)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from byokey_config import RoutingStrategy
from byokey_provider import CooldownBook, CooldownPolicy, Credential, CredentialRouter, classify
from byokey_types import (
    AuthError,
    InvalidRequest,
    RateLimited,
    TokenNotFound,
    TransportError,
    UpstreamError,
)


def creds(*ids: str, **weights: int) -> list[Credential]:
    return [
        Credential("qwen", i, "api_key", secret=f"s-{i}", weight=weights.get(i, 1)) for i in ids
    ]


def test_classification() -> None:
    assert classify(RateLimited("x")) == "rate_limit"
    assert classify(UpstreamError(401)) == "auth"
    assert classify(UpstreamError(403)) == "auth"
    assert classify(AuthError("bad")) == "auth"
    assert classify(UpstreamError(503)) == "server"
    assert classify(TransportError("reset")) == "server"
    assert classify(TokenNotFound("claude")) == "missing"
    assert classify(UpstreamError(400)) == "fatal"
    assert classify(InvalidRequest("bad", field="model")) == "fatal"


def test_429_backoff_doubles_from_one_second_up_to_thirty_minutes(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    seen = [book.record_failure("k1", "m", RateLimited("slow down")) for _ in range(14)]
    assert seen[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert seen[-1] == 1800.0 and max(seen) == 1800.0
    assert book.ready_in("k1", "m") == 1800.0
    assert book.is_ready("k1", "other-model")  # per (credential, model)


def test_retry_after_wins_and_expiry_follows_the_clock(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    assert book.record_failure("k1", "m", RateLimited("x", retry_after=7)) == 7
    assert not book.is_ready("k1", "m")
    clock.advance(6.5)
    assert book.ready_in("k1", "m") == 0.5
    clock.advance(0.5)
    assert book.is_ready("k1", "m")


def test_auth_failures_bench_the_whole_credential_longer(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    first = book.record_failure("k1", "m", UpstreamError(401, "bad key"))
    assert first == 600.0 > book.policy.error_seconds
    assert not book.is_ready("k1", "any-other-model")
    assert book.record_failure("k1", "m", UpstreamError(403)) == 1200.0
    assert book.cooling_kind("k1", "m") == "auth"


def test_server_errors_missing_tokens_and_fatal_errors(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(error_seconds=30, error_max=100), clock)
    assert [book.record_failure("k", "m", UpstreamError(502)) for _ in range(4)] == [
        30,
        60,
        100,
        100,
    ]
    assert book.record_failure("k2", "m", TokenNotFound("claude")) == 0
    assert book.record_failure("k3", "m", UpstreamError(400)) == 0
    assert book.is_ready("k2", "m") and book.is_ready("k3", "m")


def test_success_clears_strikes_and_reset_counts(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    book.record_failure("k1", "m", RateLimited("x"))
    book.record_failure("k1", "m", RateLimited("x"))
    clock.advance(10)
    book.record_success("k1", "m")
    assert book.record_failure("k1", "m", RateLimited("x")) == 1.0  # strikes start over
    book.record_failure("k2", "m", UpstreamError(401))
    assert book.cooling() == {"k1": 1.0, "k2": 600.0}
    assert book.reset() == 2
    assert book.cooling() == {} and book.is_ready("k2", "m")


def test_round_robin_rotates_and_skips_cooling(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    router = CredentialRouter(book)
    cs = creds("a", "b", "c")
    firsts = [router.plan(cs, "m").order[0].id for _ in range(4)]
    assert firsts == ["a", "b", "c", "a"]
    assert [c.id for c in router.plan(cs, "m").order] == ["b", "c", "a"]
    book.record_failure("c", "m", RateLimited("x", retry_after=5))
    plan = router.plan(cs, "m")  # counter at c: starts there, c is cooling
    assert [c.id for c in plan.order] == ["a", "b"]
    assert plan.wait == 5 and plan.rate_limited


def test_priority_always_starts_with_the_first_ready(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    router = CredentialRouter(book)
    cs = creds("a", "b", "c")
    for _ in range(3):
        assert [c.id for c in router.plan(cs, "m", RoutingStrategy.PRIORITY).order] == [
            "a",
            "b",
            "c",
        ]
    book.record_failure("a", "m", UpstreamError(500))
    plan = router.plan(cs, "m", RoutingStrategy.PRIORITY)
    assert [c.id for c in plan.order] == ["b", "c"] and not plan.rate_limited


def test_everything_cooling_gives_an_empty_plan_with_the_shortest_wait(clock: Any) -> None:
    book = CooldownBook(CooldownPolicy(), clock)
    router = CredentialRouter(book)
    book.record_failure("a", "m", RateLimited("x", retry_after=30))
    book.record_failure("b", "m", RateLimited("x", retry_after=10))
    plan = router.plan(creds("a", "b"), "m")
    assert plan.order == () and plan.wait == 10 and plan.rate_limited


def test_weighted_follows_the_weights(clock: Any) -> None:
    router = CredentialRouter(CooldownBook(CooldownPolicy(), clock), rng=random.Random(7))
    cs = creds("heavy", "light", heavy=9, light=1)
    firsts = [router.plan(cs, "m", RoutingStrategy.WEIGHTED).order[0].id for _ in range(400)]
    share = firsts.count("heavy") / len(firsts)
    assert 0.8 < share < 0.97


@given(st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=6))
def test_weighted_order_is_a_permutation(weights: list[int]) -> None:
    router = CredentialRouter(CooldownBook(CooldownPolicy(), lambda: 0.0), rng=random.Random(1))
    cs = [Credential("x", f"k{i}", "api_key", secret="s", weight=w) for i, w in enumerate(weights)]
    order = router.plan(cs, "m", RoutingStrategy.WEIGHTED).order
    assert sorted(c.id for c in order) == sorted(c.id for c in cs)


def test_a_callable_policy_follows_reloads(clock: Any) -> None:
    current = [CooldownPolicy(error_seconds=30)]
    book = CooldownBook(lambda: current[0], clock)
    assert book.record_failure("k", "m", UpstreamError(502)) == 30
    current[0] = CooldownPolicy(error_seconds=5)
    assert book.record_failure("k2", "m", UpstreamError(502)) == 5
