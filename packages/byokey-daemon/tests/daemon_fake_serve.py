"""A stand-in for ``byokey serve``: binds the control socket and serves until shutdown.

Run as a script by the lifecycle tests. It wires the real pieces together the way the
server will: ShutdownCoordinator (signals + control shutdown), an async control handler
bridged onto the loop, and ControlServer.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path

from byokey_daemon import (
    NO_CONFIG_FILE,
    ControlServer,
    LoopBridgedHandler,
    ServerStatus,
    ShutdownCoordinator,
)


class FakeServe:
    def __init__(self, coordinator: ShutdownCoordinator, config: Path | None, port: int) -> None:
        self._coordinator = coordinator
        self._config = config
        self._port = port
        self._started = time.monotonic()
        self.reloads = 0

    async def status(self) -> ServerStatus:
        import os

        return ServerStatus(
            pid=os.getpid(),
            version="0.0.0-fake",
            host="127.0.0.1",
            port=self._port,
            uptime_secs=int(time.monotonic() - self._started),
        )

    async def shutdown(self) -> None:
        self._coordinator.request("control")

    async def reload(self) -> str | None:
        if self._config is None:
            return NO_CONFIG_FILE
        text = self._config.read_text()
        if "broken" in text:
            return f"invalid config in {self._config}"
        self.reloads += 1
        print(f"reloaded config #{self.reloads}", flush=True)
        return None


class StubbornServe(FakeServe):
    async def shutdown(self) -> None:
        print("ignoring shutdown request", flush=True)


async def serve(args: argparse.Namespace) -> int:
    coordinator = ShutdownCoordinator()
    coordinator.attach()
    if args.stubborn:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        app: FakeServe = StubbornServe(coordinator, args.config, args.port)
    else:
        coordinator.install_signal_handlers()
        app = FakeServe(coordinator, args.config, args.port)
    handler = LoopBridgedHandler(app, asyncio.get_running_loop())
    server = ControlServer(handler, args.socket)
    server.start()
    print(f"fake serve listening (argv: {' '.join(sys.argv[1:])})", flush=True)
    try:
        await coordinator.wait()
    finally:
        server.close()
        coordinator.remove_signal_handlers()
    print(f"fake serve stopped ({coordinator.reason})", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--port", type=int, default=8018)
    parser.add_argument("--crash", action="store_true", help="fail during start-up")
    parser.add_argument("--never-ready", action="store_true", help="never bind the socket")
    parser.add_argument("--stubborn", action="store_true", help="ignore shutdown and SIGTERM")
    args = parser.parse_args()
    if args.crash:
        print("fake serve starting", flush=True)
        print("Error: bind amp 127.0.0.1:18018: Address already in use (os error 98)")
        return 3
    if args.never_ready:
        print("fake serve hanging before the control socket", flush=True)
        time.sleep(60)
        return 0
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
