"""``start`` / ``status`` / ``reload`` / ``restart`` / ``stop`` against the real server,
each a separate ``byokey`` process as a user would run them."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from byokey_serve_harness import (
    answers,
    free_port,
    kill_pid,
    openai_compatible_config,
    run_cli,
    wait_until,
    write_stale_socket,
)

from byokey_daemon import read_pid_file

pytestmark = pytest.mark.slow

UNREACHABLE = "http://127.0.0.1:9/v1"  # only the model list matters here


def _models(url: str) -> set[str]:
    return {m["id"] for m in httpx.get(f"{url}/v1/models", timeout=10).json()["data"]}


@pytest.fixture
def started_pids(tmp_home: Path) -> Iterator[list[int]]:
    """PIDs of detached servers; whatever a failing test leaves running is killed."""
    pids: list[int] = []
    try:
        yield pids
    finally:
        pid_file = tmp_home / ".byokey" / "byokey.pid"
        with contextlib.suppress(Exception):
            pids.append(read_pid_file(pid_file))
        for pid in pids:
            kill_pid(pid)


def test_start_status_reload_restart_stop(tmp_home: Path, started_pids: list[int]) -> None:
    data = tmp_home / ".byokey"
    pid_file = data / "byokey.pid"
    sock = data / "control.sock"
    # Leftovers of a server that was killed: a dead PID and a socket nobody serves.
    write_stale_socket(sock)
    pid_file.write_text("2147483646")
    config = tmp_home / "settings.yaml"
    config.write_text(openai_compatible_config(UNREACHABLE, ["first-model"]))
    port = free_port()
    amp_port = free_port()
    url = f"http://127.0.0.1:{port}"

    started = run_cli(tmp_home, "start", "-c", str(config), "--port", str(port), amp_port=amp_port)
    assert started.returncode == 0, started.stderr
    pid = read_pid_file(pid_file)
    started_pids.append(pid)
    assert started.stdout == f"byokey started (pid {pid})\nlogs: {data / 'server.log'}\n"
    assert pid_file.read_text() == str(pid), "decimal, no newline"
    assert os.getpgid(pid) == pid, "the child has its own process group"
    assert "first-model" in _models(url)

    again = run_cli(tmp_home, "start", "--port", str(free_port()), amp_port=free_port())
    assert again.returncode == 1
    assert again.stderr == f"Error: byokey is already running (pid {pid})\n"

    status = run_cli(tmp_home, "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[0] == f"server: running (pid {pid}) at {url}"

    # reload applies a config change at once
    config.write_text(openai_compatible_config(UNREACHABLE, ["second-model"]))
    reloaded = run_cli(tmp_home, "reload")
    assert (reloaded.returncode, reloaded.stdout) == (0, "configuration reloaded\n")
    assert "second-model" in _models(url)
    # a broken file is reported and the last good settings stay
    config.write_text("port: [not a port\n")
    broken = run_cli(tmp_home, "reload")
    assert broken.returncode == 1
    assert broken.stderr.startswith("Error: control request failed: invalid settings in ")
    assert "second-model" in _models(url)
    # the watcher picks a fixed file up by itself, without `byokey reload`
    config.write_text(openai_compatible_config(UNREACHABLE, ["third-model"]))
    wait_until(lambda: "third-model" in _models(url), 20, "the hot reload")

    restarted = run_cli(
        tmp_home, "restart", "-c", str(config), "--port", str(port), amp_port=amp_port
    )
    assert restarted.returncode == 0, restarted.stderr
    new_pid = read_pid_file(pid_file)
    started_pids.append(new_pid)
    assert new_pid != pid
    assert restarted.stdout.startswith(f"byokey started (pid {new_pid})\n")
    wait_until(lambda: not _alive(pid), 10, "the old server to exit")
    assert "third-model" in _models(url)

    stopped = run_cli(tmp_home, "stop")
    assert (stopped.returncode, stopped.stdout) == (0, f"byokey stopped (pid {new_pid})\n")
    assert not pid_file.exists()
    assert not sock.exists()
    assert not answers(url)
    log = (data / "server.log").read_text()
    assert log.count("byokey listening on") == 2, "both servers appended to the log"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie of ours would still count; the detached server is not our child
    return True


def test_start_reports_a_server_that_dies_during_start_up(tmp_home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        failed = run_cli(tmp_home, "start", "--port", str(port))
    assert failed.returncode == 1
    assert failed.stderr.startswith("Error: byokey failed to start (exited with code 1")
    assert f"bind 127.0.0.1:{port}: Address already in use" in failed.stderr
    assert not (tmp_home / ".byokey" / "byokey.pid").exists()
    assert not (tmp_home / ".byokey" / "control.sock").exists()
