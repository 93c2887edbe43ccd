"""``stop`` and ``reload`` with nothing running: the exact one-line errors, exit 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import Result

Invoke = Callable[..., Result]


def test_stop_without_server(invoke: Invoke) -> None:
    result = invoke("stop")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: byokey is not running (PID file not found)\n"


def test_stop_with_malformed_pid_file(invoke: Invoke, tmp_home: Path) -> None:
    (tmp_home / ".byokey").mkdir()
    (tmp_home / ".byokey" / "byokey.pid").write_text("abc")
    result = invoke("stop")
    assert result.exit_code == 1
    assert result.stderr == "Error: malformed PID file: abc\n"


def test_reload_without_server(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("reload")
    assert result.exit_code == 1
    sock = tmp_home / ".byokey" / "control.sock"
    assert result.stderr == (
        f"Error: I/O error on {sock}: No such file or directory (os error 2)\n"
    )
