"""``login()``: the one entry point the CLI (or a desktop app) drives for every provider.

The library never prints and never reads a terminal: what the user must do (open
a URL, type a code) arrives through ``on_prompt``; the browser is opened through
``open_browser`` (``None`` to leave it to the caller). The token is saved through
the ``TokenStore`` passed in, under ``account`` (``default`` when not named).

| provider | flow |
|---|---|
| claude, codex, gemini, antigravity, iflow, amp | authorization code (+ PKCE S256 except iFlow) with a local callback |
| copilot, qwen, kimi | device code (RFC 8628; GitHub's shape for copilot) |
| kiro | AWS SSO-OIDC device authorization (Builder ID / IAM Identity Center) |
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from byokey_auth._browser import BrowserOpener, open_in_browser
from byokey_auth._clock import Clock, SystemClock
from byokey_auth._cloud_project import with_antigravity_project
from byokey_auth._context import FlowContext
from byokey_auth._credentials import CredentialResolver
from byokey_auth._device_logins import DEVICE_LOGIN_PROVIDERS, run_device_login
from byokey_auth._flow_auth_code import AuthCodeSpec, run_auth_code
from byokey_auth._iflow import exchange_api_key
from byokey_auth._kiro_oidc import run_kiro_login
from byokey_auth._options import AuthOptions
from byokey_auth._prompts import ProgressPrompt, PromptHandler, emit
from byokey_types.errors import AuthError
from byokey_types.protocols import TokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import DEFAULT_ACCOUNT, OAuthToken

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = [
    "AUTH_CODE_SPECS",
    "LOGIN_KINDS",
    "LoginKind",
    "authenticate",
    "flow_context",
    "login",
    "login_with_api_key",
]

_P = ProviderId

AUTH_CODE_SPECS: Final[Mapping[ProviderId, AuthCodeSpec]] = MappingProxyType(
    {
        _P.CLAUDE: AuthCodeSpec(_P.CLAUDE, body="json"),
        _P.CODEX: AuthCodeSpec(_P.CODEX, callback_path="/auth/callback", accept_json=True),
        _P.GEMINI: AuthCodeSpec(_P.GEMINI, client_auth="secret"),
        _P.ANTIGRAVITY: AuthCodeSpec(
            _P.ANTIGRAVITY, client_auth="secret", finish=with_antigravity_project
        ),
        _P.IFLOW: AuthCodeSpec(_P.IFLOW, pkce=False, client_auth="basic", finish=exchange_api_key),
        _P.AMP: AuthCodeSpec(_P.AMP, body="json"),
    }
)

LoginKind = Literal["browser", "device"]
LOGIN_KINDS: Final[Mapping[ProviderId, LoginKind]] = MappingProxyType(
    {p: ("browser" if p in AUTH_CODE_SPECS else "device") for p in ProviderId}
)
"""How each provider logs in: a browser redirect to a local port, or a code to type."""


@contextlib.asynccontextmanager
async def flow_context(
    options: AuthOptions | None = None,
    *,
    http: httpx.AsyncClient | None = None,
    clock: Clock | None = None,
) -> AsyncIterator[FlowContext]:
    """A context for one or more logins; closes the HTTP client it made itself."""
    opts = options or AuthOptions()
    own = http is None
    if http is None:
        import httpx

        http = httpx.AsyncClient(timeout=opts.http_timeout)
    client = http
    clk: Clock = clock or SystemClock()
    try:
        yield FlowContext(client, CredentialResolver.from_options(client, opts, clk), opts, clk)
    finally:
        if own:
            await client.aclose()


def _provider(provider: ProviderId | str) -> ProviderId:
    return provider if isinstance(provider, ProviderId) else ProviderId.parse(provider)


async def authenticate(
    ctx: FlowContext,
    provider: ProviderId | str,
    *,
    on_prompt: PromptHandler | None = None,
    open_browser: BrowserOpener | None = open_in_browser,
    kiro_region: str | None = None,
    kiro_start_url: str | None = None,
) -> OAuthToken:
    """Run ``provider``'s login and return the token without saving it."""
    pid = _provider(provider)
    if pid in AUTH_CODE_SPECS:
        return await run_auth_code(
            ctx, AUTH_CODE_SPECS[pid], on_prompt=on_prompt, open_browser=open_browser
        )
    if pid in DEVICE_LOGIN_PROVIDERS:
        return await run_device_login(ctx, pid, on_prompt=on_prompt, open_browser=open_browser)
    return await run_kiro_login(
        ctx,
        on_prompt=on_prompt,
        open_browser=open_browser,
        region=kiro_region,
        start_url=kiro_start_url,
    )


def _account_id(account: str | None) -> str:
    if account is None:
        return DEFAULT_ACCOUNT
    if not account.strip():
        raise AuthError("the account name must not be empty")
    return account


async def login(
    provider: ProviderId | str,
    *,
    store: TokenStore,
    account: str | None = None,
    label: str | None = None,
    on_prompt: PromptHandler | None = None,
    open_browser: BrowserOpener | None = open_in_browser,
    options: AuthOptions | None = None,
    context: FlowContext | None = None,
    kiro_region: str | None = None,
    kiro_start_url: str | None = None,
) -> OAuthToken:
    """Log in to ``provider`` and save the token as ``account`` (``default`` if None).

    Pass ``context=manager.context`` to share the manager's HTTP client and
    client-document cache, or ``options`` to build a fresh one. A new account
    becomes active only if the provider has no active account (the store's rule).
    Raises ``AuthError`` (denied, timed out, wrong state, port busy...) or
    ``TransportError`` (the provider could not be reached); nothing is saved then.
    """
    pid = _provider(provider)
    account_id = _account_id(account)
    if context is not None:
        token = await authenticate(
            context,
            pid,
            on_prompt=on_prompt,
            open_browser=open_browser,
            kiro_region=kiro_region,
            kiro_start_url=kiro_start_url,
        )
    else:
        async with flow_context(options) as ctx:
            token = await authenticate(
                ctx,
                pid,
                on_prompt=on_prompt,
                open_browser=open_browser,
                kiro_region=kiro_region,
                kiro_start_url=kiro_start_url,
            )
    await store.save_account(pid, account_id, label, token)
    await emit(on_prompt, ProgressPrompt(pid, f"saved as account '{account_id}'"))
    return token


async def login_with_api_key(
    provider: ProviderId | str,
    api_key: str,
    *,
    store: TokenStore,
    account: str | None = None,
    label: str | None = None,
) -> OAuthToken:
    """Store a pasted API key as the account's credential (Amp's ``amp login`` key).

    It never expires and has no refresh token, so the manager never tries to renew it.
    """
    pid = _provider(provider)
    key = api_key.strip()
    if not key:
        raise AuthError("the API key must not be empty")
    token = OAuthToken(access_token=key, token_type="Bearer", metadata={"kind": "api_key"})
    await store.save_account(pid, _account_id(account), label, token)
    return token
