"""Running both listeners with hypercorn in one event loop.

``serve`` is what ``byokey serve`` calls. It takes already-bound sockets (from
``byokey_daemon.bind_listener`` or socket activation) or binds itself, runs the
main and Amp apps side by side until ``shutdown_trigger`` returns, then lets
in-flight requests finish for ``drain_seconds`` (hypercorn's graceful timeout)
before the usage writer flushes and pooled clients close.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from hypercorn.app_wrappers import ASGIWrapper
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.typing import ASGIFramework

from ._app import create_amp_app, create_app
from ._state import ProxyState, is_loopback_host

__all__ = ["Listeners", "bind", "exposure_warning", "serve"]

_log = logging.getLogger("byokey.proxy.serve")


@dataclass(slots=True)
class Listeners:
    """The two listening sockets; ``amp`` may be None to run without the Amp listener."""

    main: socket.socket
    amp: socket.socket | None = None


def bind(host: str, port: int) -> socket.socket:
    """Bind a non-blocking listening socket (for callers without byokey-daemon)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def exposure_warning(host: str, api_keys: tuple[str, ...]) -> str | None:
    """The loud warning for a server anyone on the network can use, or None."""
    if is_loopback_host(host) or api_keys:
        return None
    return (
        f"WARNING: byokey listens on {host} without api_keys: anyone who can reach this "
        "address can spend your subscriptions. Set api_keys in the settings file, or bind "
        "127.0.0.1. The management API stays locked until a key is configured."
    )


class _Config(Config):
    """hypercorn's config with its per-reply headers built once a second, not per reply.

    Stock ``response_headers`` formats the ``Date`` header (``wsgiref``'s
    ``format_date_time``) on every response, ~1 % of a proxied request's CPU; the date
    only changes each second. hypercorn chains the returned list into the reply's
    headers without changing it, so one list serves every reply of that second.
    """

    _cached_second = -1
    _cached: dict[str, list[tuple[bytes, bytes]]]

    def response_headers(self, protocol: str) -> list[tuple[bytes, bytes]]:
        second = int(time.time())
        if second != self._cached_second:
            self._cached_second = second
            self._cached = {}
        found = self._cached.get(protocol)
        if found is None:
            found = self._cached[protocol] = super().response_headers(protocol)
        return found


def _config(drain_seconds: float) -> Config:
    config = _Config()
    config.accesslog = None
    config.errorlog = logging.getLogger("byokey.proxy.hypercorn")
    config.graceful_timeout = drain_seconds
    config.keep_alive_timeout = 75
    config.include_server_header = False  # one header less per reply (issue 9)
    return config


async def serve(
    state: ProxyState,
    listeners: Listeners,
    *,
    shutdown_trigger: Callable[[], Awaitable[None]],
    drain_seconds: float = 10.0,
) -> None:
    """Serve until ``shutdown_trigger`` returns; then drain, flush usage and close."""
    host = str(listeners.main.getsockname()[0])
    state.listen_host = host
    warning = exposure_warning(host, state.settings().api_keys)
    if warning:
        _log.warning(warning)
        print(warning, flush=True)  # deliberately loud on the console too
    state.usage.start(preload=True)  # in the background: the store may still be opening
    stop = asyncio.Event()

    async def trigger() -> None:
        await stop.wait()

    apps: list[tuple[ASGIFramework, socket.socket]] = []
    if listeners.amp is not None:
        apps.append((cast(ASGIFramework, create_amp_app(state)), listeners.amp))
    apps.append((cast(ASGIFramework, create_app(state)), listeners.main))
    servers = [
        asyncio.create_task(
            worker_serve(
                ASGIWrapper(app),
                _config(drain_seconds),
                sockets=Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[]),
                shutdown_trigger=trigger,
            ),
            name=f"byokey-listener-{sock.getsockname()[1]}",
        )
        for app, sock in apps
    ]
    try:
        waiter: asyncio.Future[None] = asyncio.ensure_future(shutdown_trigger())
        await asyncio.wait([waiter, *servers], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        waiter.cancel()
        results = await asyncio.gather(*servers, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                _log.error("listener stopped with an error: %r", result)
    finally:
        stop.set()
        for task in servers:
            task.cancel()
        await asyncio.gather(*servers, return_exceptions=True)
        await state.usage.aclose()
        await state.aclose()
