"""The first line of ``byokey status``: is a server running, and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from byokey_daemon import (
    ControlClient,
    DaemonError,
    DaemonPaths,
    ServerState,
    process_status,
)


@dataclass(frozen=True, slots=True)
class ServerView:
    state: ServerState
    pid: int | None = None
    host: str | None = None
    port: int | None = None
    version: str | None = None
    uptime_secs: int | None = None
    alive: bool | None = None

    @property
    def line(self) -> str:
        """The original's wording, plus the address when the server told us."""
        if self.state is ServerState.RUNNING:
            where = f" at http://{self.host}:{self.port}" if self.host is not None else ""
            return f"server: running (pid {self.pid}){where}"
        if self.state is ServerState.STALE:
            return "server: not running (stale pid file)"
        return "server: not running"

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "pid": self.pid,
            "host": self.host,
            "port": self.port,
            "version": self.version,
            "uptime_secs": self.uptime_secs,
        }


def server_view(paths: DaemonPaths) -> ServerView:
    client = ControlClient(paths.control_socket)
    try:
        status = client.status()
    except DaemonError:
        found = process_status(client, paths.pid_file)
        return ServerView(found.state, found.pid, alive=found.alive)
    return ServerView(
        ServerState.RUNNING,
        status["pid"],
        status["host"],
        status["port"],
        status["version"],
        status["uptime_secs"],
        True,
    )
