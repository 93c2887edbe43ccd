from __future__ import annotations

import plistlib
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_daemon import (
    SERVICE_LABEL,
    CommandFailedError,
    CommandResult,
    DaemonPaths,
    LaunchdUserService,
    ServiceError,
    ServiceSpec,
    ServiceStatus,
    SystemdUserService,
    UnsupportedPlatformError,
    error_chain_text,
    launchd_plist,
    render_systemd_unit,
    run_command,
    serve_arguments,
    service_manager_for,
    systemd_quote,
)


class RecordingRunner:
    """Records every argv; answers from a script keyed by the command's words."""

    def __init__(self, answers: dict[tuple[str, ...], CommandResult] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.answers = answers or {}

    def __call__(self, argv: Sequence[str]) -> CommandResult:
        self.calls.append(list(argv))
        for prefix, result in self.answers.items():
            if tuple(argv[: len(prefix)]) == prefix:
                return result
        return CommandResult(0)


def spec_for(home: Path, *extra: str) -> ServiceSpec:
    args = serve_arguments(port=8018, log_file=home / ".byokey" / "server.log")
    return ServiceSpec(
        program="/usr/local/bin/byokey",
        arguments=(*args, *extra),
        working_directory=home,
        log_file=home / ".byokey" / "server.log",
    )


def test_serve_arguments_only_given_options_in_order() -> None:
    assert serve_arguments() == ["serve"]
    assert serve_arguments(
        config="/c.yaml", port=1, host="::", db="/d.db", log_file="/l.log"
    ) == [
        "serve", "--config", "/c.yaml", "--port", "1", "--host", "::",
        "--db", "/d.db", "--log-file", "/l.log",
    ]  # fmt: skip


# -- systemd ------------------------------------------------------------------------


def test_systemd_unit_matches_the_original_for_plain_paths() -> None:
    spec = spec_for(Path("/home/alice"))
    assert render_systemd_unit(spec) == (
        "[Unit]\n"
        "Description=byokey-server\n"
        "[Service]\n"
        "WorkingDirectory=/home/alice\n"
        "ExecStart=/usr/local/bin/byokey serve --port 8018 --log-file "
        "/home/alice/.byokey/server.log\n"
        "Restart=on-failure\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def test_systemd_unit_quotes_awkward_arguments() -> None:
    spec = ServiceSpec(
        program="/opt/My Apps/byokey",
        arguments=("serve", "--config", "/home/a b/100%.yaml", "--host", "$HOST", ""),
        working_directory=Path("/home/a b"),
    )
    unit = render_systemd_unit(spec)
    assert 'ExecStart="/opt/My Apps/byokey" serve --config "/home/a b/100%%.yaml" ' in unit
    assert '--host "$$HOST" ""\n' in unit
    assert "WorkingDirectory=/home/a b\n" in unit


def _systemd_split(line: str) -> list[str]:
    """A test-side reading of systemd's ExecStart word rules (quotes, C escapes, %%, $$)."""
    line = line.replace("%%", "\0pct").replace("$$", "\0dol")
    words: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == " ":
            i += 1
            continue
        if line[i] == '"':
            i += 1
            word = ""
            while line[i] != '"':
                if line[i] == "\\":
                    word += {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}[line[i + 1]]
                    i += 2
                else:
                    word += line[i]
                    i += 1
            i += 1
        else:
            j = line.find(" ", i)
            j = len(line) if j < 0 else j
            word = line[i:j]
            i = j
        words.append(word.replace("\0pct", "%").replace("\0dol", "$"))
    return words


@given(
    st.lists(
        st.text(
            st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t\r"),
            max_size=12,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_systemd_quoting_round_trips(words: list[str]) -> None:
    line = " ".join(systemd_quote(w) for w in words)
    assert _systemd_split(line) == words


def test_systemd_install_writes_the_unit_and_enables_it(paths: DaemonPaths) -> None:
    runner = RecordingRunner()
    service = SystemdUserService(paths.systemd_unit_file, runner)
    service.install(spec_for(paths.home))
    unit = paths.systemd_unit_file
    assert unit == paths.home / ".config" / "systemd" / "user" / "byokey-server.service"
    assert unit.read_text() == render_systemd_unit(spec_for(paths.home))
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    assert paths.log_file.parent.is_dir()
    assert runner.calls == [["systemctl", "--user", "enable", str(unit)]]
    assert service.backend_name == "systemd (user)"


def test_systemd_install_failure_carries_the_tool_output(paths: DaemonPaths) -> None:
    runner = RecordingRunner(
        {("systemctl", "--user", "enable"): CommandResult(1, "", "Failed to connect to bus\n")}
    )
    service = SystemdUserService(paths.systemd_unit_file, runner)
    with pytest.raises(ServiceError) as info:
        service.install(spec_for(paths.home))
    assert str(info.value) == "install failed"
    assert isinstance(info.value.__cause__, CommandFailedError)
    assert error_chain_text(info.value) == (
        f"install failed: systemctl --user enable {paths.systemd_unit_file} exited with code 1: "
        "Failed to connect to bus"
    )


def test_systemd_start_stop_uninstall(paths: DaemonPaths) -> None:
    runner = RecordingRunner({("systemctl", "--user", "stop"): CommandResult(5)})
    service = SystemdUserService(paths.systemd_unit_file, runner)
    service.install(spec_for(paths.home))
    service.start()
    with pytest.raises(ServiceError, match=r"^stop failed$"):
        service.stop()
    service.uninstall()  # the failing stop is ignored here
    unit = str(paths.systemd_unit_file)
    assert runner.calls == [
        ["systemctl", "--user", "enable", unit],
        ["systemctl", "--user", "start", "byokey-server"],
        ["systemctl", "--user", "stop", "byokey-server"],
        ["systemctl", "--user", "stop", "byokey-server"],
        ["systemctl", "--user", "disable", unit],
    ]
    assert not paths.systemd_unit_file.exists()


@pytest.mark.parametrize(
    ("code", "expected"),
    [(0, ServiceStatus.RUNNING), (3, ServiceStatus.STOPPED), (4, ServiceStatus.NOT_INSTALLED)],
)
def test_systemd_status_codes(paths: DaemonPaths, code: int, expected: ServiceStatus) -> None:
    runner = RecordingRunner({("systemctl",): CommandResult(code)})
    assert SystemdUserService(paths.systemd_unit_file, runner).status() is expected
    assert runner.calls == [["systemctl", "--user", "status", "byokey-server"]]


def test_systemd_status_other_code_is_an_error(paths: DaemonPaths) -> None:
    runner = RecordingRunner({("systemctl",): CommandResult(1, "", "bus error")})
    with pytest.raises(ServiceError, match=r"^status failed$"):
        SystemdUserService(paths.systemd_unit_file, runner).status()


def test_xdg_config_home_places_the_unit(tmp_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_home / "xdg"))
    paths = DaemonPaths.from_environ()
    runner = RecordingRunner()
    SystemdUserService(paths.systemd_unit_file, runner).install(spec_for(paths.home))
    assert (tmp_home / "xdg" / "systemd" / "user" / "byokey-server.service").is_file()


# -- launchd ------------------------------------------------------------------------


def test_launchd_plist_content(paths: DaemonPaths) -> None:
    runner = RecordingRunner()
    service = LaunchdUserService(paths.launchd_plist_file, runner, uid=lambda: 501)
    service.install(spec_for(paths.home))
    plist_file = paths.home / "Library" / "LaunchAgents" / "io.byokey.server.plist"
    assert service.definition_file == plist_file
    assert stat.S_IMODE(plist_file.stat().st_mode) == 0o644
    text = plist_file.read_text()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist')
    assert plistlib.loads(plist_file.read_bytes()) == {
        "Label": "io.byokey.server",
        "ProgramArguments": [
            "/usr/local/bin/byokey", "serve", "--port", "8018",
            "--log-file", f"{paths.home}/.byokey/server.log",
        ],
        "KeepAlive": {"SuccessfulExit": False},
        "WorkingDirectory": str(paths.home),
        "RunAtLoad": True,
        "Disabled": True,
    }  # fmt: skip
    assert runner.calls == [["launchctl", "load", str(plist_file)]]
    assert service.backend_name == "launchd (user)"


def test_launchd_reinstall_removes_the_old_job_first(paths: DaemonPaths) -> None:
    runner = RecordingRunner()
    service = LaunchdUserService(paths.launchd_plist_file, runner)
    service.install(spec_for(paths.home))
    service.install(spec_for(paths.home, "--host", "0.0.0.0"))
    plist = str(paths.launchd_plist_file)
    assert runner.calls == [
        ["launchctl", "load", plist],
        ["launchctl", "remove", SERVICE_LABEL],
        ["launchctl", "load", plist],
    ]
    assert (
        plistlib.loads(paths.launchd_plist_file.read_bytes())["ProgramArguments"][-1] == "0.0.0.0"
    )


def test_launchd_start_enables_on_first_start_then_uses_start(paths: DaemonPaths) -> None:
    runner = RecordingRunner({("launchctl", "unload"): CommandResult(1)})
    service = LaunchdUserService(paths.launchd_plist_file, runner)
    service.install(spec_for(paths.home))
    runner.calls.clear()
    service.start()
    assert "Disabled" not in plistlib.loads(paths.launchd_plist_file.read_bytes())
    service.start()
    service.stop()
    plist = str(paths.launchd_plist_file)
    assert runner.calls == [
        ["launchctl", "unload", plist],
        ["launchctl", "load", plist],
        ["launchctl", "start", SERVICE_LABEL],
        ["launchctl", "stop", SERVICE_LABEL],
    ]


def test_launchd_start_without_plist(paths: DaemonPaths) -> None:
    service = LaunchdUserService(paths.launchd_plist_file, RecordingRunner())
    with pytest.raises(ServiceError) as info:
        service.start()
    assert error_chain_text(info.value) == "start failed: service is not installed"


def test_launchd_uninstall(paths: DaemonPaths) -> None:
    runner = RecordingRunner({("launchctl", "remove"): CommandResult(3)})
    service = LaunchdUserService(paths.launchd_plist_file, runner)
    service.install(spec_for(paths.home))
    service.uninstall()
    assert not paths.launchd_plist_file.exists()
    assert runner.calls[-1] == ["launchctl", "remove", SERVICE_LABEL]
    service.uninstall()  # nothing left: still fine


@pytest.mark.parametrize(
    ("code", "stdout", "installed", "expected"),
    [
        (113, "", False, ServiceStatus.NOT_INSTALLED),
        (113, "", True, ServiceStatus.STOPPED),
        (0, "gui/501/io.byokey.server = {\n\tstate = running\n\tpid = 77\n}", True,
         ServiceStatus.RUNNING),
        (0, "gui/501/io.byokey.server = {\n\tstate = not running\n}", True,
         ServiceStatus.STOPPED),
    ],
)  # fmt: skip
def test_launchd_status(
    paths: DaemonPaths, code: int, stdout: str, installed: bool, expected: ServiceStatus
) -> None:
    runner = RecordingRunner({("launchctl", "print"): CommandResult(code, stdout)})
    service = LaunchdUserService(paths.launchd_plist_file, runner, uid=lambda: 501)
    if installed:
        paths.launchd_plist_file.parent.mkdir(parents=True)
        paths.launchd_plist_file.write_bytes(plistlib.dumps(launchd_plist(spec_for(paths.home))))
    assert service.status() is expected
    assert runner.calls == [["launchctl", "print", "gui/501/io.byokey.server"]]


# -- backend choice and the real runner -----------------------------------------------


def test_backend_choice(paths: DaemonPaths) -> None:
    runner = RecordingRunner()
    assert isinstance(
        service_manager_for(paths, runner=runner, platform="darwin"), LaunchdUserService
    )
    linux = service_manager_for(
        paths, runner=runner, platform="linux", which=lambda _: "/usr/bin/systemctl"
    )
    assert isinstance(linux, SystemdUserService)
    assert linux.definition_file == paths.systemd_unit_file
    cases: list[tuple[str, str | None]] = [("linux", None), ("win32", "/x"), ("freebsd13", "/x")]
    for platform, found in cases:

        def which(_: str, found: str | None = found) -> str | None:
            return found

        with pytest.raises(UnsupportedPlatformError) as info:
            service_manager_for(paths, runner=runner, platform=platform, which=which)
        assert str(info.value) == "autostart is not supported on this platform"
    assert runner.calls == []


def test_run_command_captures_output_and_exit_code() -> None:
    result = run_command(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert result == CommandResult(3, "out\n", "err\n")
    missing = run_command(["/nonexistent/systemctl", "--user"])
    assert missing.returncode == 127
