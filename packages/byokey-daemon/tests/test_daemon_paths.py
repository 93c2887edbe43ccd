from __future__ import annotations

from pathlib import Path

import pytest

import byokey_daemon
from byokey_daemon import DaemonPaths, NoHomeDirectoryError


def test_version() -> None:
    assert byokey_daemon.__version__ == "0.1.0"


def test_paths_follow_home_at_call_time(
    tmp_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    paths = DaemonPaths.from_environ()
    assert paths.data_dir == tmp_home / ".byokey"
    assert paths.db_file == tmp_home / ".byokey" / "tokens.db"
    assert paths.pid_file == tmp_home / ".byokey" / "byokey.pid"
    assert paths.control_socket == tmp_home / ".byokey" / "control.sock"
    assert paths.log_file == tmp_home / ".byokey" / "server.log"
    assert paths.config_file == tmp_home / ".config" / "byokey" / "settings.json"
    assert paths.amp_settings_file == tmp_home / ".config" / "amp" / "settings.json"
    assert paths.systemd_unit_file == (
        tmp_home / ".config" / "systemd" / "user" / "byokey-server.service"
    )
    assert paths.launchd_plist_file == (
        tmp_home / "Library" / "LaunchAgents" / "io.byokey.server.plist"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    assert DaemonPaths.from_environ().pid_file == tmp_path / ".byokey" / "byokey.pid"


def test_xdg_config_home_moves_only_the_systemd_unit(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path / "h"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    paths = DaemonPaths.from_environ(env)
    assert (
        paths.systemd_unit_file == tmp_path / "xdg" / "systemd" / "user" / "byokey-server.service"
    )
    assert paths.config_file == tmp_path / "h" / ".config" / "byokey" / "settings.json"


def test_relative_xdg_config_home_is_ignored(tmp_path: Path) -> None:
    paths = DaemonPaths.from_environ({"HOME": str(tmp_path), "XDG_CONFIG_HOME": "rel/dir"})
    assert paths.systemd_unit_file.parent == tmp_path / ".config" / "systemd" / "user"


@pytest.mark.parametrize("env", [{}, {"HOME": ""}])
def test_missing_home_is_an_error(env: dict[str, str]) -> None:
    with pytest.raises(NoHomeDirectoryError, match=r"^cannot determine home directory$"):
        DaemonPaths.from_environ(env)
