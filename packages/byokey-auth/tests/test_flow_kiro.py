"""Kiro login through AWS SSO-OIDC (RegisterClient, StartDeviceAuthorization, CreateToken)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest

from byokey_auth import DeviceCodePrompt, LoginPrompt, ManualClock, authenticate, login
from byokey_auth._context import FlowContext
from byokey_auth._credentials import CredentialResolver
from byokey_auth._kiro_oidc import _oidc_base
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.errors import AuthError, TransportError
from byokey_types.provider import ProviderId
from tests.fakes.oauth import DEVICE_GRANT, OAuthFake
from tests.fakes.server import Drop

KIRO = ProviderId.KIRO


def _ctx(http: httpx.AsyncClient, options: AuthOptions, clock: ManualClock) -> FlowContext:
    return FlowContext(http, CredentialResolver.from_options(http, options, clock), options, clock)


async def test_builder_id_login_keeps_what_refresh_needs(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.script_device("kiro", "pending", "slow_down")
    prompts: list[LoginPrompt] = []
    store = InMemoryTokenStore()
    token = await login(
        KIRO, store=store, on_prompt=prompts.append, open_browser=None, context=flow_ctx
    )
    assert await store.load_account(KIRO, "default") == token
    register = oauth_fake.server.requests_to("/kiro/client/register")[-1].json()
    assert register["clientType"] == "public"
    assert set(register["scopes"]) == {
        "codewhisperer:completions",
        "codewhisperer:analysis",
        "codewhisperer:conversations",
    }
    assert DEVICE_GRANT in register["grantTypes"] and "refresh_token" in register["grantTypes"]
    start = oauth_fake.server.requests_to("/kiro/device_authorization")[-1].json()
    assert start["startUrl"] == "https://view.awsapps.com/start"
    polls = [r.json() for r in oauth_fake.token_requests("kiro", DEVICE_GRANT)]
    assert len(polls) == 3
    assert polls[0]["deviceCode"].startswith("dc-kiro")
    shown = next(p for p in prompts if isinstance(p, DeviceCodePrompt))
    assert shown.user_code == "WXYZ-6789"
    assert shown.verification_uri_complete is not None
    assert manual_clock.sleeps == [5.0, 5.0, 10.0]
    assert token.access_token.startswith("at-kiro")
    assert token.refresh_token is not None
    meta = token.metadata
    assert meta["auth_method"] == "idc"
    assert meta["client_id"] == start["clientId"]
    assert meta["client_secret"] == oauth_fake.kiro.clients[start["clientId"]]
    assert meta["region"] == "us-east-1"
    assert meta["start_url"] == "https://view.awsapps.com/start"
    assert "client_secret" not in repr(token).split("metadata_keys")[0]
    assert oauth_fake.problems == []


async def test_identity_center_start_url_and_region(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    token = await authenticate(
        flow_ctx,
        KIRO,
        open_browser=None,
        kiro_region="eu-central-1",
        kiro_start_url="https://acme.awsapps.com/start",
    )
    start = oauth_fake.server.requests_to("/kiro/device_authorization")[-1].json()
    assert start["startUrl"] == "https://acme.awsapps.com/start"
    assert token.metadata["region"] == "eu-central-1"
    assert token.metadata["start_url"] == "https://acme.awsapps.com/start"


def test_the_default_oidc_origin_follows_the_region(flow_ctx: FlowContext) -> None:
    options = AuthOptions()
    ctx = FlowContext(flow_ctx.http, flow_ctx.credentials, options, flow_ctx.clock)
    assert _oidc_base(ctx, "eu-central-1") == "https://oidc.eu-central-1.amazonaws.com"


async def test_registration_is_cached_on_disk_and_reused(
    make_options: Callable[..., AuthOptions],
    oauth_fake: OAuthFake,
    manual_clock: ManualClock,
    tmp_path: Path,
) -> None:
    options = make_options(credentials_cache_dir=tmp_path / "clients")
    async with httpx.AsyncClient() as http:
        first = await authenticate(_ctx(http, options, manual_clock), KIRO, open_browser=None)
        second = await authenticate(_ctx(http, options, manual_clock), KIRO, open_browser=None)
    oauth_fake.server.assert_called("POST", "/kiro/client/register", times=1)
    assert first.metadata["client_id"] == second.metadata["client_id"]
    cache = tmp_path / "clients" / "kiro-client-us-east-1.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert orjson.loads(cache.read_bytes())["clientId"] == first.metadata["client_id"]


async def test_a_forgotten_registration_is_replaced(
    make_options: Callable[..., AuthOptions],
    oauth_fake: OAuthFake,
    manual_clock: ManualClock,
    tmp_path: Path,
) -> None:
    options = make_options(credentials_cache_dir=tmp_path)
    async with httpx.AsyncClient() as http:
        await authenticate(_ctx(http, options, manual_clock), KIRO, open_browser=None)
        oauth_fake.kiro.clients.clear()  # AWS no longer knows the cached client
        token = await authenticate(_ctx(http, options, manual_clock), KIRO, open_browser=None)
    oauth_fake.server.assert_called("POST", "/kiro/client/register", times=2)
    assert token.metadata["client_id"] in oauth_fake.kiro.clients


async def test_an_expiring_registration_is_not_reused(
    make_options: Callable[..., AuthOptions],
    oauth_fake: OAuthFake,
    manual_clock: ManualClock,
    tmp_path: Path,
) -> None:
    oauth_fake.kiro.secret_lifetime = 3600  # less than the one-day reuse margin
    options = make_options(credentials_cache_dir=tmp_path)
    async with httpx.AsyncClient() as http:
        await authenticate(_ctx(http, options, manual_clock), KIRO, open_browser=None)
        await authenticate(_ctx(http, options, manual_clock), KIRO, open_browser=None)
    oauth_fake.server.assert_called("POST", "/kiro/client/register", times=2)


@pytest.mark.parametrize("style", ["body", "header_only"])
@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("access_denied", "device flow error: access_denied"),
        ("expired_token", "device flow error: expired_token"),
    ],
)
async def test_aws_terminal_errors(
    style: str, step: str, message: str, oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.kiro.error_style = style  # type: ignore[assignment]
    oauth_fake.script_device("kiro", "pending", step)
    with pytest.raises(AuthError, match=message):
        await authenticate(flow_ctx, KIRO, open_browser=None)
    assert len(oauth_fake.token_requests("kiro", DEVICE_GRANT)) == 2


async def test_header_only_pending_and_slow_down_are_understood(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.kiro.error_style = "header_only"
    oauth_fake.script_device("kiro", "slow_down", "pending")
    token = await authenticate(flow_ctx, KIRO, open_browser=None)
    assert token.access_token.startswith("at-kiro")
    assert manual_clock.sleeps == [5.0, 10.0, 10.0]


async def test_local_expiry_and_network_failure(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.device_overrides["kiro"] = {"expiresIn": 8}
    oauth_fake.script_device("kiro", *["pending"] * 10)
    with pytest.raises(AuthError, match="device code expired"):
        await authenticate(flow_ctx, KIRO, open_browser=None)
    oauth_fake.device_overrides["kiro"] = {}
    oauth_fake._device_script["kiro"].clear()
    oauth_fake.script_device("kiro", Drop())
    with pytest.raises(TransportError, match="kiro token poll"):
        await authenticate(flow_ctx, KIRO, open_browser=None)


async def test_a_bad_region_is_refused_before_any_request(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    with pytest.raises(AuthError, match="is not an AWS region name"):
        await authenticate(flow_ctx, KIRO, open_browser=None, kiro_region="evil.com/x")
    assert oauth_fake.server.requests == []
