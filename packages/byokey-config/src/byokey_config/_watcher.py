"""Hot reload: keep a current ``Settings`` snapshot in step with the file.

The watcher observes the file's *directory*, not the file: editors save by
writing a temporary file and renaming it over the original (the old inode, and
any watch on it, is gone), by truncating and rewriting in place, or by deleting
and re-creating. Every event whose source or destination is the config path
wakes a worker thread, which waits until events have been quiet for the
debounce interval and then loads the file on a fresh builder. Success swaps the
snapshot with one reference assignment; failure keeps the previous snapshot,
logs why and records ``last_error``. A directory that does not exist yet is
polled for, so a config created after startup is still picked up.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from byokey_config._live import changed_restart_keys
from byokey_config._load import read_settings
from byokey_config._settings import Settings
from byokey_types import ConfigError

if TYPE_CHECKING:  # watchdog loads when watching starts (``_schedule_observer``)
    from watchdog.observers.api import BaseObserver

__all__ = ["NO_CONFIG_FILE", "ConfigWatcher", "SettingsCallback"]

logger = logging.getLogger("byokey_config")

NO_CONFIG_FILE = "no config file (server started without --config)"
"""What ``reload()`` says when there is no file to reload (the original's text)."""

SettingsCallback = Callable[[Settings, Settings], object]
"""Called with ``(old, new)`` after a reload that changed something."""

_JOIN_TIMEOUT = 5.0


class ConfigWatcher:
    """The live settings of a running server.

    ``current`` is always a complete, validated snapshot. Construction loads
    the file once and raises :class:`~byokey_config.SettingsError` when it is
    invalid (a server must not start on a broken config); a missing file gives
    defaults plus a warning. ``start()`` begins watching; ``stop()`` (or the
    context manager) ends every thread it started.

    With ``loop`` given, subscribers run on that event loop (coroutine
    functions are scheduled as tasks); otherwise they run on the thread that
    reloaded. An empty file seen by the automatic reload is treated as a save
    in progress and ignored; ``reload()`` applies it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        *,
        env: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
        debounce: float = 0.2,
        poll_interval: float = 1.0,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._path = Path(path).expanduser().absolute() if path is not None else None
        self._env = env
        self._overrides = dict(overrides or {})
        self._debounce = debounce
        self._poll_interval = poll_interval
        self._loop = loop
        loaded = read_settings(self._path, env=env, overrides=self._overrides, discover=False)
        self._current = loaded.settings
        self._warnings = loaded.warnings
        self._last_error: str | None = None
        self._generation = 0
        self._subscribers: list[SettingsCallback] = []
        self._reload_lock = threading.Lock()
        self._wake = threading.Condition()
        self._pending_since: float | None = None
        self._stopping = False
        self._observer: BaseObserver | None = None
        self._worker: threading.Thread | None = None
        self._watch_failure_reported = False

    # --- what callers read --------------------------------------------------------

    @property
    def current(self) -> Settings:
        """The latest good settings; take it once per request and keep using it."""
        return self._current

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def last_error(self) -> str | None:
        """Why the latest reload failed, or None after a successful one."""
        return self._last_error

    @property
    def warnings(self) -> tuple[str, ...]:
        """Warnings of the latest successful load (unknown keys and the like)."""
        return self._warnings

    @property
    def generation(self) -> int:
        """How many reloads have succeeded (changed or not) since construction."""
        return self._generation

    @property
    def is_watching(self) -> bool:
        return self._observer is not None

    def subscribe(self, callback: SettingsCallback) -> Callable[[], None]:
        """Call ``callback(old, new)`` after each reload that changes the settings.

        Returns a function that unsubscribes.
        """
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    # --- lifecycle ------------------------------------------------------------------

    def start(self) -> ConfigWatcher:
        """Begin watching (a no-op without a path). Returns ``self``."""
        if self._path is None or self._worker is not None:
            return self
        self._stopping = False
        self._schedule_observer()
        self._worker = threading.Thread(target=self._run, name="byokey-config-watcher", daemon=True)
        self._worker.start()
        return self

    def stop(self) -> None:
        """Stop watching and join every thread this watcher started."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(_JOIN_TIMEOUT)
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.join(_JOIN_TIMEOUT)

    async def aclose(self) -> None:
        """``stop()`` without blocking the event loop."""
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> ConfigWatcher:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> ConfigWatcher:
        return self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- reloading --------------------------------------------------------------------

    def reload(self) -> Settings:
        """Reload now (the control socket's ``reload``); raises ``ConfigError`` on failure.

        A failure leaves ``current`` untouched.
        """
        if self._path is None:
            raise ConfigError(NO_CONFIG_FILE)
        return self._reload(manual=True)

    def _reload(self, *, manual: bool) -> Settings:
        assert self._path is not None
        with self._reload_lock:
            if not self._path.is_file():
                if manual:
                    self._last_error = f"config file {self._path} does not exist"
                    raise ConfigError(self._last_error)
                logger.info(
                    "config file %s does not exist; keeping the current settings", self._path
                )
                return self._current
            if not manual and self._is_blank(self._path):
                logger.debug("config file %s is empty (save in progress?); ignored", self._path)
                return self._current
            try:
                loaded = read_settings(
                    self._path, env=self._env, overrides=self._overrides, discover=False
                )
            except ConfigError as exc:
                # Log before publishing the error, so whoever sees last_error can find the log.
                logger.warning(
                    "configuration reload failed, keeping the previous settings: %s", exc
                )
                self._last_error = str(exc)
                if manual:
                    raise
                return self._current
            old, new = self._current, loaded.settings
            self._current = new
            self._warnings = loaded.warnings
            self._last_error = None
            self._generation += 1
            if new == old:
                logger.debug("configuration reloaded (unchanged)")
                return new
            logger.info("configuration reloaded")
            needs_restart = changed_restart_keys(old, new)
            if needs_restart:
                logger.warning(
                    "changes to %s take effect after a restart", ", ".join(needs_restart)
                )
            subscribers = list(self._subscribers)
        for callback in subscribers:
            self._notify(callback, old, new)
        return new

    @staticmethod
    def _is_blank(path: Path) -> bool:
        try:
            return not path.read_bytes().strip()
        except OSError:
            return False

    def _notify(self, callback: SettingsCallback, old: Settings, new: Settings) -> None:
        if self._loop is None:
            self._invoke(callback, old, new)
            return
        try:
            self._loop.call_soon_threadsafe(self._invoke, callback, old, new)
        except RuntimeError:
            logger.warning("settings subscriber not notified: its event loop is closed")

    def _invoke(self, callback: SettingsCallback, old: Settings, new: Settings) -> None:
        try:
            result = callback(old, new)
            if inspect.isawaitable(result):
                if self._loop is None:
                    raise TypeError("async settings subscribers need ConfigWatcher(loop=...)")
                task = asyncio.ensure_future(result, loop=self._loop)
                task.add_done_callback(_log_task_failure)
        except Exception:
            logger.exception("settings subscriber %r failed", callback)

    # --- the threads ---------------------------------------------------------------------

    def _schedule_observer(self) -> bool:
        """Watch the parent directory if it exists; True when now watching."""
        assert self._path is not None
        if self._observer is not None:
            return True
        directory = self._path.parent
        if not directory.is_dir():
            return False
        from watchdog.observers import Observer

        from byokey_config._path_events import PathEvents

        observer = Observer()
        observer.daemon = True
        try:
            observer.schedule(PathEvents(self._path, self._signal), str(directory), recursive=False)
            observer.start()
        except OSError as exc:
            # e.g. the inotify watch limit; retried every poll interval, reported once.
            if not self._watch_failure_reported:
                logger.warning("cannot watch %s for changes yet: %s", directory, exc)
                self._watch_failure_reported = True
            return False
        self._observer = observer
        return True

    def _signal(self) -> None:
        with self._wake:
            self._pending_since = time.monotonic()
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and self._pending_since is None:
                    if self._observer is not None:
                        self._wake.wait()
                        continue
                    self._wake.wait(self._poll_interval)
                    if not self._stopping and self._schedule_observer():
                        logger.info("watching %s for changes", self._path)
                        self._pending_since = time.monotonic()
                if self._stopping:
                    return
                pending = self._pending_since
                if pending is None:
                    continue
                remaining = pending + self._debounce - time.monotonic()
                if remaining > 0:
                    self._wake.wait(remaining)
                    continue
                self._pending_since = None
            try:
                self._reload(manual=False)
            except Exception:
                logger.exception("unexpected error while reloading the configuration")


def _log_task_failure(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("settings subscriber failed", exc_info=task.exception())
