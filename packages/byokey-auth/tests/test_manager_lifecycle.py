"""AuthManager token lifecycle against the fake token endpoint, on every store backend.

Time is a ManualClock: "expired" and "cooldown over" are set up by moving it, never
by waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from byokey_auth import AuthManager, RefreshUnavailable, needs_login
from byokey_auth._clock import ManualClock
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore, SqlStore
from byokey_types.errors import AuthError, ByokError, TokenExpired, TokenNotFound
from byokey_types.protocols import TokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken, TokenState
from tests.fakes.oauth_token import OAuthTokenFake
from tests.fakes.server import FakeServer, Json

CLAUDE = ProviderId.CLAUDE
GEMINI = ProviderId.GEMINI
COPILOT = ProviderId.COPILOT


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(fake_server: FakeServer) -> OAuthTokenFake:
    return OAuthTokenFake(fake_server)


@pytest.fixture(params=["memory", "sqlite-memory", "sqlite-file"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TokenStore]:
    if request.param == "memory":
        yield InMemoryTokenStore()
        return
    url = "sqlite://" if request.param == "sqlite-memory" else f"sqlite:///{tmp_path / 't.db'}"
    sql = await SqlStore.open(url)
    try:
        yield sql.tokens
    finally:
        await sql.aclose()


@pytest.fixture
async def manager(
    store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> AsyncIterator[AuthManager]:
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()), http_timeout=10.0)
    async with AuthManager(store, options=options, clock=clock) as m:
        yield m


def now(clock: ManualClock) -> int:
    return int(clock.time())


def expired(
    clock: ManualClock, name: str = "old", metadata: dict[str, str] | None = None
) -> OAuthToken:
    return OAuthToken(
        f"at-{name}",
        refresh_token=f"rt-{name}",
        expires_at=now(clock) - 10,
        metadata=metadata or {},
    )


def fresh(clock: ManualClock, name: str = "ok") -> OAuthToken:
    return OAuthToken(f"at-{name}", refresh_token=f"rt-{name}", expires_at=now(clock) + 3600)


# --------------------------------------------------------------------- basics


async def test_missing_account_is_token_not_found(manager: AuthManager) -> None:
    with pytest.raises(TokenNotFound, match="token not found for provider: claude"):
        await manager.get_token(CLAUDE)
    await manager.save_token(CLAUDE, OAuthToken("at-x"))
    with pytest.raises(TokenNotFound):
        await manager.get_token(CLAUDE, "nobody")


async def test_valid_token_is_returned_without_any_request(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await manager.save_token(CLAUDE, fresh(clock))
    assert (await manager.get_token(CLAUDE)).access_token == "at-ok"
    assert await manager.get_access_token(CLAUDE) == "at-ok"
    assert fake.server.requests == []
    assert await manager.token_state(CLAUDE) is TokenState.VALID
    assert await manager.is_authenticated(CLAUDE)


async def test_expired_without_refresh_token_needs_login(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await manager.save_token(CLAUDE, OAuthToken("at-x", expires_at=now(clock) - 1))
    with pytest.raises(TokenExpired, match="token expired for provider: claude"):
        await manager.get_token(CLAUDE)
    assert fake.server.requests == []
    assert await manager.token_state(CLAUDE) is TokenState.INVALID
    assert not await manager.is_authenticated(CLAUDE)


async def test_expired_token_is_refreshed_and_saved_to_its_account(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await manager.save_token(CLAUDE, expired(clock, metadata={"email": "a@b.c"}))
    token = await manager.get_token(CLAUDE)
    assert token.access_token == "at-claude-1"
    assert token.refresh_token == "rt-claude-1"
    assert token.expires_at == now(clock) + 3600
    assert token.metadata == {"email": "a@b.c"}
    assert await store.load_account(CLAUDE, "default") == token
    (sent,) = fake.refresh_requests("claude")
    assert sent.fields["refresh_token"] == "rt-old"
    assert sent.fields["grant_type"] == "refresh_token"


async def test_google_keeps_the_old_refresh_token(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.succeed("gemini", rotate=False)
    await manager.save_token(GEMINI, expired(clock))
    token = await manager.get_token(GEMINI)
    assert token.access_token == "at-gemini-1"
    assert token.refresh_token == "rt-old"
    assert await store.load(GEMINI) == token


# -------------------------------------------------------------- multi-account


async def test_refresh_writes_the_account_it_refreshed_not_default(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    """The original saved every refresh into ``default``; here each account keeps its own."""
    await manager.save_token(CLAUDE, fresh(clock, "d"))
    await manager.save_token(CLAUDE, expired(clock, "work"), account="work", label="Work")
    await manager.save_token(CLAUDE, expired(clock, "home"), account="home")
    await manager.set_active_account(CLAUDE, "work")

    active = await manager.get_token(CLAUDE)
    assert active.access_token == "at-claude-1"
    assert await store.load_account(CLAUDE, "work") == active
    assert (await store.load_account(CLAUDE, "default")) == fresh(clock, "d")

    home = await manager.get_token(CLAUDE, "home")
    assert home.access_token == "at-claude-2"
    assert await store.load_account(CLAUDE, "home") == home
    assert [r.fields["refresh_token"] for r in fake.refresh_requests("claude")] == [
        "rt-work",
        "rt-home",
    ]
    infos = await manager.list_accounts(CLAUDE)
    assert [(i.account_id, i.is_active) for i in infos] == [
        ("work", True),
        ("default", False),
        ("home", False),
    ]
    assert infos[0].label == "Work"


async def test_named_account_never_gets_the_active_accounts_token(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    """The original's re-check compared against the active token and could hand it out."""
    await manager.save_token(CLAUDE, fresh(clock, "active"), account="a")
    await manager.save_token(CLAUDE, expired(clock, "x"), account="x")
    token = await manager.get_token(CLAUDE, "x")
    assert token.access_token == "at-claude-1"
    assert fake.refresh_requests("claude")[0].fields["refresh_token"] == "rt-x"


