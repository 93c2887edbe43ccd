"""Device-code logins (copilot via GitHub's shape, qwen, kimi) against the fake, on a manual clock.

``ManualClock.sleep`` advances time and records each requested sleep, so the
intervals the loop keeps are asserted exactly and nothing waits for real.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from byokey_auth import (
    DeviceCodePrompt,
    LoginPrompt,
    ManualClock,
    authenticate,
    classify_poll,
    login,
)
from byokey_auth._context import FlowContext
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.errors import AuthError, TransportError
from byokey_types.provider import ProviderId
from tests.fakes.oauth import DEVICE_GRANT, DEVICE_PROVIDERS, OAuthFake, RobotBrowser, s256
from tests.fakes.server import Drop, Json, Text

P = ProviderId


@pytest.mark.parametrize("name", DEVICE_PROVIDERS)
async def test_device_login_success_after_pending(
    name: str,
    oauth_fake: OAuthFake,
    oauth_options: AuthOptions,
    flow_ctx: FlowContext,
    manual_clock: ManualClock,
    robot: RobotBrowser,
) -> None:
    oauth_fake.script_device(name, "pending", "pending")
    prompts: list[LoginPrompt] = []
    store = InMemoryTokenStore()
    token = await login(
        name,
        store=store,
        account="work",
        on_prompt=prompts.append,
        open_browser=robot,
        context=flow_ctx,
    )
    assert await store.load_account(P(name), "work") == token
    assert manual_clock.sleeps == [5.0, 5.0, 5.0]  # the first poll waits one interval too
    shown = [p for p in prompts if isinstance(p, DeviceCodePrompt)]
    assert len(shown) == 1 and shown[0].user_code == "ABCD-1234"
    assert shown[0].verification_uri.endswith(f"/{name}/verify")
    assert robot.opened == [shown[0].verification_uri_complete or shown[0].verification_uri]
    polls = oauth_fake.token_requests(name, DEVICE_GRANT)
    assert len(polls) == 3
    for poll in polls:
        poll.assert_header("accept", "application/json")
    assert oauth_fake.problems == []


async def test_copilot_speaks_githubs_shape(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    token = await authenticate(flow_ctx, P.COPILOT, open_browser=robot)
    device = parse_qs(oauth_fake.requests_to("copilot", "device")[-1].text())
    assert device == {"client_id": ["test-copilot"], "scope": ["read:user"]}
    poll = parse_qs(oauth_fake.token_requests("copilot")[-1].text())
    assert list(poll) == ["client_id", "device_code", "grant_type"]
    assert token.access_token.startswith("gho")
    assert token.refresh_token is None and token.expires_at is None  # GitHub tokens do not expire


async def test_qwen_pkce_verifier_matches_and_resource_url_is_kept(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.script_device("qwen", "pending")  # answered with HTTP 400, still pending
    token = await authenticate(flow_ctx, P.QWEN, open_browser=robot)
    device = parse_qs(oauth_fake.requests_to("qwen", "device")[-1].text())
    polls = [parse_qs(r.text()) for r in oauth_fake.token_requests("qwen")]
    assert device["code_challenge_method"] == ["S256"]
    assert {s256(p["code_verifier"][0]) for p in polls} == {device["code_challenge"][0]}
    assert token.metadata["resource_url"] == "portal.qwen.ai"
    assert oauth_fake.problems == []


async def test_kimi_sends_one_device_identity_per_login_and_keeps_it(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.script_device("kimi", "pending")
    token = await authenticate(flow_ctx, P.KIMI, open_browser=robot)
    requests = [*oauth_fake.requests_to("kimi", "device"), *oauth_fake.token_requests("kimi")]
    ids = {r.headers["x-msh-device-id"] for r in requests}
    assert len(requests) == 3 and len(ids) == 1
    assert token.metadata["device_id"] == ids.pop()
    for request in requests:
        request.assert_header("x-msh-platform", "mac")
        request.assert_header("x-msh-device-model", "MacBookPro")
        request.assert_header("x-msh-device-name", "byokey-client")


async def test_slow_down_adds_five_seconds_for_good(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.script_device("qwen", "pending", "slow_down", "pending", "slow_down", "pending")
    await authenticate(flow_ctx, P.QWEN, open_browser=None)
    assert manual_clock.sleeps == [5.0, 5.0, 10.0, 10.0, 15.0, 15.0]


async def test_github_slow_down_interval_is_honoured_when_longer(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.script_device("copilot", "slow_down", "pending")
    oauth_fake.device_overrides["copilot"] = {"interval": 2}
    await authenticate(flow_ctx, P.COPILOT, open_browser=None)
    # 2 s advertised; slow_down says interval=10 (more than 2 + 5), then it stays 10.
    assert manual_clock.sleeps == [2.0, 10.0, 10.0]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("access_denied", "device flow error: access_denied (the request was denied)"),
        ("expired_token", "device flow error: expired_token (the code expired"),
        ("invalid_grant", "device flow error: invalid_grant"),
    ],
)
@pytest.mark.parametrize("name", DEVICE_PROVIDERS)
async def test_terminal_poll_errors_end_the_login(
    name: str,
    step: str,
    message: str,
    oauth_fake: OAuthFake,
    oauth_options: AuthOptions,
    flow_ctx: FlowContext,
) -> None:
    oauth_fake.script_device(name, "pending", step)
    store = InMemoryTokenStore()
    with pytest.raises(AuthError, match=message.replace("(", r"\(").replace(")", r"\)")):
        await login(name, store=store, open_browser=None, context=flow_ctx)
    assert await store.list_accounts(P(name)) == []
    assert (
        len(oauth_fake.token_requests(name, DEVICE_GRANT)) == 2
    )  # no retry after a terminal error


@pytest.mark.parametrize(
    "reply",
    [
        Text(403, "Forbidden"),  # a bare 403: denied, by status alone
        Json(401, {"message": "denied"}),
        Json(200, {"error": "access_denied"}),  # by body alone (GitHub answers 200)
    ],
)
async def test_access_denied_by_status_or_by_body(
    reply: Text | Json, oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.script_device("kimi", reply)
    with pytest.raises(AuthError, match="device flow error: access_denied"):
        await authenticate(flow_ctx, P.KIMI, open_browser=None)


async def test_the_code_expires_locally_when_nobody_approves(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.device_overrides["copilot"] = {"expires_in": 12}
    oauth_fake.script_device("copilot", *["pending"] * 50)
    with pytest.raises(AuthError, match="device code expired"):
        await authenticate(flow_ctx, P.COPILOT, open_browser=None)
    assert manual_clock.sleeps == [5.0, 5.0, 5.0]
    assert len(oauth_fake.token_requests("copilot", DEVICE_GRANT)) == 2


async def test_network_failure_while_polling(oauth_fake: OAuthFake, flow_ctx: FlowContext) -> None:
    oauth_fake.script_device("qwen", "pending", Drop())
    with pytest.raises(TransportError, match="device token poll for qwen"):
        await authenticate(flow_ctx, P.QWEN, open_browser=None)


async def test_server_closed_before_the_device_request(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.server.close()
    with pytest.raises(TransportError, match="device authorization for copilot: ConnectError"):
        await authenticate(flow_ctx, P.COPILOT, open_browser=None)


async def test_a_5xx_poll_without_an_oauth_error_is_reported(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.script_device("kimi", Text(502, "bad gateway"))
    with pytest.raises(AuthError, match=r"device flow error: the poll returned 502 Bad Gateway"):
        await authenticate(flow_ctx, P.KIMI, open_browser=None)


async def test_device_response_defaults_and_fallbacks(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    # No verification_uri: copilot falls back to GitHub's page; a float interval counts
    # as missing for the original, here it is honoured; no expires_in gives 900 s.
    oauth_fake.device_overrides["copilot"] = {
        "verification_uri": None,
        "expires_in": None,
        "interval": 2.5,
    }
    prompts: list[LoginPrompt] = []
    await authenticate(flow_ctx, P.COPILOT, open_browser=None, on_prompt=prompts.append)
    shown = next(p for p in prompts if isinstance(p, DeviceCodePrompt))
    assert shown.verification_uri == "https://github.com/login/device"
    assert shown.expires_in == 900
    assert manual_clock.sleeps == [2.5]


@pytest.mark.parametrize("name", ["qwen", "kimi"])
async def test_missing_verification_uri_is_an_error_without_fallback(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    oauth_fake.device_overrides[name] = {
        "verification_uri": None,
        "verification_uri_complete": None,
    }
    with pytest.raises(AuthError, match="missing verification_uri"):
        await authenticate(flow_ctx, name, open_browser=None)


async def test_zero_interval_is_floored_so_the_loop_never_spins(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, manual_clock: ManualClock
) -> None:
    oauth_fake.device_overrides["kimi"] = {"interval": 0}
    oauth_fake.script_device("kimi", "pending")
    await authenticate(flow_ctx, P.KIMI, open_browser=None)
    assert manual_clock.sleeps == [1.0, 1.0]


async def test_device_endpoint_errors(oauth_fake: OAuthFake, flow_ctx: FlowContext) -> None:
    oauth_fake.clients["qwen"] = ("someone-else", None)
    with pytest.raises(
        AuthError, match=r"device authorization failed \(400 Bad Request\): invalid_client"
    ):
        await authenticate(flow_ctx, P.QWEN, open_browser=None)


# ------------------------------------------------------------ the classifier


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers or {})


def test_classify_reads_the_body_whatever_the_status() -> None:
    assert classify_poll(_response(400, b'{"error":"authorization_pending"}')).error == (
        "authorization_pending"
    )
    outcome = classify_poll(_response(200, b'{"error":"slow_down","interval":15}'))
    assert (outcome.error, outcome.interval) == ("slow_down", 15.0)
    ok = classify_poll(_response(200, b'{"access_token":"x"}'))
    assert ok.error is None and ok.data == {"access_token": "x"}


def test_classify_reads_aws_error_types() -> None:
    header = {"x-amzn-ErrorType": "SlowDownException:http://internal.amazon.com/coral/x/"}
    assert classify_poll(_response(400, b'{"message":"x"}', header)).error == "slow_down"
    typed = b'{"__type":"com.amazonaws.ssooidc#AuthorizationPendingException"}'
    assert classify_poll(_response(400, typed)).error == "authorization_pending"


def test_classify_rejects_unreadable_success() -> None:
    with pytest.raises(AuthError, match="failed to parse the token reply"):
        classify_poll(_response(200, b"<html>"))
    with pytest.raises(AuthError, match="not a JSON object"):
        classify_poll(_response(200, b"[1, 2]"))
