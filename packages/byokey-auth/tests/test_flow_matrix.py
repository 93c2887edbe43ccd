"""The issue-5 matrix, cell by cell: every provider's login flow end to end on the OAuth fake.

Each test here is parametrized over every provider that shares the flow, so a
provider cannot silently miss a case (denial, timeout, wrong state, expired code,
slow_down, network failure). The refresh half logs in through the real flow first
and then lets :class:`AuthManager` renew that very token against the same fake,
so the metadata a login stores is exactly what its refresh (and the executors)
read. See ``/work/notes/auth-matrix.md`` for the table naming these tests.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byokey_auth import (
    AuthManager,
    ManualClock,
    RefreshUnavailable,
    authenticate,
    login,
    needs_login,
)
from byokey_auth._context import FlowContext
from byokey_auth._credentials import CredentialResolver
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.errors import AuthError, TokenExpired, TransportError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken, TokenState
from tests.fakes.oauth import (
    AUTH_CODE_PROVIDERS,
    DEVICE_GRANT,
    DEVICE_PROVIDERS,
    OAuthFake,
    RobotBrowser,
)
from tests.fakes.server import Drop, FakeServer, Json

P = ProviderId
DEVICE_FLOWS = (*DEVICE_PROVIDERS, "kiro")
"""Every login that shows a code and polls: RFC 8628 (copilot, qwen, kimi) and AWS OIDC (kiro)."""
REFRESHABLE = (*AUTH_CODE_PROVIDERS, "qwen", "kimi", "kiro")
"""Every provider whose login yields a refresh token (all but copilot)."""


def _dead_url() -> str:
    """A URL on 127.0.0.1 where nothing listens any more: connection refused."""
    with FakeServer("closed") as gone:
        return gone.url


def _with(fake: OAuthFake, **overrides: str) -> AuthEndpoints:
    return AuthEndpoints({**fake.endpoint_overrides(), **overrides})


def _lifetime_key(name: str) -> str:
    return "expiresIn" if name == "kiro" else "expires_in"


# ------------------------------------------------------- auth code: failures


@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_denial(
    name: str, oauth_fake: OAuthFake, oauth_options: AuthOptions, robot: RobotBrowser
) -> None:
    oauth_fake.authorize_mode[name] = "deny"
    store = InMemoryTokenStore()
    with pytest.raises(AuthError, match="access_denied"):
        await login(name, store=store, open_browser=robot, options=oauth_options)
    assert robot.last.callback_status == 400
    assert "Login failed" in robot.last.callback_page
    assert "Login successful" not in robot.last.callback_page
    assert await store.list_accounts(P(name)) == []
    oauth_fake.server.assert_not_called("POST", f"/{name}/token")


@pytest.mark.parametrize("mode", ["wrong_state", "no_state"])
@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_wrong_state(
    name: str, mode: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.authorize_mode[name] = mode  # type: ignore[assignment]
    with pytest.raises(AuthError, match="state mismatch, possible CSRF attack"):
        await authenticate(flow_ctx, name, open_browser=robot)
    assert robot.last.callback_status == 400
    assert "Login successful" not in robot.last.callback_page
    oauth_fake.server.assert_not_called("POST", f"/{name}/token")


@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_timeout(
    name: str, make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake
) -> None:
    idle = RobotBrowser(follow=False)  # the user never finishes in the browser
    store = InMemoryTokenStore()
    with pytest.raises(AuthError, match="timed out waiting for OAuth callback"):
        await login(
            name, store=store, open_browser=idle, options=make_options(callback_timeout=0.2)
        )
    assert len(idle.opened) == 1
    assert await store.list_accounts(P(name)) == []
    oauth_fake.server.assert_not_called("POST", f"/{name}/token")


@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_expired_code(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.authorize_mode[name] = "stale_code"
    with pytest.raises(
        AuthError,
        match=r"code exchange failed \(400 Bad Request\): invalid_grant: authorization code expired",
    ):
        await authenticate(flow_ctx, name, open_browser=robot)
    assert robot.last.callback_status == 400
    assert "authorization code expired" in robot.last.callback_page
    oauth_fake.server.assert_called("POST", f"/{name}/token", times=1)


@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_token_endpoint_refused(
    name: str, make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake, robot: RobotBrowser
) -> None:
    options = make_options(endpoints=_with(oauth_fake, **{f"{name}_token": f"{_dead_url()}/t"}))
    store = InMemoryTokenStore()
    with pytest.raises(TransportError, match=f"code exchange for {name}: ConnectError") as caught:
        await login(name, store=store, open_browser=robot, options=options)
    assert caught.value.is_retryable()
    assert robot.last.callback_status == 400
    assert "Login failed" in robot.last.callback_page
    assert await store.list_accounts(P(name)) == []


@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_connection_dropped_mid_exchange(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.fail_exchange(name, Drop())
    with pytest.raises(TransportError, match=f"code exchange for {name}"):
        await authenticate(flow_ctx, name, open_browser=robot)
    assert "Login failed" in robot.last.callback_page


# ---------------------------------------------------------- device: each case


@pytest.mark.parametrize("name", DEVICE_FLOWS)
async def test_device_slow_down_raises_the_interval(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.script_device(name, "pending", "slow_down", "pending", "slow_down")
    token = await authenticate(flow_ctx, name, open_browser=None)
    assert token.access_token
    # The first poll waits one interval; every slow_down adds 5 s for good.
    assert manual_clock.sleeps == [5.0, 5.0, 10.0, 10.0, 15.0]
    polls = oauth_fake.token_requests(name, DEVICE_GRANT)
    assert len(polls) == 5
    assert oauth_fake.problems == []


@pytest.mark.parametrize("name", DEVICE_FLOWS)
async def test_device_authorization_pending_until_approved(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.script_device(name, *["pending"] * 4)
    store = InMemoryTokenStore()
    token = await login(name, store=store, account="pending", open_browser=None, context=flow_ctx)
    assert await store.load_account(P(name), "pending") == token
    assert manual_clock.sleeps == [5.0] * 5
    assert len(oauth_fake.token_requests(name, DEVICE_GRANT)) == 5


@pytest.mark.parametrize(
    ("step", "message"),
    [("access_denied", "access_denied"), ("expired_token", "expired_token")],
)
@pytest.mark.parametrize("name", DEVICE_FLOWS)
async def test_device_denied_or_expired_by_the_server(
    name: str, step: str, message: str, oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.script_device(name, "pending", step)
    store = InMemoryTokenStore()
    with pytest.raises(AuthError, match=f"device flow error: {message}"):
        await login(name, store=store, open_browser=None, context=flow_ctx)
    assert await store.list_accounts(P(name)) == []
    assert len(oauth_fake.token_requests(name, DEVICE_GRANT)) == 2  # no poll after the verdict


@pytest.mark.parametrize("name", DEVICE_FLOWS)
async def test_device_code_times_out_locally(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.device_overrides[name] = {_lifetime_key(name): 12}
    oauth_fake.script_device(name, *["pending"] * 20)
    with pytest.raises(AuthError, match="device code expired"):
        await authenticate(flow_ctx, name, open_browser=None)
    assert manual_clock.sleeps == [5.0, 5.0, 5.0]
    assert len(oauth_fake.token_requests(name, DEVICE_GRANT)) == 2


@pytest.mark.parametrize("name", DEVICE_FLOWS)
async def test_device_poll_connection_dropped(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.script_device(name, "pending", Drop())
    with pytest.raises(TransportError, match=f"{name} token poll|token poll for {name}"):
        await authenticate(flow_ctx, name, open_browser=None)


@pytest.mark.parametrize("name", DEVICE_FLOWS)
async def test_device_server_refuses_connections(
    name: str, make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake
) -> None:
    key = "kiro_oidc" if name == "kiro" else f"{name}_device"
    options = make_options(endpoints=_with(oauth_fake, **{key: _dead_url()}))
    store = InMemoryTokenStore()
    with pytest.raises(TransportError, match="ConnectError") as caught:
        await login(name, store=store, open_browser=None, options=options)
    assert caught.value.is_retryable()
    assert await store.list_accounts(P(name)) == []


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=st.sampled_from(DEVICE_FLOWS),
    script=st.lists(st.sampled_from(["pending", "slow_down"]), max_size=6),
)
async def test_device_intervals_follow_the_script(
    name: str, script: list[str], oauth_fake: OAuthFake, oauth_options: AuthOptions
) -> None:
    """Whatever mix of pending and slow_down: sleep = interval, slow_down adds 5 s, never less."""
    clock = ManualClock()
    oauth_fake.script_device(name, *script)
    async with httpx.AsyncClient(timeout=10.0) as http:
        ctx = FlowContext(
            http, CredentialResolver.from_options(http, oauth_options, clock), oauth_options, clock
        )
        await authenticate(ctx, name, open_browser=None)
    expected, interval = [], 5.0
    for step in [*script, "success"]:
        expected.append(interval)
        if step == "slow_down":
            interval += 5.0
    assert clock.sleeps == expected
    assert oauth_fake.problems == []


# ---------------------------------------------- login, then refresh that login


@pytest.fixture
async def manager(
    oauth_fake: OAuthFake, oauth_options: AuthOptions, manual_clock: ManualClock
) -> AsyncIterator[AuthManager]:
    async with AuthManager(InMemoryTokenStore(), options=oauth_options, clock=manual_clock) as m:
        yield m


async def _login(
    manager: AuthManager, name: str, account: str, robot: RobotBrowser | None = None
) -> OAuthToken:
    return await login(
        name,
        store=manager.store,
        account=account,
        open_browser=robot or RobotBrowser(),
        context=manager.context,
    )


def _refreshes(fake: OAuthFake, name: str) -> int:
    return len(fake.token_requests(name, "refresh_token"))


@pytest.mark.parametrize("name", REFRESHABLE)
async def test_refresh_success_after_login(
    name: str, oauth_fake: OAuthFake, manager: AuthManager, manual_clock: ManualClock
) -> None:
    first = await _login(manager, name, "work")
    assert first.expires_at is not None and first.refresh_token is not None
    manual_clock.advance(3600)
    assert await manager.token_state(P(name), "work") is TokenState.EXPIRED

    fresh = await manager.get_token(P(name), "work")
    assert fresh.access_token != first.access_token
    assert fresh.expires_at is not None and fresh.expires_at > manual_clock.time() + 60
    assert fresh.refresh_token and fresh.refresh_token != first.refresh_token  # the fake rotates
    for key, value in first.metadata.items():
        if key != "id_token":
            assert fresh.metadata[key] == value, key  # what the login learnt survives a refresh
    assert await manager.store.load_account(P(name), "work") == fresh
    assert _refreshes(oauth_fake, name) == 1
    assert oauth_fake.problems == []
    # The new refresh token works too: a second round trip on the rotated token.
    manual_clock.advance(3600)
    again = await manager.get_token(P(name), "work")
    assert again.access_token not in (first.access_token, fresh.access_token)
    assert _refreshes(oauth_fake, name) == 2


@pytest.mark.parametrize("name", REFRESHABLE)
async def test_refresh_invalid_grant_marks_only_that_account(
    name: str, oauth_fake: OAuthFake, manager: AuthManager, manual_clock: ManualClock
) -> None:
    work = await _login(manager, name, "work")
    home = await _login(manager, name, "home")
    assert work.refresh_token is not None
    oauth_fake.refresh_tokens.pop(work.refresh_token)  # revoked upstream: invalid_grant
    manual_clock.advance(3600)

    with pytest.raises(TokenExpired):
        await manager.get_token(P(name), "work")
    marked = await manager.store.load_account(P(name), "work")
    assert marked is not None and needs_login(marked)
    assert marked.access_token == work.access_token  # kept, only marked
    assert await manager.store.load_account(P(name), "home") == home
    assert [a.account_id for a in await manager.list_accounts(P(name))] == ["work", "home"]

    renewed = await manager.get_token(P(name), "home")  # the other account still refreshes
    assert renewed.access_token != home.access_token and not needs_login(renewed)
    with pytest.raises(TokenExpired):  # and the dead one is never tried again
        await manager.get_token(P(name), "work")
    assert _refreshes(oauth_fake, name) == 2

    relogged = await _login(manager, name, "work")  # a new login clears the mark
    assert await manager.get_token(P(name), "work") == relogged


@pytest.mark.parametrize("name", REFRESHABLE)
async def test_refresh_when_the_oauth_server_is_gone(
    name: str, oauth_fake: OAuthFake, manager: AuthManager, manual_clock: ManualClock
) -> None:
    token = await _login(manager, name, "default")
    oauth_fake.server.close()
    manual_clock.advance(3600)
    with pytest.raises(RefreshUnavailable, match="could not reach") as caught:
        await manager.get_token(P(name))
    assert caught.value.is_retryable()
    assert await manager.store.load_account(P(name), "default") == token  # nothing lost
    with pytest.raises(AuthError, match="cooldown"):  # no hammering of a dead host
        await manager.get_token(P(name))


async def test_copilot_login_is_never_refreshed(
    oauth_fake: OAuthFake, manager: AuthManager, manual_clock: ManualClock
) -> None:
    token = await _login(manager, "copilot", "default")
    manual_clock.advance(10 * 365 * 86400)
    assert await manager.get_token(P.COPILOT) == token
    assert await manager.refresh_due() == []
    assert _refreshes(oauth_fake, "copilot") == 0


async def test_hundred_callers_of_a_fresh_login_cause_one_refresh(
    oauth_fake: OAuthFake, manager: AuthManager, manual_clock: ManualClock
) -> None:
    await _login(manager, "codex", "a")
    await _login(manager, "codex", "b")
    manual_clock.advance(3600)
    tokens = await asyncio.gather(
        *(manager.get_token(P.CODEX, "a" if i % 2 else "b") for i in range(100))
    )
    assert len({t.access_token for t in tokens}) == 2  # one new token per account
    assert _refreshes(oauth_fake, "codex") == 2  # exactly one refresh per account


# ------------------------------------------------- callback port and offline use


@pytest.mark.parametrize("name", AUTH_CODE_PROVIDERS)
async def test_auth_code_port_conflict_is_reported(
    name: str, make_options: Callable[..., AuthOptions], robot: RobotBrowser
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        options = make_options(callback_ports={P(name): port})
        with pytest.raises(AuthError) as caught:
            await login(name, store=InMemoryTokenStore(), open_browser=robot, options=options)
    text = str(caught.value)
    assert f"port {port} is already in use" in text and f"lsof -i :{port}" in text
    assert robot.opened == []


@pytest.mark.parametrize("name", ["gemini", "qwen"])
async def test_login_and_refresh_work_with_the_document_host_unreachable(
    name: str,
    oauth_fake: OAuthFake,
    fake_server_factory: Callable[..., FakeServer],
    make_options: Callable[..., AuthOptions],
    manual_clock: ManualClock,
    tmp_path: Path,
) -> None:
    """The runtime document (another client id than compiled in) is cached on disk, so
    a later process logs in and refreshes with it while its host is down."""
    oauth_fake.clients[name] = (f"doc-{name}", f"doc-sec-{name}" if name == "gemini" else None)
    assets = fake_server_factory("assets")
    assets.route("GET", "/oauth/{provider}.json", lambda r: Json(200, oauth_fake.document(name)))
    endpoints = _with(oauth_fake, credentials_base=f"{assets.url}/oauth")
    options = make_options(endpoints=endpoints, clients={}, credentials_cache_dir=tmp_path)
    async with AuthManager(InMemoryTokenStore(), options=options, clock=manual_clock) as online:
        await _login(online, name, "default")
    assets.close()  # the asset host goes away for good

    async with AuthManager(InMemoryTokenStore(), options=options, clock=manual_clock) as offline:
        token = await _login(offline, name, "default")  # a new process: fresh resolver
        manual_clock.advance(3600)
        fresh = await offline.get_token(P(name))
    assert fresh.access_token != token.access_token
    sent = {dict(parse_qsl(r.text())).get("client_id") for r in oauth_fake.token_requests(name)}
    assert sent == {f"doc-{name}"}
    assert oauth_fake.problems == []