async def test_remove_of_the_active_account_promotes_the_next(
    manager: AuthManager, clock: ManualClock
) -> None:
    await manager.save_token(CLAUDE, fresh(clock, "a"), account="a")
    await manager.save_token(CLAUDE, fresh(clock, "b"), account="b")
    await manager.remove_token(CLAUDE)
    assert await manager.active_account(CLAUDE) == "b"
    assert (await manager.get_token(CLAUDE)).access_token == "at-b"
    await manager.remove_token(CLAUDE, "b")
    with pytest.raises(TokenNotFound):
        await manager.get_token(CLAUDE)
    await manager.remove_token(CLAUDE)  # nothing left: a no-op


# ---------------------------------------------------------------- single-flight


async def test_hundred_concurrent_callers_cause_one_refresh(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.slow("claude", 0.3)  # keep the one refresh in flight while everyone piles up
    await manager.save_token(CLAUDE, expired(clock))
    tokens = await asyncio.gather(*(manager.get_token(CLAUDE) for _ in range(100)))
    assert len(fake.refresh_requests("claude")) == 1
    assert {t.access_token for t in tokens} == {"at-claude-1"}
    assert (await store.load(CLAUDE)) == tokens[0]
    # Later callers see the saved token and send nothing.
    await manager.get_token(CLAUDE)
    assert len(fake.refresh_requests("claude")) == 1


async def test_concurrent_callers_of_different_accounts_refresh_each_once(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    for name in ("a", "b", "c"):
        await manager.save_token(CLAUDE, expired(clock, name), account=name)
    calls = [manager.get_token(CLAUDE, name) for name in ("a", "b", "c") for _ in range(10)]
    tokens = await asyncio.gather(*calls)
    sent = sorted(r.fields["refresh_token"] for r in fake.refresh_requests("claude"))
    assert sent == ["rt-a", "rt-b", "rt-c"]
    assert len({t.access_token for t in tokens}) == 3


async def test_waiters_share_the_failure_of_the_one_refresh(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.slow("claude", 0.2, then=Json(503, {"error": "temporarily_unavailable"}))
    await manager.save_token(CLAUDE, expired(clock))
    results = await asyncio.gather(
        *(manager.get_token(CLAUDE) for _ in range(20)), return_exceptions=True
    )
    assert all(isinstance(r, RefreshUnavailable) for r in results)
    assert len(fake.refresh_requests("claude")) == 1
    assert await store.load(CLAUDE) == expired(clock)


# -------------------------------------------------------------------- cooldown


async def test_failed_refresh_starts_a_cooldown_then_retries(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.server_error("claude", 503)
    old = expired(clock)
    await manager.save_token(CLAUDE, old)
    with pytest.raises(RefreshUnavailable):
        await manager.get_token(CLAUDE)
    with pytest.raises(AuthError, match="cooldown"):
        await manager.get_token(CLAUDE)
    clock.advance(29)
    with pytest.raises(AuthError, match="cooldown"):
        await manager.get_token(CLAUDE)
    assert len(fake.refresh_requests("claude")) == 1
    assert await store.load(CLAUDE) == old
    clock.advance(1)
    token = await manager.get_token(CLAUDE)
    assert token.access_token == "at-claude-1"
    assert len(fake.refresh_requests("claude")) == 2


async def test_cooldown_is_per_account(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.server_error("claude", 500, json_body=True)
    await manager.save_token(CLAUDE, expired(clock, "a"), account="a")
    await manager.save_token(CLAUDE, expired(clock, "b"), account="b")
    with pytest.raises(RefreshUnavailable):
        await manager.get_token(CLAUDE, "a")
    assert (await manager.get_token(CLAUDE, "b")).access_token == "at-claude-1"
    with pytest.raises(AuthError, match="cooldown"):
        await manager.get_token(CLAUDE, "a")


async def test_a_new_login_clears_the_cooldown(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.server_error("claude")
    await manager.save_token(CLAUDE, expired(clock))
    with pytest.raises(RefreshUnavailable):
        await manager.get_token(CLAUDE)
    await manager.save_token(CLAUDE, expired(clock, "relogged"))
    assert (await manager.get_token(CLAUDE)).access_token == "at-claude-1"


# --------------------------------------------------------------- invalid_grant


async def test_invalid_grant_marks_only_that_account(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.invalid_grant("claude")
    await manager.save_token(CLAUDE, expired(clock, "work"), account="work")
    await manager.save_token(CLAUDE, fresh(clock, "home"), account="home")
    with pytest.raises(TokenExpired):
        await manager.get_token(CLAUDE, "work")

    kept = await store.load_account(CLAUDE, "work")
    assert kept is not None and needs_login(kept)
    assert kept.access_token == "at-work" and kept.refresh_token == "rt-work"
    assert kept.metadata["needs_login"] == "invalid_grant"
    assert await store.load_account(CLAUDE, "home") == fresh(clock, "home")
    assert [a.account_id for a in await manager.list_accounts(CLAUDE)] == ["work", "home"]
    assert await manager.token_state(CLAUDE, "work") is TokenState.INVALID
    assert await manager.token_state(CLAUDE, "home") is TokenState.VALID

    # No more attempts with a dead refresh token, even after the cooldown.
    clock.advance(3600)
    with pytest.raises(TokenExpired):
        await manager.get_token(CLAUDE, "work")
    assert len(fake.refresh_requests("claude")) == 1

    # A new login replaces the mark.
    await manager.save_token(CLAUDE, expired(clock, "again"), account="work")
    token = await manager.get_token(CLAUDE, "work")
    assert not needs_login(token)
    assert token.access_token == "at-claude-1"


async def test_other_rejections_keep_the_token_and_raise_auth_error(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.rejected("claude", 401, "invalid_client")
    await manager.save_token(CLAUDE, expired(clock))
    with pytest.raises(AuthError, match=r"refresh failed \(401 Unauthorized\): invalid_client!"):
        await manager.get_token(CLAUDE)
    stored = await store.load(CLAUDE)
    assert stored == expired(clock)


# ----------------------------------------------------------- network failures


@pytest.mark.parametrize("failure", ["drop", "html-502", "refused"])
async def test_network_failure_is_a_safe_auth_error_and_keeps_the_token(
    failure: str, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    overrides = fake.endpoint_overrides()
    if failure == "drop":
        fake.drop("claude")
    elif failure == "html-502":
        fake.server_error("claude", 502)
    else:
        with FakeServer("closed") as gone:
            dead = f"{gone.url}/token"
        overrides["claude_token"] = dead
    options = AuthOptions(endpoints=AuthEndpoints(overrides), http_timeout=10.0)
    async with AuthManager(store, options=options, clock=clock) as manager:
        await manager.save_token(CLAUDE, expired(clock, "s3cr3t-value"))
        with pytest.raises(AuthError) as caught:
            await manager.get_token(CLAUDE)
    err = caught.value
    assert isinstance(err, RefreshUnavailable)
    assert err.is_retryable()
    assert "s3cr3t-value" not in str(err) and "s3cr3t-value" not in repr(err)
    assert "s3cr3t-value" not in str(err.to_openai())
    assert err.__cause__ is None
    assert "[REDACTED]" not in str(err)  # the wording itself must not look like a credential
    expected = (
        "502 Bad Gateway" if failure == "html-502" else "could not reach the claude token URL"
    )
    assert expected in str(err)
    assert await store.load(CLAUDE) == expired(clock, "s3cr3t-value")


async def test_slow_token_endpoint_times_out_as_refresh_unavailable(
    store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.slow("claude", 5.0)
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()), http_timeout=0.3)
    async with AuthManager(store, options=options, clock=clock) as manager:
        await manager.save_token(CLAUDE, expired(clock))
        with pytest.raises(RefreshUnavailable, match="could not reach"):
            await manager.get_token(CLAUDE)
    assert await store.load(CLAUDE) == expired(clock)


# ------------------------------------------------------------------ proactive


async def test_token_within_the_lead_is_returned_and_refreshed_in_background(
    manager: AuthManager, store: TokenStore, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    soon = OAuthToken("at-soon", refresh_token="rt-soon", expires_at=now(clock) + 180)
    await manager.save_token(CLAUDE, soon)
    assert await manager.get_token(CLAUDE) == soon
    await manager.wait_idle()
    assert len(fake.refresh_requests("claude")) == 1
    stored = await store.load(CLAUDE)
    assert stored is not None and stored.access_token == "at-claude-1"
    assert (await manager.get_token(CLAUDE)).access_token == "at-claude-1"


async def test_background_failure_keeps_serving_the_current_token(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.server_error("claude")
    soon = OAuthToken("at-soon", refresh_token="rt-soon", expires_at=now(clock) + 180)
    await manager.save_token(CLAUDE, soon)
    assert await manager.get_token(CLAUDE) == soon
    await manager.wait_idle()
    # The cooldown stops a new background attempt on every request.
    for _ in range(5):
        assert await manager.get_token(CLAUDE) == soon
    await manager.wait_idle()
    assert len(fake.refresh_requests("claude")) == 1


async def test_explicit_refresh_of_a_valid_token(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await manager.save_token(CLAUDE, fresh(clock), account="w")
    token = await manager.refresh(CLAUDE, "w")
    assert token.access_token == "at-claude-1"
    assert fake.refresh_requests("claude")[0].fields["refresh_token"] == "rt-ok"


# -------------------------------------------------------------------- copilot


async def test_copilot_github_token_never_expires_and_is_never_refreshed(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await manager.save_token(COPILOT, OAuthToken("gho_longlived"))
    clock.advance(10 * 365 * 86400)
    assert (await manager.get_token(COPILOT)).access_token == "gho_longlived"
    assert await manager.refresh_due() == []
    assert fake.server.requests == []


async def test_copilot_expired_token_asks_for_a_new_login(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await manager.save_token(COPILOT, expired(clock), account="x")
    with pytest.raises(AuthError, match="not supported for copilot; please re-authenticate"):
        await manager.get_token(COPILOT, "x")
    # No request was possible, so no cooldown either: the message stays the same.
    with pytest.raises(AuthError, match="not supported"):
        await manager.get_token(COPILOT, "x")
    assert fake.server.requests == []


# -------------------------------------------------------------------- secrecy


async def test_no_token_text_in_logs_errors_or_reprs(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.server_error("claude")
    fake.invalid_grant("codex")
    await manager.save_token(CLAUDE, expired(clock, "SECRET-one"))
    await manager.save_token(ProviderId.CODEX, expired(clock, "SECRET-two"))
    await manager.save_token(GEMINI, expired(clock, "SECRET-three"))
    errors: list[BaseException] = []
    for provider in (CLAUDE, ProviderId.CODEX, GEMINI):
        try:
            token = await manager.get_token(provider)
        except ByokError as exc:
            errors.append(exc)
        else:
            assert "at-gemini" not in repr(token)
    assert len(errors) == 2
    text = caplog.text + " ".join(str(e) + repr(e) for e in errors) + repr(manager)
    assert "SECRET" not in text
    assert "at-gemini-1" not in text and "rt-gemini-1" not in text
    assert "refreshed the token of gemini" in caplog.text
