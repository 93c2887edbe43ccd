"""systemd user unit: rendering (with proper quoting) and ``systemctl --user`` steps."""

from __future__ import annotations

import re
from pathlib import Path

from ._command_runner import CommandFailedError, CommandRunner, run_command
from ._errors import ServiceError
from ._paths import SYSTEMD_UNIT_NAME
from ._service_base import ServiceStatus, ensure_log_dir, run_step, write_definition
from ._service_spec import ServiceSpec

_SAFE_WORD = re.compile(r"[A-Za-z0-9_@+=:,./-]+")
_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_specifiers(text: str) -> str:
    """``%`` starts a unit specifier and ``$`` an environment variable; double both."""
    return text.replace("%", "%%").replace("$", "$$")


def systemd_quote(word: str) -> str:
    """Quote one ``ExecStart=`` word so systemd hands it over unchanged.

    Plain words stay bare (matching the original's output for ordinary paths); anything
    else is double-quoted with C escapes. The original joined words unquoted, so a path
    with a space broke the unit (spec §4.8, [BUG?]).
    """
    if word and _SAFE_WORD.fullmatch(word):
        return word
    inner = "".join(_C_ESCAPES.get(ch, ch) for ch in word)
    return _escape_specifiers(f'"{inner}"')


def render_systemd_unit(spec: ServiceSpec) -> str:
    exec_start = " ".join(systemd_quote(w) for w in (spec.program, *spec.arguments))
    lines = [
        "[Unit]",
        f"Description={SYSTEMD_UNIT_NAME}",
        "[Service]",
        f"WorkingDirectory={_escape_specifiers(str(spec.working_directory))}",
        f"ExecStart={exec_start}",
        "Restart=on-failure",
        "[Install]",
        "WantedBy=default.target",
    ]
    return "\n".join(lines) + "\n"


class SystemdUserService:
    """``systemctl --user`` backend; the unit is ``byokey-server.service``.

    ``install`` writes and enables the unit but does not start it: the CLI calls
    ``start`` next, as the original did. Status maps systemctl's exit code: 0 running,
    3 stopped, 4 not installed, anything else ``status failed``.
    """

    backend_name = "systemd (user)"

    def __init__(self, unit_file: Path, runner: CommandRunner = run_command) -> None:
        self._unit_file = unit_file
        self._run = runner

    @property
    def definition_file(self) -> Path:
        return self._unit_file

    def _systemctl(self, *args: str) -> list[str]:
        return ["systemctl", "--user", *args]

    def install(self, spec: ServiceSpec) -> None:
        ensure_log_dir(spec, "install")
        write_definition(self._unit_file, render_systemd_unit(spec).encode(), "install")
        run_step(self._run, "install", self._systemctl("enable", str(self._unit_file)))

    def uninstall(self) -> None:
        self._run(self._systemctl("stop", SYSTEMD_UNIT_NAME))
        run_step(self._run, "uninstall", self._systemctl("disable", str(self._unit_file)))
        try:
            self._unit_file.unlink(missing_ok=True)
        except OSError as exc:
            raise ServiceError("uninstall") from exc

    def start(self) -> None:
        run_step(self._run, "start", self._systemctl("start", SYSTEMD_UNIT_NAME))

    def stop(self) -> None:
        run_step(self._run, "stop", self._systemctl("stop", SYSTEMD_UNIT_NAME))

    def status(self) -> ServiceStatus:
        argv = self._systemctl("status", SYSTEMD_UNIT_NAME)
        result = self._run(argv)
        if result.returncode == 0:
            return ServiceStatus.RUNNING
        if result.returncode == 3:
            return ServiceStatus.STOPPED
        if result.returncode == 4:
            return ServiceStatus.NOT_INSTALLED
        raise ServiceError("status") from CommandFailedError(argv, result)
