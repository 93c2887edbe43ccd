"""The chat routes answered without walking Starlette's router.

Why: a proxied request is a few hundred microseconds of CPU, and Starlette's route
table walk (a regex per route until one matches), its exception middleware and the
``request_response`` wrapper with its per-request closures were ~8 % of it (profile
of scenario (b), issue 9). The chat routes are fixed ``POST`` paths, so one dict
lookup finds them; everything else — other methods, the management API, path
parameters, 404/405 — still goes through the Starlette app below.

Nothing changes for a client: the handler is the same object the route table holds,
it gets the same ``Request``, and an unexpected exception still reaches Starlette's
``ServerErrorMiddleware`` above (the 500 JSON error with the request id). Chat
handlers never raise ``HTTPException``, the one exception the skipped exception
middleware would have turned into a response.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ._routes_chat import Handler

__all__ = ["FastRoutes"]


class FastRoutes:
    """ASGI middleware: ``POST`` to a path in ``routes`` runs its handler directly."""

    def __init__(self, app: ASGIApp, *, routes: Mapping[str, Handler]) -> None:
        self.app = app
        self._routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            handler = self._routes.get(scope["path"])
            if handler is not None:
                response = await handler(Request(scope, receive))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
