from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_daemon import (
    MalformedPidFileError,
    NotRunningError,
    PidState,
    inspect_pid_file,
    is_process_alive,
    process_cmdline,
    process_matches,
    read_pid_file,
    remove_pid_file,
    write_pid_file,
)


def test_write_is_decimal_without_newline_and_0644(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "byokey.pid"
    write_pid_file(path, 4242)
    assert path.read_bytes() == b"4242"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert read_pid_file(path) == 4242
    assert [p.name for p in path.parent.iterdir()] == ["byokey.pid"]  # no temp file left


def test_write_replaces_existing(tmp_path: Path) -> None:
    path = tmp_path / "byokey.pid"
    write_pid_file(path, 1)
    write_pid_file(path, 2)
    assert read_pid_file(path) == 2


@given(st.integers(min_value=1, max_value=2**31))
def test_pid_round_trips(pid: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.pid"
        write_pid_file(path, pid)
        assert read_pid_file(path) == pid


def test_missing_pid_file_is_not_running(tmp_path: Path) -> None:
    with pytest.raises(NotRunningError, match=r"^byokey is not running \(PID file not found\)$"):
        read_pid_file(tmp_path / "nope.pid")


@pytest.mark.parametrize("raw", ["abc", "", "12 34", "0", "-5", "1.5"])
def test_malformed_pid_file(tmp_path: Path, raw: str) -> None:
    path = tmp_path / "byokey.pid"
    path.write_text(raw)
    with pytest.raises(MalformedPidFileError) as info:
        read_pid_file(path)
    assert str(info.value) == f"malformed PID file: {raw.strip()}"


def test_whitespace_around_pid_is_trimmed(tmp_path: Path) -> None:
    path = tmp_path / "byokey.pid"
    path.write_text("  77\n")
    assert read_pid_file(path) == 77


def test_malformed_text_is_capped(tmp_path: Path) -> None:
    path = tmp_path / "byokey.pid"
    path.write_text("x" * 500)
    with pytest.raises(MalformedPidFileError) as info:
        read_pid_file(path)
    assert len(str(info.value)) < 100


def test_remove_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "byokey.pid"
    write_pid_file(path, 5)
    remove_pid_file(path)
    remove_pid_file(path)
    assert not path.exists()


def test_liveness_of_self_and_of_an_exited_child() -> None:
    assert is_process_alive(os.getpid())
    assert not is_process_alive(0)
    assert not is_process_alive(-1)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not is_process_alive(child.pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_zombie_counts_as_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        # Wait for the exit without reaping: the child stays a zombie.
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
        assert not is_process_alive(child.pid)
    finally:
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_cmdline_and_marker_match() -> None:
    argv = process_cmdline(os.getpid())
    assert argv is not None and argv
    assert process_matches(os.getpid(), "pytest") or process_matches(os.getpid(), "python")
    assert not process_matches(os.getpid(), "definitely-not-byokey-marker")


def test_inspect_pid_file_states(tmp_path: Path) -> None:
    path = tmp_path / "byokey.pid"
    assert inspect_pid_file(path).state is PidState.MISSING
    path.write_text("abc")
    assert inspect_pid_file(path).state is PidState.MALFORMED
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    write_pid_file(path, child.pid)
    check = inspect_pid_file(path)
    assert (check.state, check.pid) == (PidState.STALE, child.pid)
    write_pid_file(path, os.getpid())
    assert inspect_pid_file(path).state is PidState.ALIVE


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_inspect_detects_a_reused_pid(tmp_path: Path) -> None:
    path = tmp_path / "byokey.pid"
    write_pid_file(path, os.getpid())
    check = inspect_pid_file(path, cmdline_marker="definitely-not-byokey-marker")
    assert (check.state, check.pid) == (PidState.STALE, os.getpid())
