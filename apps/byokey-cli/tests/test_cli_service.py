"""``byokey service …`` in a temporary HOME, with systemctl replaced by a recorder."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from byokey_cli._context import CliContext
from byokey_cli.main import cli
from byokey_daemon import CommandResult, DaemonPaths, ServiceManager, service_manager_for


class RecordingRunner:
    def __init__(self, answers: dict[tuple[str, ...], CommandResult] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.answers = answers or {}

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        self.calls.append(list(argv))
        for prefix, result in self.answers.items():
            if tuple(argv[: len(prefix)]) == prefix:
                return result
        return CommandResult(0)


def _linux(runner: RecordingRunner) -> Callable[[DaemonPaths], ServiceManager]:
    def make(paths: DaemonPaths) -> ServiceManager:
        return service_manager_for(
            paths, runner=runner, platform="linux", which=lambda _: "/usr/bin/systemctl"
        )

    return make


def _run(runner: RecordingRunner, *args: str) -> Result:
    context = CliContext(
        service_manager=_linux(runner), self_command=lambda: ["/opt/by key/bin/byokey"]
    )
    return CliRunner().invoke(cli, ["service", *args], obj=context)


def test_install_writes_unit_and_starts(tmp_home: Path, tmp_path: Path) -> None:
    runner = RecordingRunner()
    log = tmp_home / "logs" / "server.log"
    result = _run(runner, "install", "--port", "9000", "--log-file", str(log))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "service installed (systemd (user))\nlabel:   io.byokey.server\nservice started\n"
    )
    unit = tmp_home / ".config" / "systemd" / "user" / "byokey-server.service"
    assert unit.read_text() == (
        "[Unit]\n"
        "Description=byokey-server\n"
        "[Service]\n"
        f"WorkingDirectory={tmp_home}\n"
        f'ExecStart="/opt/by key/bin/byokey" serve --port 9000 --log-file {log}\n'
        "Restart=on-failure\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )
    assert log.parent.is_dir()
    assert runner.calls == [
        ["systemctl", "--user", "enable", str(unit)],
        ["systemctl", "--user", "start", "byokey-server"],
    ]


def test_install_relative_paths_become_absolute(
    tmp_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_home)
    runner = RecordingRunner()
    assert _run(runner, "install", "-c", "cfg.yaml", "--db", "t.db").exit_code == 0
    unit = tmp_home / ".config" / "systemd" / "user" / "byokey-server.service"
    assert f"serve --config {tmp_home}/cfg.yaml --db {tmp_home}/t.db\n" in unit.read_text()


def test_default_program_is_this_interpreter(tmp_home: Path) -> None:
    runner = RecordingRunner()
    context = CliContext(service_manager=_linux(runner))
    assert CliRunner().invoke(cli, ["service", "install"], obj=context).exit_code == 0
    unit = tmp_home / ".config" / "systemd" / "user" / "byokey-server.service"
    assert f"ExecStart={sys.executable} -m byokey_cli serve\n" in unit.read_text()


def test_install_then_start_failure(tmp_home: Path) -> None:
    runner = RecordingRunner({("systemctl", "--user", "start"): CommandResult(1, "", "boom")})
    result = _run(runner, "install")
    assert result.exit_code == 1
    assert result.stdout == "service installed (systemd (user))\nlabel:   io.byokey.server\n"
    assert result.stderr.startswith("Error: start failed: systemctl --user start byokey-server")
    assert result.stderr.rstrip().endswith("boom")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("code", "installed", "running"), [(0, "yes", "yes"), (3, "yes", "no"), (4, "no", "no")]
)
def test_status(tmp_home: Path, code: int, installed: str, running: str) -> None:
    runner = RecordingRunner({("systemctl",): CommandResult(code)})
    result = _run(runner, "status")
    assert result.exit_code == 0
    assert result.stdout == (
        f"backend:   systemd (user)\ninstalled: {installed}\nrunning:   {running}\n"
    )
    assert runner.calls == [["systemctl", "--user", "status", "byokey-server"]]


def test_status_failure(tmp_home: Path) -> None:
    result = _run(RecordingRunner({("systemctl",): CommandResult(1)}), "status")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: status failed")


def test_start_stop_uninstall(tmp_home: Path) -> None:
    runner = RecordingRunner()
    assert _run(runner, "install").exit_code == 0
    unit = tmp_home / ".config" / "systemd" / "user" / "byokey-server.service"
    runner.calls.clear()
    assert _run(runner, "stop").stdout == "service stopped\n"
    assert _run(runner, "start").stdout == "service started\n"
    assert _run(runner, "uninstall").stdout == "service uninstalled\n"
    assert not unit.exists()
    assert runner.calls == [
        ["systemctl", "--user", "stop", "byokey-server"],
        ["systemctl", "--user", "start", "byokey-server"],
        ["systemctl", "--user", "stop", "byokey-server"],
        ["systemctl", "--user", "disable", str(unit)],
    ]


def test_unsupported_platform(tmp_home: Path) -> None:
    def make(paths: DaemonPaths) -> ServiceManager:
        return service_manager_for(paths, platform="win32")

    result = CliRunner().invoke(cli, ["service", "status"], obj=CliContext(service_manager=make))
    assert result.exit_code == 1
    assert result.stderr == "Error: autostart is not supported on this platform\n"


def test_launchd_install_on_macos(tmp_home: Path) -> None:
    import plistlib

    runner = RecordingRunner()

    def make(paths: DaemonPaths) -> ServiceManager:
        return service_manager_for(paths, runner=runner, platform="darwin")

    context = CliContext(service_manager=make, self_command=lambda: ["/usr/local/bin/byokey"])
    result = CliRunner().invoke(cli, ["service", "install", "-p", "8018"], obj=context)
    assert result.exit_code == 0, result.output
    assert "service installed (launchd (user))" in result.stdout
    plist = tmp_home / "Library" / "LaunchAgents" / "io.byokey.server.plist"
    data = plistlib.loads(plist.read_bytes())
    assert data["Label"] == "io.byokey.server"
    assert data["ProgramArguments"] == ["/usr/local/bin/byokey", "serve", "--port", "8018"]
    assert data["WorkingDirectory"] == str(tmp_home)
