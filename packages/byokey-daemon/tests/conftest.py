"""Fixtures for the daemon tests: a short temp HOME and cleanup of spawned processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from byokey_daemon import DaemonPaths, is_process_alive

_ENV_TO_CLEAR = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "RUST_LOG", "XDG_CONFIG_HOME")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("BYOKEY_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory under /tmp: Unix socket paths must stay below ~104 bytes."""
    path = Path(tempfile.mkdtemp(prefix="bkd-", dir="/tmp"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def tmp_home(short_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(short_dir))
    return short_dir


@pytest.fixture
def paths(tmp_home: Path) -> DaemonPaths:
    return DaemonPaths.from_environ()


class ProcessReaper:
    """Remembers PIDs a test started and makes sure none survives the test."""

    def __init__(self) -> None:
        self.pids: list[int] = []

    def add(self, pid: int) -> int:
        self.pids.append(pid)
        return pid

    def cleanup(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if is_process_alive(pid):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


@pytest.fixture
def reaper() -> Iterator[ProcessReaper]:
    r = ProcessReaper()
    try:
        yield r
    finally:
        r.cleanup()
