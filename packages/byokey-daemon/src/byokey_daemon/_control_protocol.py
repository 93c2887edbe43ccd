"""What travels over the control socket, independent of the RPC library.

rpyc passes ``str``, ``int``, ``bool``, ``None`` and ``tuple`` by value but a ``dict`` as
a netref that cannot even be copied back (spec §3.1). Every exposed method therefore
returns a ``(ok, text)`` tuple: on success the text is a JSON document (or empty), on
failure it is the error text. Remote exceptions are never relied upon.
"""

from __future__ import annotations

import json
from typing import Protocol, TypedDict

NO_CONFIG_FILE = "no config file (server started without --config)"

Reply = tuple[bool, str]


class ServerStatus(TypedDict):
    """The ``status()`` answer (spec §3.2)."""

    pid: int
    version: str
    host: str
    port: int
    uptime_secs: int


class ControlHandler(Protocol):
    """What the control server calls; invoked on rpyc worker threads, concurrently."""

    def status(self) -> ServerStatus: ...

    def shutdown(self) -> None:
        """Trigger graceful shutdown and return at once."""

    def reload(self) -> str | None:
        """Re-read the configuration: None when it worked, else the error text."""


def encode_status(status: ServerStatus) -> str:
    return json.dumps(dict(status), separators=(",", ":"))


def decode_status(text: str) -> ServerStatus:
    """Parse and check a status reply; ``ValueError`` names what is wrong."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError("status reply is not JSON") from exc
    if not isinstance(data, dict):
        raise ValueError("status reply is not an object")
    ints = ("pid", "port", "uptime_secs")
    strs = ("version", "host")
    for key in ints:
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"status reply field {key!r} is not an integer")
    for key in strs:
        if not isinstance(data.get(key), str):
            raise ValueError(f"status reply field {key!r} is not a string")
    return ServerStatus(
        pid=data["pid"],
        version=data["version"],
        host=data["host"],
        port=data["port"],
        uptime_secs=data["uptime_secs"],
    )
