"""What each provider's refresh request looks like on the wire, and how answers are read."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator

import orjson
import pytest

from byokey_auth import AuthManager, InvalidGrant, RefreshUnavailable, refresh_oauth_token
from byokey_auth._clients import COMPILED_CLIENTS
from byokey_auth._clock import ManualClock
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore
from byokey_types.errors import AuthError, TokenExpired
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken
from tests.fakes.oauth_token import OAuthTokenFake
from tests.fakes.server import FakeServer, Json, Text

P = ProviderId


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(fake_server: FakeServer) -> OAuthTokenFake:
    return OAuthTokenFake(fake_server)


@pytest.fixture
async def manager(fake: OAuthTokenFake, clock: ManualClock) -> AsyncIterator[AuthManager]:
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()), http_timeout=10.0)
    async with AuthManager(InMemoryTokenStore(), options=options, clock=clock) as m:
        yield m


def old(clock: ManualClock, **metadata: str) -> OAuthToken:
    return OAuthToken(
        "at-old", refresh_token="rt-old", expires_at=int(clock.time()) - 1, metadata=metadata
    )


async def refreshed(manager: AuthManager, provider: ProviderId, token: OAuthToken) -> OAuthToken:
    await manager.save_token(provider, token)
    return await manager.get_token(provider)


def _jwt(claims: dict[str, object]) -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps(claims)).decode().rstrip("=")
    return f"eyJhbGciOiJub25lIn0.{payload}.c2lnbmF0dXJlMDA"


async def test_claude_refresh_is_json(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    await refreshed(manager, P.CLAUDE, old(clock))
    (sent,) = fake.refresh_requests("claude")
    assert sent.is_json
    assert sent.fields == {
        "grant_type": "refresh_token",
        "client_id": COMPILED_CLIENTS[P.CLAUDE].client_id,
        "refresh_token": "rt-old",
    }
    sent.request.assert_header("accept", "application/json")


@pytest.mark.parametrize("provider", [P.CODEX, P.QWEN, P.KIMI])
async def test_standard_refresh_is_a_form_without_secret(
    provider: ProviderId, manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    token = await refreshed(manager, provider, old(clock))
    assert token.access_token == f"at-{provider.value}-1"
    (sent,) = fake.refresh_requests(provider.value)
    assert not sent.is_json
    assert sent.request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert list(sent.fields) == ["grant_type", "client_id", "refresh_token"]
    assert sent.fields["client_id"] == COMPILED_CLIENTS[provider].client_id
    sent.request.assert_no_header("x-msh-device-id")


@pytest.mark.parametrize("provider", [P.GEMINI, P.ANTIGRAVITY])
async def test_google_refresh_sends_the_client_secret(
    provider: ProviderId, manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.succeed(provider.value, rotate=False)
    token = await refreshed(manager, provider, old(clock, project_id="p-1"))
    assert token.refresh_token == "rt-old"
    assert token.metadata == {"project_id": "p-1"}
    (sent,) = fake.refresh_requests(provider.value)
    assert sent.fields["client_secret"] == COMPILED_CLIENTS[provider].client_secret
    assert list(sent.fields)[-1] == "client_secret"


async def test_codex_refresh_updates_id_token_metadata(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    id_token = _jwt(
        {
            "email": "me@example.com",
            "https://api.openai.com/auth": {"chatgpt_account_id": "acc-2"},
        }
    )
    fake.succeed("codex", extra={"id_token": id_token})
    token = await refreshed(manager, P.CODEX, old(clock, chatgpt_account_id="acc-1", other="x"))
    assert token.metadata["chatgpt_account_id"] == "acc-2"
    assert token.metadata["id_token"] == id_token
    assert token.metadata["email"] == "me@example.com"
    assert token.metadata["other"] == "x"


async def test_qwen_refresh_keeps_or_updates_resource_url(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    token = await refreshed(manager, P.QWEN, old(clock, resource_url="portal.qwen.ai"))
    assert token.metadata["resource_url"] == "portal.qwen.ai"
    fake.succeed("qwen", extra={"resource_url": "dashscope.example"})
    token = await manager.refresh(P.QWEN)
    assert token.metadata["resource_url"] == "dashscope.example"


async def test_iflow_refresh_uses_basic_auth_then_swaps_for_the_api_key(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    token = await refreshed(manager, P.IFLOW, old(clock))
    (sent,) = fake.refresh_requests("iflow")
    client = COMPILED_CLIENTS[P.IFLOW]
    assert sent.basic_auth == (client.client_id, client.client_secret)
    assert sent.fields == {"grant_type": "refresh_token", "refresh_token": "rt-old"}
    assert token.access_token == "sk-iflow-for-at-iflow-1"
    assert token.refresh_token == "rt-iflow-1"


async def test_kiro_idc_refresh_goes_to_the_oidc_token_endpoint(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    meta = {
        "auth_method": "idc",
        "client_id": "cid-kiro",
        "client_secret": "csec-kiro",
        "region": "eu-west-1",
    }
    token = await refreshed(manager, P.KIRO, old(clock, **meta))
    (sent,) = fake.refresh_requests("kiro")
    assert sent.is_json
    assert sent.fields == {
        "clientId": "cid-kiro",
        "clientSecret": "csec-kiro",
        "grantType": "refresh_token",
        "refreshToken": "rt-old",
    }
    assert token.access_token == "at-kiro-1"
    assert token.refresh_token == "rt-kiro-1"
    assert token.expires_at == int(clock.time()) + 3600
    assert token.metadata == meta


async def test_kiro_social_refresh(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.succeed("kiro-social", rotate=False, extra={"profileArn": "arn:aws:cw:profile/x"})
    token = await refreshed(manager, P.KIRO, old(clock, auth_method="social"))
    (sent,) = fake.refresh_requests("kiro-social")
    assert sent.fields == {"refreshToken": "rt-old"}
    assert token.access_token == "at-kiro-social-1"
    assert token.refresh_token == "rt-old"
    assert token.metadata["profile_arn"] == "arn:aws:cw:profile/x"


async def test_kiro_oidc_url_follows_the_region(fake: OAuthTokenFake, clock: ManualClock) -> None:
    overrides = fake.endpoint_overrides()
    del overrides["kiro_token"]
    overrides["kiro_oidc"] = fake.url + "/{region}/kiro/oidc"
    fake.server.route(
        "POST", "/ap-south-1/kiro/oidc/token", Json(200, {"accessToken": "at-r", "expiresIn": 60})
    )
    options = AuthOptions(endpoints=AuthEndpoints(overrides))
    async with AuthManager(InMemoryTokenStore(), options=options, clock=clock) as manager:
        meta = {"client_id": "c", "client_secret": "s", "region": "ap-south-1"}
        token = await refreshed(manager, P.KIRO, old(clock, **meta))
    assert token.access_token == "at-r"


async def test_kiro_without_registration_needs_login(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    with pytest.raises(AuthError, match="no client registration"):
        await refreshed(manager, P.KIRO, old(clock, auth_method="idc"))
    assert fake.server.requests == []


async def test_kiro_invalid_grant(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    fake.invalid_grant("kiro")
    with pytest.raises(TokenExpired):
        await refreshed(manager, P.KIRO, old(clock, client_id="c", client_secret="s"))


# ------------------------------------------------------------ reading answers


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Json(200, {"token_type": "bearer"}), AuthError, "missing access_token"),
        (Text(200, "not json"), AuthError, "failed to parse refresh response"),
        (Text(500, "boom"), RefreshUnavailable, r"refresh failed \(500 Internal Server Error\)"),
        (Json(503, {"error": "x"}), RefreshUnavailable, r"\(503 Service Unavailable\): x"),
        (Json(400, {}), AuthError, r"refresh failed \(400 Bad Request\): unknown error"),
        (Text(403, "<html/>"), AuthError, r"refresh failed \(403 Forbidden\)"),
    ],
)
async def test_answers_map_to_typed_errors(
    reply: Json | Text,
    error: type[AuthError],
    message: str,
    fake: OAuthTokenFake,
    clock: ManualClock,
) -> None:
    fake.queue("codex", reply)
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    async with AuthManager(InMemoryTokenStore(), options=options, clock=clock) as manager:
        ctx = manager.context
        with pytest.raises(error, match=message) as caught:
            await refresh_oauth_token(ctx, P.CODEX, old(clock))
    assert type(caught.value) is error


async def test_invalid_grant_is_typed_with_the_description(
    fake: OAuthTokenFake, manager: AuthManager, clock: ManualClock
) -> None:
    fake.invalid_grant("kimi", "Token has been revoked")
    with pytest.raises(InvalidGrant, match="invalid_grant: Token has been revoked"):
        await refresh_oauth_token(manager.context, P.KIMI, old(clock))


async def test_refresh_preconditions_send_nothing(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock
) -> None:
    with pytest.raises(AuthError, match="no refresh_token for claude"):
        await refresh_oauth_token(manager.context, P.CLAUDE, OAuthToken("at"))
    with pytest.raises(AuthError, match="token refresh not supported for copilot"):
        await refresh_oauth_token(manager.context, P.COPILOT, old(clock))
    assert fake.server.requests == []


async def test_runtime_document_supplies_the_token_url(
    fake_server_factory: object, clock: ManualClock
) -> None:
    """No config override: the client document's ``token_url`` is used."""
    assert callable(fake_server_factory)
    docs: FakeServer = fake_server_factory("docs")
    tokens = OAuthTokenFake(fake_server_factory("tokens"))
    docs.route(
        "GET",
        "/oauth/codex.json",
        Json(200, {"client_id": "doc-client", "token_url": tokens.token_url("codex")}),
    )
    options = AuthOptions(endpoints=AuthEndpoints({"credentials_base": f"{docs.url}/oauth"}))
    async with AuthManager(InMemoryTokenStore(), options=options, clock=clock) as manager:
        token = await refreshed(manager, P.CODEX, old(clock))
    assert token.access_token == "at-codex-1"
    assert tokens.refresh_requests("codex")[0].fields["client_id"] == "doc-client"


async def test_iflow_refresh_logs_no_token_even_at_debug(
    manager: AuthManager, fake: OAuthTokenFake, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The user-info call carries the OAuth token in its URL; httpx logs URLs at INFO."""
    caplog.set_level(logging.DEBUG)
    token = await refreshed(manager, P.IFLOW, old(clock))
    assert fake.server.requests_to("/iflow/userinfo")[0].query["accessToken"] == "at-iflow-1"
    assert "at-iflow-1" not in caplog.text
    assert token.access_token not in caplog.text
    assert "rt-iflow-1" not in caplog.text and "rt-old" not in caplog.text
