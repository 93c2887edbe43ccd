"""Hot reload against real files: editor save patterns, bad files, missing files."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from byokey_config import NO_CONFIG_FILE, ConfigWatcher, Settings, SettingsError
from byokey_types import ConfigError

WAIT = 10.0


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.01)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text("port: 9001\n")
    return path


@pytest.fixture
def watcher(config: Path) -> Iterator[ConfigWatcher]:
    threads_before = set(threading.enumerate())
    w = ConfigWatcher(config, env={}, debounce=0.02, poll_interval=0.02)
    with w:
        yield w
    wait_for(lambda: set(threading.enumerate()) <= threads_before)


def test_overwrite_in_place(watcher: ConfigWatcher, config: Path) -> None:
    assert watcher.current.port == 9001
    config.write_text("port: 9002\n")
    wait_for(lambda: watcher.current.port == 9002)


def test_truncate_then_write(watcher: ConfigWatcher, config: Path) -> None:
    with config.open("r+") as fh:
        fh.truncate(0)
        fh.flush()
        os.fsync(fh.fileno())
        fh.write("port: 9003\n")
    wait_for(lambda: watcher.current.port == 9003)
    assert watcher.last_error is None


def test_write_temp_then_rename(watcher: ConfigWatcher, config: Path) -> None:
    tmp = config.with_name(".settings.yaml.swp")
    tmp.write_text("port: 9004\n")
    os.replace(tmp, config)
    wait_for(lambda: watcher.current.port == 9004)
    config.with_name("other.yaml").write_text("port: 1\n")
    os.replace(config.with_name("other.yaml"), config.with_name("unrelated.yaml"))
    config.write_text("port: 9005\n")
    wait_for(lambda: watcher.current.port == 9005)


def test_delete_then_create(watcher: ConfigWatcher, config: Path) -> None:
    config.unlink()
    # the settings stay as they were while the file is gone
    config.with_name("marker.yaml").write_text("x")
    assert watcher.current.port == 9001
    config.write_text("port: 9006\n")
    wait_for(lambda: watcher.current.port == 9006)


def test_bad_file_keeps_previous_then_recovers(
    watcher: ConfigWatcher, config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="byokey_config")
    config.write_text("port: [\n")
    wait_for(lambda: watcher.last_error is not None)
    assert watcher.current.port == 9001
    assert "invalid YAML" in (watcher.last_error or "")
    assert "keeping the previous settings" in caplog.text
    config.write_text("port: 70000\n")
    wait_for(lambda: "out of range" in (watcher.last_error or ""))
    assert watcher.current.port == 9001
    config.write_text("port: 9007\n")
    wait_for(lambda: watcher.current.port == 9007)
    assert watcher.last_error is None


def test_subscribers_get_old_and_new(watcher: ConfigWatcher, config: Path) -> None:
    seen: list[tuple[int, int]] = []
    unsubscribe = watcher.subscribe(lambda old, new: seen.append((old.port, new.port)))
    config.write_text("port: 9008\n")
    wait_for(lambda: seen == [(9001, 9008)])
    unsubscribe()
    config.write_text("port: 9009\n")
    wait_for(lambda: watcher.current.port == 9009)
    assert seen == [(9001, 9008)]


def test_missing_file_that_appears_later(tmp_path: Path) -> None:
    path = tmp_path / "later" / "settings.json"
    with ConfigWatcher(path, env={}, debounce=0.02, poll_interval=0.02) as w:
        assert w.current == Settings()
        assert any("does not exist" in x for x in w.warnings)
        with pytest.raises(ConfigError, match="does not exist"):
            w.reload()
        path.parent.mkdir()
        wait_for(lambda: w.is_watching)
        path.write_text('{"port": 9010}')
        wait_for(lambda: w.current.port == 9010)


def test_manual_reload(config: Path) -> None:
    w = ConfigWatcher(config, env={})  # never started: no threads at all
    config.write_text("port: 9011\n")
    assert w.reload().port == 9011
    assert w.current.port == 9011
    config.write_text("port: nope\n")
    with pytest.raises(SettingsError, match="port: 'nope' is not an integer"):
        w.reload()
    assert w.current.port == 9011
    assert w.last_error is not None
    config.write_text("")
    assert w.reload() == Settings()  # an intentionally empty file applies on demand


def test_reload_without_file() -> None:
    w = ConfigWatcher(None, env={"BYOKEY_PORT": "9012"})
    assert w.current.port == 9012
    with pytest.raises(ConfigError) as info:
        w.reload()
    assert info.value.message == NO_CONFIG_FILE
    w.start()
    assert not w.is_watching
    w.stop()


def test_invalid_initial_file_raises(config: Path) -> None:
    config.write_text("log: {format: xml}\n")
    with pytest.raises(SettingsError, match=r"log\.format"):
        ConfigWatcher(config, env={})


def test_overrides_survive_reload(config: Path) -> None:
    w = ConfigWatcher(config, env={"BYOKEY_HOST": "0.0.0.0"}, overrides={"port": 1234})
    config.write_text("port: 9013\nhost: 10.0.0.1\n")
    s = w.reload()
    assert (s.port, s.host) == (1234, "0.0.0.0")


async def test_async_subscribers_run_on_the_loop(config: Path) -> None:
    loop = asyncio.get_running_loop()
    got: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()

    async def on_change(old: Settings, new: Settings) -> None:
        got.put_nowait((new.port, asyncio.get_running_loop() is loop))

    def plain(old: Settings, new: Settings) -> None:
        got.put_nowait((-new.port, asyncio.get_running_loop() is loop))

    async with ConfigWatcher(config, env={}, debounce=0.02, loop=loop) as w:
        w.subscribe(on_change)
        w.subscribe(plain)
        await asyncio.to_thread(config.write_text, "port: 9014\n")
        results = {await asyncio.wait_for(got.get(), WAIT), await asyncio.wait_for(got.get(), WAIT)}
    assert results == {(9014, True), (-9014, True)}


def test_failing_subscriber_does_not_break_reload(
    config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    w = ConfigWatcher(config, env={})

    def boom(old: Settings, new: Settings) -> None:
        raise RuntimeError("subscriber bug")

    w.subscribe(boom)
    config.write_text("port: 9015\n")
    assert w.reload().port == 9015
    assert "subscriber" in caplog.text


def test_missing_file_in_an_existing_directory_is_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    with ConfigWatcher(path, env={}, debounce=0.02, poll_interval=0.02) as w:
        assert w.is_watching  # the directory exists, so it is watched from the start
        assert w.current == Settings()
        path.write_text("port: 9016\n")
        wait_for(lambda: w.current.port == 9016)
        assert w.generation == 1


def test_reload_swaps_a_whole_snapshot(config: Path) -> None:
    """A request that took a snapshot keeps a consistent view across a reload."""
    w = ConfigWatcher(config, env={})
    before = w.current
    config.write_text("port: 9017\nproviders: {claude: {api_key: sk-new}}\n")
    after = w.reload()
    assert w.current is after
    assert (before.port, before.provider("claude").api_key) == (9001, None)
    assert (after.port, after.provider("claude").api_key) == (9017, "sk-new")
    with pytest.raises(AttributeError):
        after.port = 1  # type: ignore[misc]


def test_unchanged_reload_does_not_notify(config: Path) -> None:
    w = ConfigWatcher(config, env={})
    seen: list[Settings] = []
    w.subscribe(lambda old, new: seen.append(new))
    config.write_text("port: 9001  # same value, new comment\n")
    assert w.reload() == w.current
    assert (seen, w.generation) == ([], 1)


def test_reload_names_restart_only_changes_and_the_failure_reason(
    config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="byokey_config")
    w = ConfigWatcher(config, env={})
    config.write_text(
        "port: 9018\nauth: {refresh_lead_seconds: 60}\nstreaming: {keepalive_seconds: 5}\n"
    )
    s = w.reload()
    assert (s.port, s.streaming.keepalive_seconds) == (9018, 5)
    assert "configuration reloaded" in caplog.text
    assert "changes to port, auth take effect after a restart" in caplog.text
    caplog.clear()
    config.write_text("providers: {claude: {routing: fastest}}\n")
    with pytest.raises(SettingsError):
        w.reload()
    assert "keeping the previous settings" in caplog.text
    assert "providers.claude.routing: 'fastest' is not one of" in caplog.text
    assert w.current is s


def test_reading_settings_does_not_load_watchdog(tmp_path: Path) -> None:
    """watchdog (observer threads, inotify) loads when watching starts, not before."""
    config = tmp_path / "settings.yaml"
    config.write_text("port: 8123\n")
    code = (
        "import sys\n"
        "from byokey_config import ConfigWatcher\n"
        f"watcher = ConfigWatcher({str(config)!r})\n"
        "assert watcher.current.port == 8123\n"
        "before = 'watchdog' in sys.modules\n"
        "watcher.start()\n"
        "after = 'watchdog.observers' in sys.modules\n"
        "watcher.stop()\n"
        "print(before, after)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]
