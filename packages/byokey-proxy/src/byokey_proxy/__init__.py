"""The byokey HTTP gateway: OpenAI, Anthropic, Responses, Gemini and Amp routes.

Build a :class:`ProxyState` around a :class:`Gateway` (the provider layer),
then either mount :func:`create_app` / :func:`create_amp_app` in any ASGI
server or call :func:`serve` to run both listeners with hypercorn.
"""

__version__ = "0.1.0"

from ._app import create_amp_app, create_app, main_route_table
from ._gateway import Gateway, ListedModel, ModelInfo, Routed, RoutedResponse
from ._openapi import build_openapi
from ._serve import Listeners, bind, exposure_warning, serve
from ._state import DEFAULT_MAX_BODY_BYTES, ProxyState, is_loopback_host
from ._usage_recorder import UsageRecorder

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Gateway",
    "ListedModel",
    "Listeners",
    "ModelInfo",
    "ProxyState",
    "Routed",
    "RoutedResponse",
    "UsageRecorder",
    "__version__",
    "bind",
    "build_openapi",
    "create_amp_app",
    "create_app",
    "exposure_warning",
    "is_loopback_host",
    "main_route_table",
    "serve",
]
