"""The two ASGI applications: the main listener and the Amp listener.

Both are built from one :class:`ProxyState` and the same front middleware
(:class:`~byokey_proxy._mw_front.FrontMiddleware`: dump when enabled → request
id → access log → body limit → client keys, in one layer) → the fixed ``POST`` chat
routes by dict lookup (:class:`~byokey_proxy._fast_routes.FastRoutes`) → routes. The main app's route table also feeds ``/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

from byokey_types import ByokError

from . import _schemas as s
from ._amp_forward import ampcode_proxy, login_redirects
from ._amp_threads import get_thread, list_threads
from ._client_format import format_for_path
from ._fast_routes import FastRoutes
from ._http_errors import MethodNotAllowed, NotFound
from ._mw_client_auth import ClientKeys
from ._mw_front import FrontMiddleware
from ._openapi import Operation, Parameter, build_openapi
from ._responses import error_response, json_response
from ._routes_chat import (
    Handler,
    chat_completions,
    count_tokens,
    gemini_native,
    messages,
    responses,
)
from ._routes_management import (
    accounts,
    activate_account,
    ratelimits,
    reload_settings,
    remove_account,
    reset_cooldowns,
    status,
    usage,
    usage_history,
    usage_totals,
)
from ._routes_models import healthz, list_models
from ._state import ProxyState

__all__ = ["create_amp_app", "create_app", "main_route_table"]

_M = "/v0/management"
_PROVIDER = Parameter("provider", "path", str, "Provider id or alias")
_ACCOUNT = Parameter("account_id", "path", str, "Account id")

RouteEntry = tuple[str, str, Callable[[ProxyState], Handler], Operation | None]

_MAIN_ROUTES: tuple[RouteEntry, ...] = (
    ("POST", "/v1/chat/completions", chat_completions, None),
    ("POST", "/v1/messages", messages, None),
    ("POST", "/v1/messages/count_tokens", count_tokens, None),
    ("POST", "/v1/responses", responses, None),
    ("POST", "/v1beta/models/{action}", gemini_native, None),
    (
        "GET",
        "/v1/models",
        list_models,
        Operation("list_models", "Models clients may request", s.ModelsResponse, tag="models"),
    ),
    (
        "GET",
        "/healthz",
        healthz,
        Operation("healthz", "Liveness probe", s.HealthResponse, tag="models"),
    ),
    (
        "GET",
        f"{_M}/status",
        status,
        Operation("status_handler", "Server and provider status", s.StatusResponse),
    ),
    (
        "GET",
        f"{_M}/accounts",
        accounts,
        Operation("accounts_handler", "Stored accounts per provider", s.AccountsResponse),
    ),
    (
        "DELETE",
        f"{_M}/accounts/{{provider}}/{{account_id}}",
        remove_account,
        Operation(
            "remove_account_handler",
            "Remove an account and its token",
            None,
            204,
            (_PROVIDER, _ACCOUNT),
            (400, 503),
        ),
    ),
    (
        "POST",
        f"{_M}/accounts/{{provider}}/{{account_id}}/activate",
        activate_account,
        Operation(
            "activate_account_handler",
            "Make an account the active one",
            None,
            204,
            (_PROVIDER, _ACCOUNT),
            (400, 404, 503),
        ),
    ),
    (
        "GET",
        f"{_M}/ratelimits",
        ratelimits,
        Operation("ratelimits_handler", "Latest upstream rate-limit headers", s.RateLimitsResponse),
    ),
    (
        "POST",
        f"{_M}/cooldowns/reset",
        reset_cooldowns,
        Operation(
            "reset_cooldowns_handler",
            "Make cooled-down credentials ready again",
            s.CooldownResetResponse,
            query=s.CooldownResetQuery,
            errors=(400,),
        ),
    ),
    (
        "POST",
        f"{_M}/reload",
        reload_settings,
        Operation(
            "reload_handler",
            "Re-read the settings file",
            s.ReloadResponse,
            errors=(422, 503),
        ),
    ),
    (
        "GET",
        f"{_M}/usage",
        usage,
        Operation("usage_handler", "Usage counters since start", s.UsageSnapshot),
    ),
    (
        "GET",
        f"{_M}/usage/history",
        usage_history,
        Operation(
            "usage_history_handler",
            "Usage buckets from the persistent store",
            s.UsageHistoryResponse,
            query=s.UsageHistoryQuery,
            errors=(400, 503),
        ),
    ),
    (
        "GET",
        f"{_M}/usage/totals",
        usage_totals,
        Operation(
            "usage_totals_handler",
            "Persistent usage totals grouped by provider, model and/or account",
            s.UsageTotalsResponse,
            query=s.UsageTotalsQuery,
            errors=(400, 503),
        ),
    ),
    (
        "GET",
        f"{_M}/amp/threads",
        list_threads,
        Operation(
            "list_threads",
            "Amp CLI threads on this machine",
            s.AmpThreadListResponse,
            query=s.AmpThreadListQuery,
            errors=(400,),
        ),
    ),
    (
        "GET",
        f"{_M}/amp/threads/{{id}}",
        get_thread,
        Operation(
            "get_thread",
            "One Amp CLI thread",
            s.AmpThreadDetail,
            parameters=(Parameter("id", "path", str, "Thread id (T-…)"),),
            errors=(400, 404),
        ),
    ),
)


def main_route_table() -> list[tuple[str, str, Operation]]:
    """The documented routes, as ``/openapi.json`` describes them."""
    return [(method, path, op) for method, path, _, op in _MAIN_ROUTES if op is not None]


def _openapi_route(version: str) -> Handler:
    document = build_openapi(main_route_table(), version=version)

    async def handle(request: Request) -> Response:
        return json_response(document)

    return handle


def _stack(
    state: ProxyState, *, listener: str, keys: ClientKeys, fast: dict[str, Handler]
) -> list[Middleware]:
    return [
        Middleware(FrontMiddleware, listener=listener, limit=state.max_body_bytes, keys=keys),
        Middleware(FastRoutes, routes=fast),
    ]


def _fixed_posts(routes: list[Route]) -> dict[str, Handler]:
    """The ``POST`` routes without path parameters, by path (for :class:`FastRoutes`)."""
    fast: dict[str, Handler] = {}
    for route in routes:
        if route.methods == {"POST"} and not route.param_convertors:
            fast[route.path] = route.endpoint
    return fast


def create_app(state: ProxyState) -> Starlette:
    """The main listener (OpenAI, Anthropic, Responses, Gemini, management, OpenAPI)."""
    from . import __version__

    routes = [
        Route(path, handler(state), methods=[method]) for method, path, handler, _ in _MAIN_ROUTES
    ]
    routes.append(Route("/openapi.json", _openapi_route(__version__), methods=["GET"]))
    keys = ClientKeys(
        settings=state.settings,
        protected=lambda path: path != "/openapi.json",
        exposed=lambda: state.exposed,
    )
    return _starlette(routes, _stack(state, listener="main", keys=keys, fast=_fixed_posts(routes)))


async def _routing_error(request: Request, exc: Exception) -> Response:
    """Unknown paths (404) and wrong methods (405) as JSON errors in the path's format."""
    assert isinstance(exc, HTTPException)
    target = f"{request.method} {request.url.path}"
    err: ByokError = (
        MethodNotAllowed(f"{target} is not allowed")
        if exc.status_code == 405
        else NotFound(f"no route for {target}")
    )
    if exc.status_code not in (404, 405):
        err = ByokError(str(exc.detail))
        err.status = exc.status_code
    response = error_response(err, format_for_path(request.url.path))
    response.headers.update(exc.headers or {})
    return response


