"""Waiting for a process to go away, reaping it when it is our own child.

A child that exits stays a zombie until its parent waits for it, and a zombie still
answers ``kill(pid, 0)``; every wait here therefore reaps first, then asks the kernel.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from ._pidfile import is_process_alive

# SIGKILL cannot be caught, but a loaded machine may take a moment to tear a process down.
_AFTER_SIGKILL_SECONDS = 5.0


def reap_child(pid: int) -> int | None:
    """The exit code (negative: killed by that signal) if ``pid`` is our exited child.

    None when it is still running or is not our child at all.
    """
    try:
        waited, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    if waited == 0:
        return None
    return os.waitstatus_to_exitcode(status)


def wait_for_exit(pid: int, timeout: float, poll_interval: float) -> bool:
    """Poll until ``pid`` is gone or ``timeout`` passes; True when it is gone."""
    deadline = time.monotonic() + timeout
    while True:
        reap_child(pid)
        if not is_process_alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll_interval)


def terminate(pid: int, *, grace: float, poll_interval: float = 0.05) -> bool:
    """SIGTERM, then SIGKILL after ``grace`` seconds; True when the process is gone."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        reap_child(pid)
        return True
    if wait_for_exit(pid, grace, poll_interval):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    return wait_for_exit(pid, max(grace, _AFTER_SIGKILL_SECONDS), poll_interval)
