"""Authorization-code logins end to end: robot browser -> fake authorize -> local callback
-> fake token endpoint, for claude, codex, gemini, antigravity, iflow and amp.

The fake checks what the real servers check (PKCE verifier, redirect URI, client
authentication, JSON vs form) and records any breach in ``problems``.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from byokey_auth import BrowserPrompt, LoginPrompt, ProgressPrompt, authenticate, login
from byokey_auth._context import FlowContext
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.errors import AuthError, TransportError
from byokey_types.provider import ProviderId
from tests.fakes.oauth import AUTH_CODE_PROVIDERS, OAuthFake, RobotBrowser, s256
from tests.fakes.server import Drop, Json, Text

P = ProviderId


async def test_every_auth_code_provider_logs_in_and_saves(
    oauth_fake: OAuthFake, oauth_options: AuthOptions, robot: RobotBrowser
) -> None:
    store = InMemoryTokenStore()
    for name in AUTH_CODE_PROVIDERS:
        prompts: list[LoginPrompt] = []
        token = await login(
            name, store=store, on_prompt=prompts.append, open_browser=robot, options=oauth_options
        )
        pid = P(name)
        assert await store.load_account(pid, "default") == token
        assert token.token_type == "Bearer"
        assert token.refresh_token is not None and token.refresh_token.startswith(f"rt-{name}")
        assert token.expires_at is not None
        browser = [p for p in prompts if isinstance(p, BrowserPrompt)]
        assert len(browser) == 1 and robot.opened[-1] == browser[0].url
        assert robot.last.callback_status == 200
        assert "Login successful!" in robot.last.callback_page
        assert isinstance(prompts[-1], ProgressPrompt) and "default" in prompts[-1].message
    assert oauth_fake.problems == []
    for name in AUTH_CODE_PROVIDERS:
        oauth_fake.server.assert_called("POST", f"/{name}/token", times=1)


async def test_claude_and_amp_exchange_as_json_with_state(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    for name in ("claude", "amp"):
        await authenticate(flow_ctx, name, open_browser=robot)
        authorize = oauth_fake.requests_to(name, "authorize")[-1].query
        body = oauth_fake.token_requests(name)[-1].json()
        assert list(body) == [
            "grant_type",
            "client_id",
            "code",
            "redirect_uri",
            "code_verifier",
            "state",
        ]
        assert body["state"] == authorize["state"]
        assert s256(body["code_verifier"]) == authorize["code_challenge"]
        assert body["redirect_uri"] == authorize["redirect_uri"]
        assert body["redirect_uri"].startswith("http://localhost:")
        assert body["redirect_uri"].endswith("/callback")
    assert oauth_fake.problems == []


async def test_codex_form_exchange_keeps_id_token_and_account_id(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    token = await authenticate(flow_ctx, P.CODEX, open_browser=robot)
    request = oauth_fake.token_requests("codex")[-1]
    request.assert_header("accept", "application/json")
    form = parse_qs(request.text())
    assert list(form) == ["grant_type", "client_id", "code", "redirect_uri", "code_verifier"]
    assert form["redirect_uri"][0].endswith("/auth/callback")
    assert token.metadata["chatgpt_account_id"] == "acct-fake-123"
    assert token.metadata["chatgpt_plan_type"] == "plus"
    assert token.metadata["email"] == "dev@example.com"
    assert token.metadata["id_token"].count(".") == 2
    assert "id_token" not in repr(token) or "metadata_keys" in repr(token)
    assert oauth_fake.problems == []


@pytest.mark.parametrize("name", ["gemini", "antigravity"])
async def test_google_exchange_sends_the_secret_and_keeps_the_email(
    name: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    token = await authenticate(flow_ctx, name, open_browser=robot)
    form = parse_qs(oauth_fake.token_requests(name)[-1].text())
    assert form["client_secret"] == [f"sec-{name}"]
    assert list(form) == [
        "grant_type",
        "client_id",
        "client_secret",
        "code",
        "redirect_uri",
        "code_verifier",
    ]
    assert token.metadata["email"] == "dev@example.com"
    query = oauth_fake.requests_to(name, "authorize")[-1].target
    assert "access_type=offline&prompt=consent" in query
    assert "https://www.googleapis.com/auth/" in query  # the scope URL is sent raw


@pytest.mark.parametrize(
    ("project", "expected"),
    [("fake-project-42", "fake-project-42"), ({"id": "obj-project"}, "obj-project"), (None, None)],
)
async def test_antigravity_keeps_its_cloud_code_project(
    project: str | dict[str, str] | None,
    expected: str | None,
    oauth_fake: OAuthFake,
    flow_ctx: FlowContext,
    robot: RobotBrowser,
) -> None:
    oauth_fake.cloud_project = project
    token = await authenticate(flow_ctx, P.ANTIGRAVITY, open_browser=robot)
    lookup = oauth_fake.server.requests_to("/v1internal:loadCodeAssist")[-1]
    assert lookup.bearer() == token.access_token
    assert lookup.json()["metadata"]["ideType"] == "ANTIGRAVITY"
    assert token.metadata.get("project_id") == expected


async def test_a_failed_project_lookup_does_not_fail_the_login(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.server.route("POST", "/v1internal:loadCodeAssist", Drop())
    token = await authenticate(flow_ctx, P.ANTIGRAVITY, open_browser=robot)
    assert "project_id" not in token.metadata
    assert "Login successful!" in robot.last.callback_page


async def test_claude_keeps_account_and_organization(
    flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    token = await authenticate(flow_ctx, P.CLAUDE, open_browser=robot)
    assert token.metadata == {
        "account_uuid": "acc-uuid-1",
        "email": "dev@example.com",
        "organization_uuid": "org-uuid-1",
    }


async def test_iflow_uses_basic_auth_no_pkce_and_stores_the_api_key(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    token = await authenticate(flow_ctx, P.IFLOW, open_browser=robot)
    request = oauth_fake.token_requests("iflow")[-1]
    expected = base64.b64encode(b"test-iflow:sec-iflow").decode()
    request.assert_header("authorization", f"Basic {expected}")
    form = parse_qs(request.text())
    assert list(form) == ["grant_type", "client_id", "code", "redirect_uri"]
    authorize = oauth_fake.requests_to("iflow", "authorize")[-1]
    assert "code_challenge" not in authorize.query
    assert authorize.target.endswith("&loginMethod=phone&type=phone")
    assert token.access_token.startswith("sk-iflow-")
    assert token.refresh_token is not None and token.refresh_token.startswith("rt-iflow")
    assert token.metadata["email"] == "dev@example.com"
    assert token.metadata["user_id"] == "42"
    userinfo = oauth_fake.server.requests_to("/api/oauth/getUserInfo")[-1]
    assert oauth_fake.issued_tokens[userinfo.query["accessToken"]] == "iflow"
    assert oauth_fake.problems == []


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("empty_key", "iflow: missing apiKey in userinfo response"),
        ("500", "iflow userinfo 500 Internal Server Error"),
        ("not_json", "iflow userinfo parse error"),
    ],
)
async def test_iflow_userinfo_failures(
    mode: str,
    message: str,
    oauth_fake: OAuthFake,
    flow_ctx: FlowContext,
    robot: RobotBrowser,
) -> None:
    oauth_fake.userinfo_mode = mode  # type: ignore[assignment]
    with pytest.raises(AuthError, match=message):
        await authenticate(flow_ctx, P.IFLOW, open_browser=robot)
    assert robot.last.callback_status == 400
    assert "Login failed" in robot.last.callback_page


# ---------------------------------------------------------------- failures


async def test_denial_shows_an_error_page_and_saves_nothing(
    oauth_fake: OAuthFake, oauth_options: AuthOptions, robot: RobotBrowser
) -> None:
    oauth_fake.authorize_mode["claude"] = "deny"
    store = InMemoryTokenStore()
    with pytest.raises(AuthError, match="authorization failed: access_denied") as caught:
        await login("claude", store=store, open_browser=robot, options=oauth_options)
    assert str(caught.value).startswith("authentication error: ")
    assert robot.last.callback_status == 400
    assert "Login failed" in robot.last.callback_page
    assert "Login successful" not in robot.last.callback_page
    assert await store.list_accounts(P.CLAUDE) == []
    oauth_fake.server.assert_not_called("POST", "/claude/token")


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("wrong_state", "state mismatch, possible CSRF attack"),
        ("no_state", "state mismatch, possible CSRF attack"),
        ("no_code", "missing code parameter in callback"),
    ],
)
async def test_bad_callbacks_are_refused_before_any_success_page(
    mode: str, message: str, oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.authorize_mode["codex"] = mode  # type: ignore[assignment]
    with pytest.raises(AuthError, match=message):
        await authenticate(flow_ctx, P.CODEX, open_browser=robot)
    assert robot.last.callback_status == 400
    assert "Login successful" not in robot.last.callback_page
    oauth_fake.server.assert_not_called("POST", "/codex/token")


async def test_timeout_when_the_browser_never_comes_back(
    make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake
) -> None:
    idle = RobotBrowser(follow=False)
    with pytest.raises(AuthError, match="timed out waiting for OAuth callback"):
        await login(
            "gemini",
            store=InMemoryTokenStore(),
            open_browser=idle,
            options=make_options(callback_timeout=0.2),
        )
    assert len(idle.opened) == 1
    oauth_fake.server.assert_not_called("POST", "/gemini/token")


async def test_a_busy_callback_port_is_reported_with_what_to_do(
    make_options: Callable[..., AuthOptions], robot: RobotBrowser
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        options = make_options(callback_ports={P.CLAUDE: port})
        with pytest.raises(AuthError) as caught:
            await login("claude", store=InMemoryTokenStore(), open_browser=robot, options=options)
    text = str(caught.value)
    assert f"port {port} is already in use" in text
    assert f"lsof -i :{port}" in text
    assert robot.opened == []  # nobody is sent to a login that cannot finish


async def test_fixed_port_is_used_in_the_redirect_uri(
    make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake, robot: RobotBrowser
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = make_options(callback_ports={P.AMP: port})
    await login("amp", store=InMemoryTokenStore(), open_browser=robot, options=options)
    query = oauth_fake.requests_to("amp", "authorize")[-1].query
    assert query["redirect_uri"] == f"http://localhost:{port}/callback"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            Json(400, {"error": "invalid_grant", "error_description": "bad code"}),
            r"code exchange failed \(400 Bad Request\): invalid_grant: bad code",
        ),
        (Text(500, "<html>oops</html>"), r"code exchange failed \(500 Internal Server Error\)"),
        (Text(200, "not json"), "failed to parse the token reply"),
        (Json(200, {"token_type": "bearer"}), "missing access_token in response"),
        (Json(400, {}), r"code exchange failed \(400 Bad Request\): unknown"),
    ],
)
async def test_exchange_failures_show_an_error_page(
    reply: Json | Text,
    message: str,
    oauth_fake: OAuthFake,
    flow_ctx: FlowContext,
    robot: RobotBrowser,
) -> None:
    oauth_fake.fail_exchange("claude", reply)
    with pytest.raises(AuthError, match=message):
        await authenticate(flow_ctx, P.CLAUDE, open_browser=robot)
    assert robot.last.callback_status == 400
    assert "Login failed" in robot.last.callback_page


async def test_network_failure_during_the_exchange(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    oauth_fake.fail_exchange("codex", Drop())
    with pytest.raises(TransportError, match="code exchange for codex") as caught:
        await authenticate(flow_ctx, P.CODEX, open_browser=robot)
    assert caught.value.is_retryable()
    assert "Login failed" in robot.last.callback_page


async def test_oauth_host_gone_after_the_redirect(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    """The authorize page answered, then the whole OAuth host went away."""

    async def browser_then_outage(url: str) -> None:
        async with httpx.AsyncClient(timeout=10.0) as client:
            redirect = (await client.get(url)).headers["location"]
            await asyncio.to_thread(oauth_fake.server.close)
            await client.get(redirect.replace("localhost", "127.0.0.1"))

    with pytest.raises(TransportError, match="code exchange for gemini: ConnectError"):
        await authenticate(flow_ctx, P.GEMINI, open_browser=browser_then_outage)


async def test_a_failing_browser_opener_does_not_stop_the_login(
    oauth_fake: OAuthFake, flow_ctx: FlowContext
) -> None:
    """No browser (headless box): the caller shows the URL, the user visits it."""
    shown: list[str] = []

    def broken(url: str) -> None:
        raise OSError("no display")

    async def user_visits(prompt: LoginPrompt) -> None:
        if isinstance(prompt, BrowserPrompt):
            shown.append(prompt.url)
            asyncio.get_running_loop().create_task(RobotBrowser()(prompt.url))

    token = await authenticate(flow_ctx, P.CLAUDE, open_browser=broken, on_prompt=user_visits)
    assert token.access_token.startswith("at-claude")
    assert len(shown) == 1


@pytest.mark.parametrize("name", ["gemini", "iflow"])
async def test_a_document_client_without_its_secret_fails_before_the_browser_opens(
    name: str,
    make_options: Callable[..., AuthOptions],
    oauth_fake: OAuthFake,
    robot: RobotBrowser,
) -> None:
    """The document names another client: the compiled-in secret must not be paired with it."""
    oauth_fake.doc_mode[name] = "no_secret"
    options = make_options(endpoints=_with_document(oauth_fake), clients={})
    with pytest.raises(AuthError, match=f"{name} credentials missing client_secret"):
        await login(name, store=InMemoryTokenStore(), open_browser=robot, options=options)
    assert robot.opened == []


async def test_the_document_client_is_used_when_reachable(
    make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake, robot: RobotBrowser
) -> None:
    options = make_options(endpoints=_with_document(oauth_fake), clients={})
    await login("gemini", store=InMemoryTokenStore(), open_browser=robot, options=options)
    oauth_fake.server.assert_called("GET", "/oauth/gemini.json", times=1)
    assert oauth_fake.requests_to("gemini", "authorize")[-1].query["client_id"] == "test-gemini"
    assert oauth_fake.problems == []


async def test_amp_without_any_client_id_says_why(
    make_options: Callable[..., AuthOptions], oauth_fake: OAuthFake, robot: RobotBrowser
) -> None:
    oauth_fake.doc_mode["amp"] = "404"
    options = make_options(endpoints=_with_document(oauth_fake), clients={})
    with pytest.raises(AuthError) as caught:
        await login("amp", store=InMemoryTokenStore(), open_browser=robot, options=options)
    text = str(caught.value)
    assert "amp credentials missing client_id" in text
    assert "credentials endpoint returned 404 Not Found for amp" in text


async def test_the_authorize_url_carries_challenge_and_state_in_the_exact_order(
    oauth_fake: OAuthFake, flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    prompts: list[LoginPrompt] = []
    await authenticate(flow_ctx, P.CLAUDE, open_browser=robot, on_prompt=prompts.append)
    url = next(p.url for p in prompts if isinstance(p, BrowserPrompt))
    parts = urlsplit(url)
    keys = [pair.split("=", 1)[0] for pair in parts.query.split("&")]
    assert keys == [
        "client_id",
        "code",
        "code_challenge",
        "code_challenge_method",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
    ]
    query = oauth_fake.requests_to("claude", "authorize")[-1].query
    assert len(query["state"]) == 32 and int(query["state"], 16) >= 0
    assert len(query["code_challenge"]) == 43


def _with_document(fake: OAuthFake) -> AuthEndpoints:
    return AuthEndpoints(fake.endpoint_overrides(with_document=True))
