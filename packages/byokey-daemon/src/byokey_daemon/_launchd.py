"""launchd user agent: the plist and the ``launchctl`` steps (untested on a real Mac)."""

from __future__ import annotations

import os
import plistlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._command_runner import CommandRunner, run_command
from ._errors import DaemonError, ServiceError
from ._paths import SERVICE_LABEL
from ._service_base import ServiceStatus, ensure_log_dir, run_step, write_definition
from ._service_spec import ServiceSpec


def launchd_plist(spec: ServiceSpec, *, disabled: bool = True) -> dict[str, Any]:
    """The agent's dictionary (spec §4.8); ``Disabled`` so that loading does not start it."""
    plist: dict[str, Any] = {
        "Label": spec.label,
        "ProgramArguments": [spec.program, *spec.arguments],
        "KeepAlive": {"SuccessfulExit": False},
        "WorkingDirectory": str(spec.working_directory),
        "RunAtLoad": True,
    }
    if disabled:
        plist["Disabled"] = True
    return plist


def render_launchd_plist(spec: ServiceSpec, *, disabled: bool = True) -> bytes:
    return plistlib.dumps(launchd_plist(spec, disabled=disabled), fmt=plistlib.FMT_XML)


class LaunchdUserService:
    """``launchctl`` backend for ``~/Library/LaunchAgents/io.byokey.server.plist``.

    ``status`` asks ``launchctl print gui/<uid>/<label>`` (the original's exact command
    is unverified, spec §4.8 [UNSURE]): a failing print means stopped when the plist
    exists, not installed otherwise; a ``state = running`` line means running.
    """

    backend_name = "launchd (user)"

    def __init__(
        self,
        plist_file: Path,
        runner: CommandRunner = run_command,
        *,
        label: str = SERVICE_LABEL,
        uid: Callable[[], int] = os.getuid,
    ) -> None:
        self._plist_file = plist_file
        self._run = runner
        self._label = label
        self._uid = uid

    @property
    def definition_file(self) -> Path:
        return self._plist_file

    def install(self, spec: ServiceSpec) -> None:
        ensure_log_dir(spec, "install")
        if self._plist_file.exists():
            self._run(["launchctl", "remove", self._label])
        write_definition(self._plist_file, render_launchd_plist(spec), "install")
        run_step(self._run, "install", ["launchctl", "load", str(self._plist_file)])

    def uninstall(self) -> None:
        self._run(["launchctl", "remove", self._label])
        try:
            self._plist_file.unlink(missing_ok=True)
        except OSError as exc:
            raise ServiceError("uninstall") from exc

    def start(self) -> None:
        try:
            plist = plistlib.loads(self._plist_file.read_bytes())
        except FileNotFoundError:
            raise ServiceError("start") from DaemonError("service is not installed")
        except (OSError, plistlib.InvalidFileException, ValueError) as exc:
            raise ServiceError("start") from exc
        if isinstance(plist, dict) and plist.get("Disabled") is True:
            del plist["Disabled"]
            write_definition(self._plist_file, plistlib.dumps(plist), "start")
            self._run(["launchctl", "unload", str(self._plist_file)])
            run_step(self._run, "start", ["launchctl", "load", str(self._plist_file)])
            return
        run_step(self._run, "start", ["launchctl", "start", self._label])

    def stop(self) -> None:
        run_step(self._run, "stop", ["launchctl", "stop", self._label])

    def status(self) -> ServiceStatus:
        argv = ["launchctl", "print", f"gui/{self._uid()}/{self._label}"]
        result = self._run(argv)
        if result.returncode != 0:
            if self._plist_file.exists():
                return ServiceStatus.STOPPED
            return ServiceStatus.NOT_INSTALLED
        for line in result.stdout.splitlines():
            lowered = line.lower()
            if "state" in lowered and "running" in lowered and "not running" not in lowered:
                return ServiceStatus.RUNNING
        return ServiceStatus.STOPPED
