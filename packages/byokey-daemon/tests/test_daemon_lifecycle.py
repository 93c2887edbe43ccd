"""start / stop / restart / status with real processes (the fake serve script)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Protocol

import pytest

from byokey_daemon import (
    AlreadyRunningError,
    ControlClient,
    ControlRequestError,
    DaemonPaths,
    MalformedPidFileError,
    NotRunningError,
    ServerState,
    SpawnFailedError,
    StartFailedError,
    StopFailedError,
    is_process_alive,
    process_status,
    read_pid_file,
    restart_server,
    start_detached,
    start_server,
    stop_server,
    write_pid_file,
)
from byokey_daemon._process_exit import reap_child, wait_for_exit

FAKE_SERVE = Path(__file__).with_name("daemon_fake_serve.py")


class ProcessReaper(Protocol):
    """The ``reaper`` fixture (conftest): PIDs added are killed at teardown."""

    def add(self, pid: int) -> int: ...


def fake_argv(paths: DaemonPaths, *extra: str) -> list[str]:
    return [sys.executable, str(FAKE_SERVE), "--socket", str(paths.control_socket), *extra]


def start(paths: DaemonPaths, reaper: ProcessReaper, *extra: str, timeout: float = 20.0) -> int:
    return reaper.add(
        start_server(
            fake_argv(paths, *extra),
            pid_file=paths.pid_file,
            control_socket=paths.control_socket,
            log_file=paths.log_file,
            timeout=timeout,
        )
    )


def stop(paths: DaemonPaths, *, timeout: float = 5.0, kill_grace: float = 3.0) -> int:
    return stop_server(
        pid_file=paths.pid_file,
        client=ControlClient(paths.control_socket),
        timeout=timeout,
        kill_grace=kill_grace,
    )


def test_start_status_reload_stop(
    paths: DaemonPaths, reaper: ProcessReaper, tmp_home: Path
) -> None:
    config = tmp_home / "settings.yaml"
    config.write_text("port: 8018\n")
    pid = start(paths, reaper, "--config", str(config), "--port", "9123")

    assert paths.pid_file.read_bytes() == str(pid).encode()
    assert os.getpgid(pid) == pid
    assert os.getsid(pid) == pid
    client = ControlClient(paths.control_socket)
    status = client.status()
    assert status["pid"] == pid
    assert status["port"] == 9123
    assert status["version"] == "0.0.0-fake"

    client.reload()
    config.write_text("broken: [\n")
    with pytest.raises(ControlRequestError, match=r"^control request failed: invalid config in "):
        client.reload()
    st = process_status(client, paths.pid_file)
    assert (st.state, st.pid) == (ServerState.RUNNING, pid)

    assert stop(paths) == pid
    assert not is_process_alive(pid)
    assert not paths.control_socket.exists()
    assert not paths.pid_file.exists()
    log = paths.log_file.read_text()
    assert "fake serve listening" in log
    assert "reloaded config #1" in log
    assert "fake serve stopped (control)" in log
    assert process_status(client, paths.pid_file).state is ServerState.STOPPED


def test_reload_without_config(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    start(paths, reaper)
    with pytest.raises(ControlRequestError) as info:
        ControlClient(paths.control_socket).reload()
    assert str(info.value) == (
        "control request failed: no config file (server started without --config)"
    )
    stop(paths)


def test_start_while_running_is_refused(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    pid = start(paths, reaper)
    with pytest.raises(AlreadyRunningError) as info:
        start(paths, reaper)
    assert str(info.value) == f"byokey is already running (pid {pid})"
    assert read_pid_file(paths.pid_file) == pid
    stop(paths)


def test_log_file_is_appended_across_runs(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    for _ in range(2):
        start(paths, reaper)
        stop(paths)
    assert paths.log_file.read_text().count("fake serve listening") == 2


def test_child_crashing_during_start_up_is_a_failure(
    paths: DaemonPaths, reaper: ProcessReaper
) -> None:
    paths.data_dir.mkdir(parents=True)
    paths.log_file.write_text("old line from an earlier run\n")
    with pytest.raises(StartFailedError) as info:
        start(paths, reaper, "--crash")
    err = info.value
    assert err.reason == "exited with code 3 during start-up"
    assert err.log_tail == [
        "fake serve starting",
        "Error: bind amp 127.0.0.1:18018: Address already in use (os error 98)",
    ]
    assert str(err).startswith("byokey failed to start (exited with code 3 during start-up)")
    assert "Address already in use" in str(err)
    assert not paths.pid_file.exists()


def test_child_never_ready_is_terminated(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    seen: list[int] = []

    def ready() -> bool:
        if paths.pid_file.exists():
            seen.append(read_pid_file(paths.pid_file))
        return False

    with pytest.raises(StartFailedError) as info:
        start_detached(
            fake_argv(paths, "--never-ready"),
            log_file=paths.log_file,
            pid_file=paths.pid_file,
            ready_check=ready,
            timeout=1.0,
        )
    assert info.value.reason == "not ready within 1 s"
    assert seen
    reaper.add(seen[0])
    assert not is_process_alive(seen[0])
    assert not paths.pid_file.exists()


def test_spawn_failure(paths: DaemonPaths) -> None:
    with pytest.raises(SpawnFailedError) as info:
        start_detached(
            [str(paths.home / "no-such-byokey")],
            log_file=paths.log_file,
            pid_file=paths.pid_file,
            ready_check=lambda: True,
        )
    assert str(info.value) == "failed to spawn daemon process"
    assert isinstance(info.value.__cause__, OSError)
    assert not paths.pid_file.exists()


def test_child_has_devnull_stdin(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    code = "import sys; print('stdin:', repr(sys.stdin.read()), flush=True)"
    with pytest.raises(StartFailedError) as info:
        start_detached(
            [sys.executable, "-c", code],
            log_file=paths.log_file,
            pid_file=paths.pid_file,
            ready_check=lambda: False,
            timeout=20.0,
        )
    assert info.value.log_tail == ["stdin: ''"]
    assert info.value.reason == "exited with code 0 during start-up"


def test_restart_starts_a_new_process_with_new_options(
    paths: DaemonPaths, reaper: ProcessReaper
) -> None:
    old = start(paths, reaper, "--port", "1111")
    new = restart_server(lambda: stop(paths), lambda: start(paths, reaper, "--port", "2222"))
    assert new != old
    assert not is_process_alive(old)
    assert ControlClient(paths.control_socket).status()["port"] == 2222
    assert read_pid_file(paths.pid_file) == new
    stop(paths)


def test_restart_when_nothing_runs(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    pid = restart_server(lambda: stop(paths), lambda: start(paths, reaper))
    assert ControlClient(paths.control_socket).status()["pid"] == pid
    stop(paths)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_server_gracefully(
    paths: DaemonPaths, reaper: ProcessReaper, sig: signal.Signals
) -> None:
    pid = start(paths, reaper)
    os.kill(pid, sig)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert not paths.control_socket.exists()
    assert paths.pid_file.exists()  # the server never removes it; stop does
    assert f"fake serve stopped ({sig.name})" in paths.log_file.read_text()
    st = process_status(ControlClient(paths.control_socket), paths.pid_file)
    assert (st.state, st.pid, st.alive) == (ServerState.STALE, pid, False)


def test_stop_escalates_to_sigkill_for_a_stubborn_server(
    paths: DaemonPaths, reaper: ProcessReaper
) -> None:
    pid = start(paths, reaper, "--stubborn")
    assert stop(paths, timeout=0.3, kill_grace=0.3) == pid
    assert not is_process_alive(pid)
    assert not paths.pid_file.exists()
    assert not paths.control_socket.exists()  # left behind by the kill, then cleaned
    assert "ignoring shutdown request" in paths.log_file.read_text()


def test_start_keeps_a_slow_servers_socket(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    paths.data_dir.mkdir(parents=True)
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(str(paths.control_socket))
    silent.listen(4)
    write_pid_file(paths.pid_file, 4242)
    try:
        with pytest.raises(AlreadyRunningError, match=r"\(pid 4242\)"):
            start_server(
                fake_argv(paths),
                pid_file=paths.pid_file,
                control_socket=paths.control_socket,
                log_file=paths.log_file,
                client=ControlClient(paths.control_socket, timeout=0.3),
            )
        assert paths.control_socket.exists()
        assert read_pid_file(paths.pid_file) == 4242
    finally:
        silent.close()


def test_start_clears_a_stale_socket_and_pid_file(
    paths: DaemonPaths, reaper: ProcessReaper
) -> None:
    paths.data_dir.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(paths.control_socket))
    stale.close()
    paths.pid_file.write_text("999999")
    pid = start(paths, reaper)
    assert read_pid_file(paths.pid_file) == pid
    stop(paths)


# -- the PID file fallback of stop ----------------------------------------------------


def _sleeper(reaper: ProcessReaper) -> int:
    proc = subprocess.Popen(["sleep", "60"])
    reaper.add(proc.pid)
    # The Popen object is dropped on purpose: stop_server must reap it itself.
    proc.returncode = 0
    return proc.pid


def test_stop_fallback_sends_sigterm(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    pid = _sleeper(reaper)
    write_pid_file(paths.pid_file, pid)
    assert stop(paths) == pid
    assert not is_process_alive(pid)
    assert not paths.pid_file.exists()


def test_stop_fallback_refuses_a_reused_pid(paths: DaemonPaths, reaper: ProcessReaper) -> None:
    if not Path("/proc/self/cmdline").exists():
        pytest.skip("needs /proc")
    pid = _sleeper(reaper)
    write_pid_file(paths.pid_file, pid)
    with pytest.raises(StopFailedError, match=rf"^failed to stop process {pid}$"):
        stop_server(
            pid_file=paths.pid_file,
            client=ControlClient(paths.control_socket),
            cmdline_marker="byokey",
        )
    assert is_process_alive(pid)
    assert not paths.pid_file.exists()


def test_stop_with_nothing_running(paths: DaemonPaths) -> None:
    with pytest.raises(NotRunningError) as info:
        stop(paths)
    assert str(info.value) == "byokey is not running (PID file not found)"


def test_stop_with_a_malformed_pid_file(paths: DaemonPaths) -> None:
    paths.data_dir.mkdir(parents=True)
    paths.pid_file.write_text("abc\n")
    with pytest.raises(MalformedPidFileError, match=r"^malformed PID file: abc$"):
        stop(paths)


def test_stop_with_a_dead_pid(paths: DaemonPaths) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    write_pid_file(paths.pid_file, proc.pid)
    with pytest.raises(StopFailedError, match=rf"^failed to stop process {proc.pid}$"):
        stop(paths)
    assert not paths.pid_file.exists()


def test_process_status_without_a_server(paths: DaemonPaths) -> None:
    client = ControlClient(paths.control_socket)
    assert process_status(client, paths.pid_file).state is ServerState.STOPPED
    paths.data_dir.mkdir(parents=True)
    for raw in ("abc", "0", "-3"):
        paths.pid_file.write_text(raw)
        assert process_status(client, paths.pid_file).state is ServerState.STOPPED
    write_pid_file(paths.pid_file, os.getpid())
    st = process_status(client, paths.pid_file)
    assert (st.state, st.pid, st.alive) == (ServerState.STALE, os.getpid(), True)


def test_wait_helpers_on_our_own_child() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(7)"])
    assert wait_for_exit(proc.pid, 30, 0.01)
    proc.returncode = 7  # already reaped by wait_for_exit
    assert reap_child(proc.pid) is None
