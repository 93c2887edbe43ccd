"""The listener and the shutdown trigger handed to hypercorn, as the server will do it.

hypercorn belongs to byokey-proxy, not to this package, so the test is skipped when it
is not installed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from byokey_daemon import ShutdownCoordinator, bind_listener

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

hypercorn_config = pytest.importorskip("hypercorn.config")
hypercorn_run = pytest.importorskip("hypercorn.asyncio.run")
hypercorn_wrappers = pytest.importorskip("hypercorn.app_wrappers")


async def test_hypercorn_serves_on_our_socket_and_stops_on_request() -> None:
    coordinator = ShutdownCoordinator()

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        with coordinator.track():
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    sock = bind_listener("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = hypercorn_config.Config()
    config.accesslog = None
    sockets = hypercorn_config.Sockets(secure_sockets=[], insecure_sockets=[sock], quic_sockets=[])
    server = asyncio.create_task(
        hypercorn_run.worker_serve(
            hypercorn_wrappers.ASGIWrapper(app),
            config,
            sockets=sockets,
            shutdown_trigger=coordinator.wait,
        )
    )
    # The socket listens from bind_listener() on, so this connect never races the server.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    reply = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert reply.startswith(b"HTTP/1.1 200")
    assert b"\r\nok\r\n" in reply
    coordinator.request("test")
    await asyncio.wait_for(server, 10)
    assert await coordinator.drain(1) == 0
