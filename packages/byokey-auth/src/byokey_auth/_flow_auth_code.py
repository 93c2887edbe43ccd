"""The authorization-code driver shared by claude, codex, gemini, antigravity, iflow and amp.

Order of events: resolve the client, bind the callback listener (so a busy port
fails before the user is sent anywhere), hand the authorize URL to the caller and
the browser opener, wait for a callback whose state matches, exchange the code,
run the provider's finishing step (iFlow's API-key exchange), and only then tell
the browser how it went.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from byokey_auth._authorize_urls import AuthorizeParams, build_authorize_url
from byokey_auth._browser import BrowserOpener, open_quietly
from byokey_auth._callback import CallbackServer
from byokey_auth._clients import OAuthClient
from byokey_auth._context import FlowContext
from byokey_auth._exchange_response import exchange_json
from byokey_auth._http import send
from byokey_auth._pkce import Pkce, generate_pkce, random_state
from byokey_auth._prompts import BrowserPrompt, ProgressPrompt, PromptHandler, emit
from byokey_auth._token_response import parse_token_response
from byokey_types.errors import AuthError, ByokError
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["AuthCodeSpec", "require_client_id", "run_auth_code"]

log = logging.getLogger(__name__)

Finisher = Callable[[FlowContext, OAuthToken], Awaitable[OAuthToken]]


@dataclass(frozen=True, slots=True)
class AuthCodeSpec:
    """How one provider's authorization-code login differs from the others."""

    provider: ProviderId
    callback_path: str = "/callback"
    pkce: bool = True
    body: Literal["json", "form"] = "form"
    """``json`` for claude and amp (with ``state``), a form for everyone else."""
    client_auth: Literal["none", "secret", "basic"] = "none"
    """``secret``: ``client_secret`` in the form (Google); ``basic``: HTTP Basic (iFlow)."""
    accept_json: bool = False
    finish: Finisher | None = None


def require_client_id(ctx: FlowContext, client: OAuthClient) -> str:
    """The client id, or an error that says where it should have come from."""
    if client.client_id:
        return client.client_id
    reason = ctx.credentials.last_failure(client.provider)
    name = client.provider.value
    hint = (
        f"; the runtime credential document could not be fetched ({reason})"
        if reason
        else f"; set auth.clients.{name}.client_id in the config"
    )
    raise AuthError(f"{name} credentials missing client_id{hint}")


def _exchange_request(
    spec: AuthCodeSpec,
    client: OAuthClient,
    client_id: str,
    *,
    code: str,
    redirect_uri: str,
    pkce: Pkce | None,
    state: str,
) -> dict[str, Any]:
    fields: dict[str, str] = {"grant_type": "authorization_code", "client_id": client_id}
    headers: dict[str, str] = {}
    if spec.client_auth == "secret":
        fields["client_secret"] = client.need_secret()
    fields["code"] = code
    fields["redirect_uri"] = redirect_uri
    if pkce is not None:
        fields["code_verifier"] = pkce.verifier
    if spec.client_auth == "basic":
        pair = f"{client_id}:{client.need_secret()}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    if spec.accept_json or spec.body == "json":
        headers["Accept"] = "application/json"
    if spec.body == "json":
        return {"json": {**fields, "state": state}, "headers": headers}
    return {"data": fields, "headers": headers}


async def run_auth_code(
    ctx: FlowContext,
    spec: AuthCodeSpec,
    *,
    on_prompt: PromptHandler | None,
    open_browser: BrowserOpener | None,
) -> OAuthToken:
    """Log in through the browser; returns the token (not yet saved)."""
    provider = spec.provider
    await emit(on_prompt, ProgressPrompt(provider, "resolving the OAuth client"))
    client = await ctx.credentials.client(provider)
    client_id = require_client_id(ctx, client)
    token_url = client.need_token_url()
    if spec.client_auth != "none":
        client.need_secret()
    authorize = ctx.options.endpoints.require(f"{provider.value}_authorize")
    pkce = generate_pkce() if spec.pkce else None
    state = random_state()
    port = ctx.options.callback_port(provider)
    await emit(on_prompt, ProgressPrompt(provider, f"listening for the callback on port {port}"))
    async with await CallbackServer.bind(port, provider=provider.display_name) as server:
        redirect_uri = f"http://localhost:{server.port}{spec.callback_path}"
        server.expect_state(state)
        url = build_authorize_url(
            provider,
            AuthorizeParams(
                authorize, client_id, redirect_uri, pkce.challenge if pkce else "", state
            ),
        )
        await emit(on_prompt, BrowserPrompt(provider, url, redirect_uri))
        # The opener runs beside the wait: a test's robot browser only returns once
        # the callback page is served, which happens after the exchange below.
        opening = asyncio.create_task(open_quietly(open_browser, url))
        try:
            await emit(on_prompt, ProgressPrompt(provider, "waiting for the browser to return"))
            code = await server.wait_for_code(ctx.options.callback_timeout)
            await emit(on_prompt, ProgressPrompt(provider, "exchanging the code for a token"))
            try:
                token = await _exchange(
                    ctx, spec, client, client_id, token_url, code, redirect_uri, pkce, state
                )
            except ByokError as exc:
                server.report_failure(_shown(exc))
                raise
            server.report_success()
        finally:
            server.report_failure("the login was interrupted")
            await _settle(opening)
    return token


async def _exchange(
    ctx: FlowContext,
    spec: AuthCodeSpec,
    client: OAuthClient,
    client_id: str,
    token_url: str,
    code: str,
    redirect_uri: str,
    pkce: Pkce | None,
    state: str,
) -> OAuthToken:
    request = _exchange_request(
        spec, client, client_id, code=code, redirect_uri=redirect_uri, pkce=pkce, state=state
    )
    response = await send(
        ctx.http, "POST", token_url, what=f"code exchange for {spec.provider.value}", **request
    )
    token = parse_token_response(exchange_json(response), provider=spec.provider, now=ctx.now())
    if spec.finish is not None:
        token = await spec.finish(ctx, token)
    return token


def _shown(exc: ByokError) -> str:
    """The browser page's reason: the error's own text, which never carries a secret."""
    return exc.message or type(exc).__name__


async def _settle(opening: asyncio.Task[None]) -> None:
    """Give the opener a moment to finish (it is usually done), then drop it."""
    if not opening.done():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait({opening}, timeout=5.0)
    if not opening.done():
        opening.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await opening