def _starlette(routes: list[Route], middleware: list[Middleware]) -> Starlette:
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: _routing_error},
    )
    # "/v0/management" must be a 404, not a redirect to "/v0/management/" (spec §4).
    app.router.redirect_slashes = False
    return app


class _OwnPathRoute(Route):
    """A route that owns its path: a wrong method is its 405, not a later catch-all's request.

    Starlette keeps looking for a full match after a method mismatch, so without
    this ``GET /api/provider/openai/v1/chat/completions`` would be forwarded to
    ampcode.com by ``/api/{path}``; the original answers 405 there.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        return (Match.FULL if match is Match.PARTIAL else match), child


_ANY = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
_AMP_OPEN_PATHS = frozenset({"/v1/login", "/auth/cli-login"})


def create_amp_app(state: ProxyState) -> Starlette:
    """The Amp CLI listener: provider routes, login redirects, ampcode.com pass-through.

    With ``api_keys`` configured every route but the two login redirects needs a
    key: the pass-through attaches this machine's Amp credential, so it is as
    valuable as the provider routes.
    """
    login, cli_login = login_redirects()
    forward = ampcode_proxy(state)
    post = ["POST"]
    routes = [
        Route("/v1/login", login, methods=["GET"]),
        Route("/auth/cli-login", cli_login, methods=["GET"]),
        _OwnPathRoute("/api/provider/anthropic/v1/messages", messages(state), methods=post),
        _OwnPathRoute(
            "/api/provider/anthropic/v1/messages/count_tokens", count_tokens(state), methods=post
        ),
        _OwnPathRoute(
            "/api/provider/openai/v1/chat/completions", chat_completions(state), methods=post
        ),
        _OwnPathRoute("/api/provider/openai/v1/responses", responses(state), methods=post),
        _OwnPathRoute(
            "/api/provider/google/v1beta/models/{action}", gemini_native(state), methods=post
        ),
        Route("/v0/management/{path:path}", forward, methods=_ANY),
        Route("/api/{path:path}", forward, methods=_ANY),
    ]
    keys = ClientKeys(
        settings=state.settings,
        protected=lambda path: path not in _AMP_OPEN_PATHS,
        exposed=lambda: state.exposed,
        lock_management=False,
    )
    return _starlette(routes, _stack(state, listener="amp", keys=keys, fast=_fixed_posts(routes)))
