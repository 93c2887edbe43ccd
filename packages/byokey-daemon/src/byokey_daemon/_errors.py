"""The daemon's own exception hierarchy.

byokey-daemon imports nothing of the workspace (not even ``byokey_types``), so it cannot
use ``ByokError``; the CLI maps these to exit code 1 and prints ``str(exc)`` followed by
the chain of causes. The texts are the original's Display strings (spec §4.9 and §4.1),
so the OS-level detail lives in ``__cause__``, never in the message itself.
"""

from __future__ import annotations

from pathlib import Path

_MAX_RAW_PID_CHARS = 64


class DaemonError(Exception):
    """Base class: every failure of a daemon helper is one of these."""


class AlreadyRunningError(DaemonError):
    def __init__(self, pid: int) -> None:
        self.pid = pid
        super().__init__(f"byokey is already running (pid {pid})")


class NotRunningError(DaemonError):
    def __init__(self) -> None:
        super().__init__("byokey is not running (PID file not found)")


class StopFailedError(DaemonError):
    def __init__(self, pid: int) -> None:
        self.pid = pid
        super().__init__(f"failed to stop process {pid}")


class SpawnFailedError(DaemonError):
    def __init__(self) -> None:
        super().__init__("failed to spawn daemon process")


class StartFailedError(DaemonError):
    """The child was spawned but never became ready (the original reported success)."""

    def __init__(self, reason: str, log_tail: list[str]) -> None:
        self.reason = reason
        self.log_tail = log_tail
        text = f"byokey failed to start ({reason})"
        if log_tail:
            text += "; last log lines:\n" + "\n".join(f"  {line}" for line in log_tail)
        super().__init__(text)


class DaemonIOError(DaemonError):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(f"I/O error on {path}")


class NoHomeDirectoryError(DaemonError):
    def __init__(self) -> None:
        super().__init__("cannot determine home directory")


class ServiceError(DaemonError):
    """A service-manager step failed; the tool's own output is in ``__cause__``."""

    def __init__(self, step: str) -> None:
        self.step = step
        super().__init__(f"{step} failed")


class ControlRequestError(DaemonError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(f"control request failed: {message}")


class MalformedPidFileError(DaemonError):
    def __init__(self, raw: str) -> None:
        shown = raw if len(raw) <= _MAX_RAW_PID_CHARS else raw[:_MAX_RAW_PID_CHARS] + "…"
        self.raw = raw
        super().__init__(f"malformed PID file: {shown}")


class UnsupportedPlatformError(DaemonError):
    def __init__(self) -> None:
        super().__init__("autostart is not supported on this platform")


class AnotherServeRunningError(DaemonError):
    def __init__(self, socket_path: Path | str) -> None:
        self.socket_path = Path(socket_path)
        super().__init__(
            f"another byokey serve is already running (control socket {socket_path} is live)"
        )


class ControlBindError(DaemonError):
    def __init__(self, socket_path: Path | str) -> None:
        self.socket_path = Path(socket_path)
        super().__init__(f"bind control socket {socket_path}")


class ListenerBindError(DaemonError):
    """``bind HOST:PORT`` (the OS error is the cause), or ``invalid address HOST:PORT``."""

    def __init__(self, host: str, port: int, *, invalid_address: bool = False) -> None:
        self.host = host
        self.port = port
        prefix = "invalid address" if invalid_address else "bind"
        super().__init__(f"{prefix} {host}:{port}")


def error_chain_text(exc: BaseException) -> str:
    """Render an error and its causes joined by ``: `` the way the CLI prints them."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        if text:
            parts.append(text)
        current = current.__cause__
    return ": ".join(parts)
