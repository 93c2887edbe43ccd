"""byokey's proxy composed by hand, for when ``byokey serve`` is not available.

``python -m bench.byokey_compose -c settings.yaml`` builds what ``byokey serve``
builds for a key-only configuration — settings, the upstream pool, API-key
credentials, the provider gateway, the proxy state — and serves the main
listener with hypercorn on uvloop until SIGTERM/SIGINT. No store, no auth
manager, no control socket: :mod:`bench.run` prefers the real CLI
(``--server cli``) so start-up time is the real one; this is the fallback.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from byokey_config import load_settings
from byokey_provider import ConfigCredentials, ProviderGateway, UpstreamHttp
from byokey_proxy import Listeners, ProxyState, bind, serve

__all__ = ["main"]


async def _serve(config: str) -> None:
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
            Listeners(main=bind(settings.host, settings.port)),
            shutdown_trigger=stopped,
            drain_seconds=2.0,
        )
    finally:
        await gateway.aclose()
        await http.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-c", "--config", required=True)
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the lock on Linux
        asyncio.run(_serve(args.config))
    else:
        uvloop.run(_serve(args.config))


if __name__ == "__main__":
    main()
