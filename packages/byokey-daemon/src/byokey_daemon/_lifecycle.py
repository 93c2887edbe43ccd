"""``start`` / ``stop`` / ``restart`` / process status of the background server (spec §4.4–4.7)."""

from __future__ import annotations

import contextlib
import enum
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ._control_client import ControlClient
from ._control_probe import SocketProbe, probe_unix_socket
from ._errors import (
    AlreadyRunningError,
    AnotherServeRunningError,
    DaemonError,
    DaemonIOError,
    MalformedPidFileError,
    NotRunningError,
    StopFailedError,
)
from ._pidfile import is_process_alive, process_matches, read_pid_file, remove_pid_file
from ._process_exit import reap_child, terminate, wait_for_exit
from ._spawn import DEFAULT_READY_POLL_SECONDS, DEFAULT_READY_TIMEOUT_SECONDS, start_detached

DEFAULT_STOP_TIMEOUT_SECONDS = 5.0
DEFAULT_STOP_POLL_SECONDS = 0.05
DEFAULT_KILL_GRACE_SECONDS = 3.0
RESTART_PAUSE_SECONDS = 0.1


def start_server(
    argv: Sequence[str],
    *,
    pid_file: Path,
    control_socket: Path,
    log_file: Path,
    timeout: float = DEFAULT_READY_TIMEOUT_SECONDS,
    poll_interval: float = DEFAULT_READY_POLL_SECONDS,
    env: Mapping[str, str] | None = None,
    client: ControlClient | None = None,
) -> int:
    """``byokey start``: refuse if a server answers, clear leftovers, spawn, wait for ready.

    Unlike the original, a control socket that is listening but slow is never deleted:
    it is reported as a running server instead (spec §4.4, [BUG?]).
    """
    client = client or ControlClient(control_socket)
    try:
        running: int | None = client.status()["pid"]
    except DaemonError:
        running = None
    if running is not None:
        raise AlreadyRunningError(running)
    probe = probe_unix_socket(control_socket)
    if probe is SocketProbe.LISTENING:
        try:
            slow_pid = read_pid_file(pid_file)
        except DaemonError:
            raise AnotherServeRunningError(control_socket) from None
        raise AlreadyRunningError(slow_pid)
    if probe is SocketProbe.STALE:
        with contextlib.suppress(OSError):
            control_socket.unlink()
    remove_pid_file(pid_file)
    return start_detached(
        argv,
        log_file=log_file,
        pid_file=pid_file,
        ready_check=client.is_alive,
        timeout=timeout,
        poll_interval=poll_interval,
        env=env,
    )


def stop_server(
    *,
    pid_file: Path,
    client: ControlClient,
    timeout: float = DEFAULT_STOP_TIMEOUT_SECONDS,
    poll_interval: float = DEFAULT_STOP_POLL_SECONDS,
    kill_grace: float = DEFAULT_KILL_GRACE_SECONDS,
    cmdline_marker: str | None = None,
) -> int:
    """``byokey stop``: return the PID of the server that was stopped.

    Preferred path: ``shutdown`` over the control socket, then wait up to ``timeout``
    for the process to exit. Fallback (no answer): SIGTERM the PID from the PID file.
    Either way a process still there after the wait gets SIGTERM/SIGKILL (the original
    gave up silently). With ``cmdline_marker`` a PID whose command line does not
    contain it (a reused PID) is never signalled. The PID file is removed in all cases
    where a PID was found.
    """
    try:
        pid: int | None = client.status()["pid"]
    except DaemonError:
        pid = None
    if pid is not None:
        with contextlib.suppress(DaemonError):
            client.shutdown()
        gone = wait_for_exit(pid, timeout, poll_interval) or terminate(pid, grace=kill_grace)
        _wait_for_socket_removal(client.socket_path, poll_interval)
        remove_pid_file(pid_file)
        if not gone:
            raise StopFailedError(pid)
        return pid
    return _stop_by_pid_file(pid_file, timeout, poll_interval, kill_grace, cmdline_marker)


def _stop_by_pid_file(
    pid_file: Path,
    timeout: float,
    poll_interval: float,
    kill_grace: float,
    cmdline_marker: str | None,
) -> int:
    pid = read_pid_file(pid_file)
    if cmdline_marker is not None and not process_matches(pid, cmdline_marker):
        remove_pid_file(pid_file)
        raise StopFailedError(pid)
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError as exc:
        reap_child(pid)
        remove_pid_file(pid_file)
        raise StopFailedError(pid) from exc
    gone = wait_for_exit(pid, timeout, poll_interval) or terminate(pid, grace=kill_grace)
    remove_pid_file(pid_file)
    if not gone:
        raise StopFailedError(pid)
    return pid


def _wait_for_socket_removal(path: Path, poll_interval: float) -> None:
    """Give an exiting server a moment to unlink its socket; drop it if it died hard."""
    for _ in range(10):
        if probe_unix_socket(path) is SocketProbe.ABSENT:
            return
        time.sleep(poll_interval)
    if probe_unix_socket(path) is SocketProbe.STALE:
        with contextlib.suppress(OSError):
            path.unlink()


def restart_server(
    stop: Callable[[], object],
    start: Callable[[], int],
    *,
    pause: float = RESTART_PAUSE_SECONDS,
) -> int:
    """``byokey restart``: stop (any daemon error ignored), pause, start with new options."""
    with contextlib.suppress(DaemonError):
        stop()
    time.sleep(pause)
    return start()


class ServerState(enum.Enum):
    RUNNING = "running"
    STOPPED = "stopped"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class ProcessStatus:
    """What ``byokey status`` shows on its first line (spec §4.7).

    ``STALE`` means a PID file without an answering control socket; ``alive`` says
    whether that PID still names a process (the original did not check).
    """

    state: ServerState
    pid: int | None = None
    alive: bool | None = None


def process_status(client: ControlClient, pid_file: Path) -> ProcessStatus:
    try:
        return ProcessStatus(ServerState.RUNNING, client.status()["pid"], True)
    except DaemonError:
        pass
    try:
        pid = read_pid_file(pid_file)
    except (NotRunningError, MalformedPidFileError, DaemonIOError):
        return ProcessStatus(ServerState.STOPPED)
    return ProcessStatus(ServerState.STALE, pid, is_process_alive(pid))
