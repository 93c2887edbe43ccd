"""byokey's proxy composed by hand, for when ``byokey serve`` is not available.

``python -m bench.byokey_compose -c settings.yaml`` builds what ``byokey serve``
builds for a key-only configuration — settings, the upstream pool, API-key
credentials, the provider gateway, the proxy state — and serves the main
listener with hypercorn on uvloop until SIGTERM/SIGINT. No store, no auth
manager, no control socket: :mod:`bench.run` prefers the real CLI
(``--server cli``) so start-up time is the real one; this is the fallback.

``--processes N`` forks N-1 more copies after binding, all accepting on the one
listening socket: the experiment behind docs/performance.md's "why one
process" (what a second core would give), not a supported way to run byokey —
each copy has its own cooldowns, rate-limit book and usage counters.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket

from byokey_config import load_settings
from byokey_provider import ConfigCredentials, ProviderGateway, UpstreamHttp
from byokey_proxy import Listeners, ProxyState, bind, serve

__all__ = ["main"]


async def _serve(config: str, listener: socket.socket | None = None) -> None:
    settings = load_settings(config, discover=False)
    http = UpstreamHttp.from_settings(settings)
    gateway = ProviderGateway(settings, ConfigCredentials(settings), http)
    state = ProxyState(gateway=gateway, settings=lambda: settings)
    stop = asyncio.Event()

    async def stopped() -> None:
        await stop.wait()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await serve(
            state,
            Listeners(main=listener or bind(settings.host, settings.port)),
            shutdown_trigger=stopped,
            drain_seconds=2.0,
        )
    finally:
        await gateway.aclose()
        await http.aclose()


def _run(config: str, listener: socket.socket | None) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the lock on Linux
        asyncio.run(_serve(config, listener))
    else:
        uvloop.run(_serve(config, listener))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--processes", type=int, default=1, help="copies sharing the socket")
    args = parser.parse_args(argv)
    if args.processes <= 1:
        _run(args.config, None)
        return
    settings = load_settings(args.config, discover=False)
    listener = bind(settings.host, settings.port)
    children: list[int] = []
    for _ in range(args.processes - 1):
        pid = os.fork()
        if pid == 0:
            _run(args.config, listener)
            os._exit(0)
        children.append(pid)

    try:
        _run(args.config, listener)  # SIGTERM stops this copy; it then stops the others
    finally:
        for child in children:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(child, signal.SIGTERM)
                os.waitpid(child, 0)


if __name__ == "__main__":
    main()
