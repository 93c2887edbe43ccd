"""Where byokey keeps its files, derived from ``$HOME`` at call time.

Nothing is computed at import time and ``Path.home()`` is never used (it falls back to the
passwd database): tests redirect everything by setting ``HOME`` (spec §0.1).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._errors import NoHomeDirectoryError

SERVICE_LABEL = "io.byokey.server"
SYSTEMD_UNIT_NAME = "byokey-server"


@dataclass(frozen=True, slots=True)
class DaemonPaths:
    """Every daemon-related location for one home directory.

    ``xdg_config_home`` only moves the systemd unit, as in the original; the byokey and
    Amp settings files stay under ``~/.config`` regardless.
    """

    home: Path
    xdg_config_home: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DaemonPaths:
        env = os.environ if environ is None else environ
        home = env.get("HOME", "")
        if not home:
            raise NoHomeDirectoryError()
        xdg = env.get("XDG_CONFIG_HOME", "")
        # systemd ignores a relative XDG_CONFIG_HOME, so do we.
        xdg_path = Path(xdg) if xdg and os.path.isabs(xdg) else None
        return cls(home=Path(home), xdg_config_home=xdg_path)

    @property
    def data_dir(self) -> Path:
        return self.home / ".byokey"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "tokens.db"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "byokey.pid"

    @property
    def control_socket(self) -> Path:
        return self.data_dir / "control.sock"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def config_file(self) -> Path:
        return self.home / ".config" / "byokey" / "settings.json"

    @property
    def amp_settings_file(self) -> Path:
        return self.home / ".config" / "amp" / "settings.json"

    @property
    def systemd_unit_file(self) -> Path:
        base = self.xdg_config_home or (self.home / ".config")
        return base / "systemd" / "user" / f"{SYSTEMD_UNIT_NAME}.service"

    @property
    def launchd_plist_file(self) -> Path:
        return self.home / "Library" / "LaunchAgents" / f"{SERVICE_LABEL}.plist"
