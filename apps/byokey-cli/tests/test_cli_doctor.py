"""``byokey doctor``: each check's finding and fix, exit 1 only when something fails."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from byokey_types import OAuthToken, ProviderId

from .conftest import write_config
from .test_cli_accounts import seed

Invoke = Callable[..., Result]


@pytest.fixture
def free_ports() -> tuple[int, int]:
    """Two ports nobody listens on (for the main and Amp listeners of the config)."""
    socks = [socket.socket() for _ in range(2)]
    for sock in socks:
        sock.bind(("127.0.0.1", 0))
    ports = (socks[0].getsockname()[1], socks[1].getsockname()[1])
    for sock in socks:
        sock.close()
    return ports


def _checks(result: Result) -> list[dict[str, str | None]]:
    data = json.loads(result.stdout)
    checks: list[dict[str, str | None]] = data["checks"]
    return checks


def test_fresh_home_only_warns(invoke: Invoke, tmp_home: Path, free_ports: tuple[int, int]) -> None:
    write_config(tmp_home, {"port": free_ports[0], "amp": {"port": free_ports[1]}})
    result = invoke("doctor")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "ok   config" in out and "loads" in out
    assert "warn database" in out and "does not exist yet" in out
    assert "fix: it is created by `byokey login <provider>`" in out
    assert f"main 127.0.0.1:{free_ports[0]} is free" in out
    assert "no provider is signed in" in out
    assert out.rstrip().endswith("no problems, 2 warning(s)")
    assert not (tmp_home / ".byokey" / "tokens.db").exists()


def test_json_shape(invoke: Invoke, tmp_home: Path, free_ports: tuple[int, int]) -> None:
    write_config(tmp_home, {"port": free_ports[0], "amp": {"port": free_ports[1]}})
    result = invoke("doctor", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert {c["check"] for c in data["checks"]} == {
        "config",
        "database",
        "server",
        "ports",
        "tokens",
    }
    for check in data["checks"]:
        assert set(check) == {"check", "level", "detail", "fix"}
        assert check["level"] in ("ok", "warn", "fail")


def test_invalid_config_fails(invoke: Invoke, tmp_home: Path) -> None:
    path = write_config(tmp_home, {})
    path.write_text('{"port": "not a port", "providers": {"claude": {"routing": "fastest"}}}')
    result = invoke("doctor", "--json")
    assert result.exit_code == 1
    config = [c for c in _checks(result) if c["check"] == "config"]
    assert config[0]["level"] == "fail"
    detail = config[0]["detail"] or ""
    assert "port" in detail and "routing" in detail and "\n" not in detail


def test_busy_port_fails_with_fix(
    invoke: Invoke, tmp_home: Path, free_ports: tuple[int, int]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        write_config(tmp_home, {"port": port, "amp": {"port": free_ports[1]}})
        result = invoke("doctor")
    assert result.exit_code == 1
    assert f"FAIL ports     main 127.0.0.1:{port}: already in use" in result.stdout
    assert "fix: stop what uses it, or pick another port" in result.stdout
    assert "1 problem(s) to fix" in result.stdout


def test_tokens_expired_and_dead(
    invoke: Invoke, tmp_home: Path, free_ports: tuple[int, int]
) -> None:
    write_config(tmp_home, {"port": free_ports[0], "amp": {"port": free_ports[1]}})
    now = int(time.time())
    seed(
        tmp_home,
        (ProviderId.CLAUDE, "default", None, OAuthToken("a", "r", now + 7200)),
        (ProviderId.CODEX, "default", None, OAuthToken("a", "r", now - 60)),
        (ProviderId.COPILOT, "work", None, OAuthToken("a", None, now - 60)),
    )
    result = invoke("doctor", "--json")
    assert result.exit_code == 1
    tokens = {c["detail"]: c for c in _checks(result) if c["check"] == "tokens"}
    by_name = {(d or "").split(":")[0]: c for d, c in tokens.items()}
    assert by_name["claude/default (active)"]["level"] == "ok"
    assert by_name["codex/default (active)"]["level"] == "ok"  # refreshed on next use
    dead = by_name["copilot/work (active)"]
    assert dead["level"] == "fail"
    assert dead["fix"] == "`byokey login copilot --account work`"


def test_stale_pid_file_warns(invoke: Invoke, tmp_home: Path, free_ports: tuple[int, int]) -> None:
    write_config(tmp_home, {"port": free_ports[0], "amp": {"port": free_ports[1]}})
    (tmp_home / ".byokey").mkdir()
    (tmp_home / ".byokey" / "byokey.pid").write_text("999999")
    result = invoke("doctor", "--json")
    server = [c for c in _checks(result) if c["check"] == "server"]
    assert server[0]["level"] == "warn"
    assert "999999" in (server[0]["detail"] or "")


def test_damaged_database_fails(
    invoke: Invoke, tmp_home: Path, free_ports: tuple[int, int]
) -> None:
    write_config(tmp_home, {"port": free_ports[0], "amp": {"port": free_ports[1]}})
    db = tmp_home / ".byokey" / "tokens.db"
    db.parent.mkdir()
    db.write_bytes(b"this is not sqlite at all" * 100)
    result = invoke("doctor")
    assert result.exit_code == 1
    assert "FAIL database" in result.stdout
    assert f"fix: move {db} aside" in result.stdout
