"""The background refresh loop, driven by a clock whose sleep advances time instantly.

The clock lets the loop run a fixed number of iterations, then parks its next sleep
until the test stops the loop: every test is bounded without any real waiting.
"""

from __future__ import annotations

import asyncio

import pytest

from byokey_auth import AuthManager, RefreshLoop
from byokey_auth._clock import ManualClock
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken
from tests.fakes.oauth_token import OAuthTokenFake
from tests.fakes.server import FakeServer

P = ProviderId


class ParkingClock(ManualClock):
    """Sleeps advance time for ``iterations`` calls; the next one parks until cancelled."""

    def __init__(self, iterations: int) -> None:
        super().__init__()
        self.iterations = iterations
        self.parked = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        if len(self.sleeps) >= self.iterations:
            self.sleeps.append(seconds)
            self.parked.set()
            await asyncio.Event().wait()
        await super().sleep(seconds)


@pytest.fixture
def fake(fake_server: FakeServer) -> OAuthTokenFake:
    return OAuthTokenFake(fake_server)


def make_manager(fake: OAuthTokenFake, clock: ManualClock) -> AuthManager:
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    return AuthManager(InMemoryTokenStore(), options=options, clock=clock)


def tok(name: str, clock: ManualClock, expires_in: int | None, refresh: bool = True) -> OAuthToken:
    return OAuthToken(
        f"at-{name}",
        refresh_token=f"rt-{name}" if refresh else None,
        expires_at=None if expires_in is None else int(clock.time()) + expires_in,
    )


def is_running(loop: RefreshLoop) -> bool:
    """A call, not the property, so type checkers do not narrow it across awaits."""
    return loop.running


async def run_loop(manager: AuthManager, clock: ParkingClock, **kw: float) -> RefreshLoop:
    async with manager.refresh_loop(**kw) as loop:
        assert is_running(loop)
        await asyncio.wait_for(clock.parked.wait(), 30)
    assert not is_running(loop)
    return loop


async def test_loop_refreshes_due_tokens_of_every_account(fake: OAuthTokenFake) -> None:
    clock = ParkingClock(iterations=2)
    async with make_manager(fake, clock) as manager:
        store = manager.store
        await manager.save_token(P.CLAUDE, tok("due", clock, 200), account="active")
        await manager.save_token(P.CLAUDE, tok("later", clock, 400), account="later")
        await manager.save_token(P.CLAUDE, tok("norefresh", clock, 100, refresh=False), account="n")
        await manager.save_token(P.CODEX, tok("far", clock, 3600))
        await manager.save_token(P.GEMINI, tok("expired", clock, -500), account="spare")
        await manager.save_token(P.GEMINI, tok("forever", clock, None), account="main")
        await manager.save_token(P.COPILOT, tok("gh", clock, 100))
        dead = tok("dead", clock, 100).with_metadata(needs_login="invalid_grant")
        await manager.save_token(P.QWEN, dead)

        loop = await run_loop(manager, clock, interval=60, lead=300)

        assert clock.sleeps == [60, 60, 60]  # sleeps first, then scans; two scans ran
        assert loop.scans == 2
        sent = sorted(r.fields["refresh_token"] for r in fake.refresh_requests("claude"))
        assert sent == ["rt-due", "rt-later"]  # "later" became due on the second scan
        assert [r.fields["refresh_token"] for r in fake.refresh_requests("gemini")] == [
            "rt-expired"
        ]  # a non-active, already expired account is renewed too
        assert fake.refresh_requests("codex") == []
        assert fake.refresh_requests("qwen") == []
        assert fake.server.requests_to("/oauth/copilot/token") == []
        assert (await store.load_account(P.CLAUDE, "n")) == tok(
            "norefresh", clock, 100 - 120, False
        )
        assert (await store.load_account(P.QWEN, "default")) == dead


async def test_loop_survives_failures_and_respects_the_cooldown(fake: OAuthTokenFake) -> None:
    clock = ParkingClock(iterations=4)
    fake.server_error("claude")
    async with make_manager(fake, clock) as manager:
        await manager.save_token(P.CLAUDE, tok("due", clock, 200))
        loop = await run_loop(manager, clock, interval=10, lead=300)
    # Scan at 10 s fails (30 s cooldown), 20 s and 30 s skip it, 40 s retries and succeeds.
    assert loop.scans == 4
    assert len(fake.refresh_requests("claude")) == 2


async def test_a_scan_that_raises_does_not_stop_the_loop() -> None:
    clock = ParkingClock(iterations=3)
    calls = 0

    async def scan() -> list[object]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("store went away")
        return []

    async with RefreshLoop(scan, interval=1, sleep=clock.sleep) as loop:
        await asyncio.wait_for(clock.parked.wait(), 30)
    assert calls == 3
    assert loop.scans == 3


async def test_start_stop_are_idempotent_and_zero_interval_disables() -> None:
    clock = ParkingClock(iterations=0)

    async def scan() -> list[object]:
        return []

    loop = RefreshLoop(scan, interval=5, sleep=clock.sleep)
    await loop.stop()  # never started: fine
    loop.start()
    loop.start()
    await asyncio.wait_for(clock.parked.wait(), 30)
    assert is_running(loop)
    await loop.stop()
    await loop.stop()
    assert not is_running(loop)
    assert clock.sleeps == [5]

    off = RefreshLoop(scan, interval=0, sleep=clock.sleep)
    off.start()
    assert not is_running(off)


async def test_defaults_are_sixty_seconds_and_five_minutes(fake: OAuthTokenFake) -> None:
    clock = ParkingClock(iterations=1)
    async with make_manager(fake, clock) as manager:
        await manager.save_token(P.CLAUDE, tok("in", clock, 360), account="a")  # +300 after 60 s
        await manager.save_token(P.CLAUDE, tok("out", clock, 361), account="b")
        loop = manager.refresh_loop()
        assert loop.interval == 60
        async with loop:
            await asyncio.wait_for(clock.parked.wait(), 30)
    assert [r.fields["refresh_token"] for r in fake.refresh_requests("claude")] == ["rt-in"]


async def test_stopping_mid_refresh_is_clean(fake: OAuthTokenFake) -> None:
    fake.slow("claude", 30.0)
    clock = ParkingClock(iterations=5)
    async with make_manager(fake, clock) as manager:
        await manager.save_token(P.CLAUDE, tok("due", clock, 200))
        loop = manager.refresh_loop(interval=1)
        loop.start()
        await fake.server.wait_for_requests_async(1)
        await asyncio.wait_for(loop.stop(), 10)
        assert not is_running(loop)
        stored = await manager.store.load(P.CLAUDE)
        assert stored is not None and stored.access_token == "at-due"
