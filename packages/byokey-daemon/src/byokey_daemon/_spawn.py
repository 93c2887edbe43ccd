"""Spawning the background server: detached, logged to a file, and checked for life.

The original always printed ``byokey started`` even when the child died at once
(spec §4.4, [BUG?]); here the caller gets the PID only once the child is ready, and a
``StartFailedError`` carrying the child's last log lines otherwise.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ._errors import DaemonIOError, SpawnFailedError, StartFailedError
from ._pidfile import remove_pid_file, write_pid_file
from ._process_exit import reap_child, terminate

DEFAULT_READY_TIMEOUT_SECONDS = 10.0
DEFAULT_READY_POLL_SECONDS = 0.1
LOG_TAIL_LINES = 20
_LOG_TAIL_MAX_BYTES = 64 * 1024
_TERMINATE_GRACE_SECONDS = 3.0


def start_detached(
    argv: Sequence[str],
    *,
    log_file: Path,
    pid_file: Path,
    ready_check: Callable[[], bool],
    timeout: float = DEFAULT_READY_TIMEOUT_SECONDS,
    poll_interval: float = DEFAULT_READY_POLL_SECONDS,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start ``argv`` in a new session and return its PID once ``ready_check()`` holds.

    stdin is /dev/null; stdout and stderr append to ``log_file``. The PID file is
    written as soon as the child exists. If the child exits first, or is not ready
    within ``timeout`` (it is then terminated), the PID file is removed and
    ``StartFailedError`` reports the lines the child logged.
    """
    if not argv:
        raise SpawnFailedError() from ValueError("empty command line")
    log_fd, log_offset = _open_log(log_file)
    try:
        pid = _spawn(argv, log_fd, env)
    finally:
        os.close(log_fd)
    try:
        write_pid_file(pid_file, pid)
    except DaemonIOError:
        terminate(pid, grace=_TERMINATE_GRACE_SECONDS)
        raise
    deadline = time.monotonic() + timeout
    while True:
        code = reap_child(pid)
        if code is not None:
            remove_pid_file(pid_file)
            raise StartFailedError(_exit_reason(code), read_log_tail(log_file, log_offset))
        if ready_check():
            return pid
        if time.monotonic() >= deadline:
            terminate(pid, grace=_TERMINATE_GRACE_SECONDS)
            remove_pid_file(pid_file)
            raise StartFailedError(
                f"not ready within {timeout:g} s", read_log_tail(log_file, log_offset)
            )
        time.sleep(poll_interval)


def _open_log(log_file: Path) -> tuple[int, int]:
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise DaemonIOError(log_file) from exc
    return fd, os.fstat(fd).st_size


def _spawn(argv: Sequence[str], log_fd: int, env: Mapping[str, str] | None) -> int:
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, log_fd, 1),
        (os.POSIX_SPAWN_DUP2, log_fd, 2),
    ]
    try:
        return os.posix_spawnp(
            argv[0],
            list(argv),
            dict(os.environ if env is None else env),
            file_actions=file_actions,
            setsid=True,
            # Python ignores these two; a server must start with the defaults.
            setsigdef=(signal.SIGPIPE, signal.SIGXFSZ),
        )
    except OSError as exc:
        raise SpawnFailedError() from exc


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name} during start-up"
    return f"exited with code {code} during start-up"


def read_log_tail(log_file: Path, offset: int = 0, lines: int = LOG_TAIL_LINES) -> list[str]:
    """The last ``lines`` lines written to ``log_file`` after ``offset`` (bounded read)."""
    try:
        with log_file.open("rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = max(offset, size - _LOG_TAIL_MAX_BYTES)
            fh.seek(start)
            data = fh.read(size - start)
    except OSError:
        return []
    text = data.decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()][-lines:]
