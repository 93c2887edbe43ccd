"""``byokey serve`` as a real process: defaults with no config and no login, the control
socket, stale leftovers, signals and socket activation."""

from __future__ import annotations

import os
import signal
import socket
import stat
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from byokey_serve_harness import free_port, serving, write_stale_socket

from byokey_daemon import NO_CONFIG_FILE, ControlClient, ControlRequestError

pytestmark = pytest.mark.slow


def test_serve_on_defaults_answers_models_health_and_control(tmp_home: Path) -> None:
    data = tmp_home / ".byokey"
    write_stale_socket(data / "control.sock")  # what a killed server leaves behind
    (data / "byokey.pid").write_text("424242")
    with serving(tmp_home) as server:
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert health.status_code == 200
        models = httpx.get(f"{server.url}/v1/models", timeout=10).json()
        assert models["object"] == "list"
        ids = {m["id"] for m in models["data"]}
        assert any(i.startswith("claude-") for i in ids), "built-in registry without a login"

        sock = server.paths.control_socket
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
        client = ControlClient(sock)
        status = client.status()
        assert status["pid"] == server.proc.pid
        assert (status["host"], status["port"]) == ("127.0.0.1", server.port)
        assert status["uptime_secs"] >= 0
        with pytest.raises(ControlRequestError) as excinfo:
            client.reload()
        assert str(excinfo.value) == f"control request failed: {NO_CONFIG_FILE}"
        # the store opens in the background once the listeners are up (bounded wait)
        for _ in range(100):
            if (data / "tokens.db").is_file():
                break
            time.sleep(0.05)
        assert (data / "tokens.db").is_file(), "the default store was created"

        server.signal(signal.SIGTERM)
        assert server.wait_exit() == 0
    assert not sock.exists(), "the control socket is removed on exit"
    assert (data / "byokey.pid").read_text() == "424242", "serve leaves the PID file alone"
    assert "byokey listening on http://127.0.0.1:" in server.output()


def test_serve_adopts_an_inherited_listener_and_stops_on_sigint(tmp_home: Path) -> None:
    inherited = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    inherited.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    inherited.bind(("127.0.0.1", 0))
    inherited.listen(16)
    port = inherited.getsockname()[1]
    fd = inherited.fileno()

    def as_fd_3() -> None:  # runs in the child between fork and exec
        os.dup2(fd, 3)

    try:
        # --port names another port: the inherited socket wins (spec §4.2).
        with serving(
            tmp_home,
            port=port,
            cli_port=free_port(),
            env={"LISTEN_FDS": "1"},
            pass_fds=(3,),
            preexec_fn=as_fd_3,
        ) as server:
            inherited.close()  # only the child holds it now
            assert httpx.get(f"{server.url}/v1/models", timeout=10).status_code == 200
            assert ControlClient(server.paths.control_socket).status()["port"] == port
            server.signal(signal.SIGINT)
            assert server.wait_exit() == 0
    finally:
        inherited.close()
    assert "using inherited listener (LISTEN_FDS)" in server.output()
