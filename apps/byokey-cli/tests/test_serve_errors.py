"""``byokey serve`` refusing to start: each failure is one ``Error:`` line and exit 1,
and nothing is left behind (in-process: the server never gets to serve)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from byokey_daemon import ControlServer, ServeControl

Invoke = Callable[..., Result]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


@pytest.fixture
def main_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """A free port for the main listener; the Amp listener gets another (via the env)."""
    ports = []
    for _ in range(2):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            ports.append(probe.getsockname()[1])
    monkeypatch.setenv("BYOKEY_AMP__PORT", str(ports[1]))
    return int(ports[0])


def test_broken_config_file(invoke: Invoke, tmp_home: Path) -> None:
    config = tmp_home / "settings.yaml"
    config.write_text("port: 99999\n")
    result = invoke("serve", "-c", str(config))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: config error: invalid settings in {config}: port")
    assert not (tmp_home / ".byokey").exists(), "nothing opened before the config is good"


def test_amp_port_in_use(
    invoke: Invoke, tmp_home: Path, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOKEY_AMP__PORT", str(taken_port))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        main_port = probe.getsockname()[1]
    result = invoke("serve", "--port", str(main_port), "--log-file", str(tmp_home / "s.log"))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: bind amp 127.0.0.1:{taken_port}: Address already in use (os error 98)\n"
    )
    assert not (tmp_home / ".byokey" / "control.sock").exists()
    logged = next(tmp_home.glob("s.log.*")).read_text()
    assert f"bind amp 127.0.0.1:{taken_port}" in logged, "the log says why, too"


def test_another_server_owns_the_control_socket(
    invoke: Invoke, tmp_home: Path, main_port: int
) -> None:
    sock = tmp_home / ".byokey" / "control.sock"
    other = ServeControl(version="0", host="127.0.0.1", port=1, on_shutdown=lambda: None)
    with ControlServer(other, sock):
        result = invoke("serve", "--port", str(main_port), "--log-file", str(tmp_home / "s.log"))
        assert sock.exists(), "the live server's socket is never deleted"
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: another byokey serve is already running (control socket {sock} is live)\n"
    )


def test_help_does_not_load_the_server_stack() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from byokey_cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['serve', '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert '--drain-timeout' in result.output and '--log-file' in result.output\n"
        "heavy = sorted(m for m in ('byokey_proxy', 'byokey_provider', 'byokey_store',\n"
        "    'hypercorn', 'sqlalchemy', 'curl_cffi') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_a_database_that_cannot_be_opened_stops_the_server(
    invoke: Invoke, tmp_home: Path, main_port: int
) -> None:
    """The store opens in the background, after the listeners: its failure still ends
    ``serve`` with one ``Error:`` line and exit 1."""
    blocker = tmp_home / "not-a-directory"
    blocker.write_text("")
    result = invoke("serve", "--port", str(main_port), "--db", str(blocker / "byokey.db"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: "), result.stderr
    assert "storage" in result.stderr.lower() or "database" in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1
