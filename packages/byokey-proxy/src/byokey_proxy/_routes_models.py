"""``GET /v1/models`` (OpenAI shape, what every client lists) and ``GET /healthz``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ._responses import json_response
from ._routes_chat import Handler
from ._schemas import ModelsResponse
from ._state import ProxyState

__all__ = ["healthz", "list_models"]


def list_models(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        body: ModelsResponse = {
            "object": "list",
            "data": [
                {"id": m.id, "object": "model", "created": 0, "owned_by": m.owned_by}
                for m in state.gateway.list_models()
            ],
        }
        return json_response(body)

    return handle


def healthz(state: ProxyState) -> Handler:
    """Liveness for service managers and load balancers; never authenticated."""

    async def handle(request: Request) -> Response:
        return json_response({"status": "ok"})

    return handle
