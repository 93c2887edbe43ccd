"""The public ``login`` API the CLI drives: where tokens are saved, prompts, the iterator form."""

from __future__ import annotations

from pathlib import Path

import pytest

from byokey_auth import (
    LOGIN_KINDS,
    BrowserPrompt,
    DeviceCodePrompt,
    LoginFinished,
    LoginPrompt,
    ProgressPrompt,
    login,
    login_events,
    login_with_api_key,
)
from byokey_auth._context import FlowContext
from byokey_auth._options import AuthOptions
from byokey_store import InMemoryTokenStore, open_store
from byokey_types.errors import AuthError, UnsupportedProvider
from byokey_types.provider import ProviderId
from byokey_types.token import AccountInfo
from tests.fakes.oauth import OAuthFake, RobotBrowser

P = ProviderId


def test_every_provider_has_a_login() -> None:
    assert set(LOGIN_KINDS) == set(ProviderId)
    assert {p for p, kind in LOGIN_KINDS.items() if kind == "device"} == {
        P.COPILOT,
        P.QWEN,
        P.KIMI,
        P.KIRO,
    }


async def test_accounts_default_named_labelled_and_active_rules(
    flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    store = InMemoryTokenStore()
    first = await login("github", store=store, open_browser=robot, context=flow_ctx)
    work = await login(
        P.COPILOT, store=store, account="work", label="Work", open_browser=None, context=flow_ctx
    )
    assert await store.list_accounts(P.COPILOT) == [
        AccountInfo("default", None, True),  # the first account becomes active
        AccountInfo("work", "Work", False),
    ]
    assert await store.load(P.COPILOT) == first
    assert await store.load_account(P.COPILOT, "work") == work
    again = await login(P.COPILOT, store=store, open_browser=None, context=flow_ctx)
    assert await store.load_account(P.COPILOT, "default") == again != first


async def test_bad_provider_and_account_names(flow_ctx: FlowContext) -> None:
    store = InMemoryTokenStore()
    with pytest.raises(UnsupportedProvider):
        await login("nope", store=store, context=flow_ctx)
    with pytest.raises(AuthError, match="account name must not be empty"):
        await login("claude", store=store, account="  ", context=flow_ctx)


async def test_prompts_arrive_in_order_and_async_handlers_are_awaited(
    flow_ctx: FlowContext, robot: RobotBrowser
) -> None:
    seen: list[LoginPrompt] = []

    async def handler(prompt: LoginPrompt) -> None:
        seen.append(prompt)

    await login(
        "claude",
        store=InMemoryTokenStore(),
        on_prompt=handler,
        open_browser=robot,
        context=flow_ctx,
    )
    kinds = [type(p).__name__ for p in seen]
    assert kinds.index("BrowserPrompt") < len(kinds) - 1
    assert all(p.provider is P.CLAUDE for p in seen)
    browser = next(p for p in seen if isinstance(p, BrowserPrompt))
    assert browser.redirect_uri.startswith("http://localhost:")
    assert browser.url.startswith(flow_ctx.options.endpoints.require("claude_authorize"))


async def test_login_events_yields_prompts_then_the_token(flow_ctx: FlowContext) -> None:
    store = InMemoryTokenStore()
    events = [
        event
        async for event in login_events("qwen", store=store, open_browser=None, context=flow_ctx)
    ]
    assert isinstance(events[-1], LoginFinished)
    assert await store.load(P.QWEN) == events[-1].token
    assert any(isinstance(e, DeviceCodePrompt) for e in events)
    assert all(isinstance(e, ProgressPrompt | DeviceCodePrompt) for e in events[:-1])


async def test_login_events_raises_the_login_error(
    oauth_options: AuthOptions, oauth_fake: OAuthFake
) -> None:
    oauth_fake.authorize_mode["amp"] = "deny"
    seen: list[object] = []

    async def consume() -> None:
        async for event in login_events(
            "amp", store=InMemoryTokenStore(), open_browser=RobotBrowser(), options=oauth_options
        ):
            seen.append(event)

    with pytest.raises(AuthError, match="access_denied"):
        await consume()
    assert any(isinstance(e, BrowserPrompt) for e in seen)


async def test_leaving_the_iterator_early_cancels_the_login(
    oauth_options: AuthOptions, oauth_fake: OAuthFake
) -> None:
    store = InMemoryTokenStore()
    events = login_events("codex", store=store, open_browser=None, options=oauth_options)
    async for event in events:
        if isinstance(event, BrowserPrompt):
            break
    await events.aclose()  # type: ignore[attr-defined]
    assert await store.list_accounts(P.CODEX) == []
    oauth_fake.server.assert_not_called("POST", "/codex/token")


async def test_api_key_login_for_amp() -> None:
    store = InMemoryTokenStore()
    token = await login_with_api_key("ampcode", "  sgamp_user_key_1234  ", store=store)
    assert token.access_token == "sgamp_user_key_1234"
    assert token.expires_at is None and token.refresh_token is None
    assert await store.load(P.AMP) == token
    with pytest.raises(AuthError, match="must not be empty"):
        await login_with_api_key("amp", " ", store=store)


async def test_login_into_the_sql_store(
    flow_ctx: FlowContext, robot: RobotBrowser, tmp_path: Path
) -> None:
    sql = await open_store(f"sqlite:///{tmp_path / 'tokens.db'}")
    try:
        token = await login(
            "codex", store=sql.tokens, account="me", open_browser=robot, context=flow_ctx
        )
        stored = await sql.tokens.load_account(P.CODEX, "me")
    finally:
        await sql.aclose()
    assert stored == token
    assert stored is not None and stored.metadata["chatgpt_account_id"] == "acct-fake-123"


async def test_the_library_never_prints(
    flow_ctx: FlowContext, robot: RobotBrowser, capsys: pytest.CaptureFixture[str]
) -> None:
    await login("kimi", store=InMemoryTokenStore(), open_browser=None, context=flow_ctx)
    await login("iflow", store=InMemoryTokenStore(), open_browser=robot, context=flow_ctx)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


async def test_errors_and_logs_never_carry_secrets(
    oauth_fake: OAuthFake,
    flow_ctx: FlowContext,
    robot: RobotBrowser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    token = await login("iflow", store=InMemoryTokenStore(), open_browser=robot, context=flow_ctx)
    secrets = [token.access_token, token.refresh_token or "", "sec-iflow"]
    secrets += list(oauth_fake.codes) + list(oauth_fake.issued_tokens)
    # httpcore's DEBUG lines show the robot browser's 302 headers (test side, not ours).
    text = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpcore.http11")
    assert "getUserInfo?accessToken=[REDACTED]" in text  # httpx's INFO line, scrubbed
    for secret in secrets:
        assert secret not in text
        assert secret not in repr(token)
