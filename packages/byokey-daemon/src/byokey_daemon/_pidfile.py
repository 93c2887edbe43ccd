"""The PID file of a background server, and whether the process it names still exists.

The file holds the decimal PID with no newline (spec §4.4 step 6). It is written
atomically (temp file + rename) so a concurrent reader never sees a half-written number.
"""

from __future__ import annotations

import contextlib
import enum
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ._errors import DaemonIOError, MalformedPidFileError, NotRunningError

_PROC = Path("/proc")


def write_pid_file(path: Path, pid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(str(pid))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise DaemonIOError(path) from exc


def read_pid_file(path: Path) -> int:
    """Return the PID, or raise ``NotRunningError`` / ``MalformedPidFileError``.

    Zero and negative numbers are malformed: ``kill(0)`` would signal our own process
    group and ``kill(-n)`` a whole group, never what a PID file means.
    """
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise NotRunningError() from exc
    text = raw.strip()
    try:
        pid = int(text, 10)
    except ValueError:
        raise MalformedPidFileError(text) from None
    if pid <= 0:
        raise MalformedPidFileError(text)
    return pid


def remove_pid_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _is_zombie(pid: int) -> bool:
    try:
        stat = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    # The command name (field 2) may contain spaces and parentheses; the state follows
    # the last closing parenthesis.
    _, _, rest = stat.rpartition(")")
    fields = rest.split()
    return bool(fields) and fields[0] in {"Z", "X"}


def is_process_alive(pid: int) -> bool:
    """True when ``pid`` names a running process (zombies count as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def process_cmdline(pid: int) -> list[str] | None:
    """The process's argv from ``/proc``, or None where that is not available."""
    try:
        raw = (_PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode("utf-8", errors="replace") for part in raw.split(b"\0") if part]


def process_matches(pid: int, marker: str) -> bool:
    """Whether ``pid`` looks like our process: ``marker`` occurs in its command line.

    Without ``/proc`` (macOS) nothing can be checked and the answer is True, so a
    reused PID is only detected on Linux.
    """
    argv = process_cmdline(pid)
    if argv is None:
        return True
    return marker in " ".join(argv)


class PidState(enum.Enum):
    MISSING = "missing"
    MALFORMED = "malformed"
    STALE = "stale"
    ALIVE = "alive"


@dataclass(frozen=True, slots=True)
class PidFileCheck:
    state: PidState
    pid: int | None = None


def inspect_pid_file(path: Path, *, cmdline_marker: str | None = None) -> PidFileCheck:
    """Classify a PID file: missing, malformed, stale (process gone or PID reused), alive.

    ``cmdline_marker`` enables the PID-reuse check (see ``process_matches``).
    """
    try:
        pid = read_pid_file(path)
    except NotRunningError:
        return PidFileCheck(PidState.MISSING)
    except MalformedPidFileError:
        return PidFileCheck(PidState.MALFORMED)
    if not is_process_alive(pid):
        return PidFileCheck(PidState.STALE, pid)
    if cmdline_marker is not None and not process_matches(pid, cmdline_marker):
        return PidFileCheck(PidState.STALE, pid)
    return PidFileCheck(PidState.ALIVE, pid)
