"""Which service backend this machine gets (spec §4.8)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from ._command_runner import CommandRunner, run_command
from ._errors import UnsupportedPlatformError
from ._launchd import LaunchdUserService
from ._paths import DaemonPaths
from ._service_base import ServiceManager
from ._systemd import SystemdUserService


def service_manager_for(
    paths: DaemonPaths,
    *,
    runner: CommandRunner = run_command,
    platform: str | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> ServiceManager:
    """launchd on macOS, systemd on Linux with ``systemctl``; else unsupported.

    Windows is declared unsupported (the control socket is a Unix socket anyway), and
    so is a Linux without systemctl (the original's OpenRC path could not do user level).
    """
    name = sys.platform if platform is None else platform
    if name == "darwin":
        return LaunchdUserService(paths.launchd_plist_file, runner)
    if name.startswith("linux") and which("systemctl") is not None:
        return SystemdUserService(paths.systemd_unit_file, runner)
    raise UnsupportedPlatformError()
