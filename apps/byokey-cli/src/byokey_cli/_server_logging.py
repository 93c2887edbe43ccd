"""Logging of ``byokey serve``, set up once at start-up (spec §1.2.8).

Where: ``--log-file`` or ``log.file`` gives a file with daily rotation, and then the
file *only* (the original's code, not its schema description); else stdout. What:
``log.level`` in the original's filter syntax (``info``, ``byokey_proxy=debug,warn``),
replaced by ``RUST_LOG`` (or ``BYOKEY_LOG``) when that is set and valid. How:
``log.format`` ``text`` or ``json`` (one object per line, via orjson).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

import orjson

__all__ = [
    "DailyFileHandler",
    "JsonFormatter",
    "LogFilter",
    "configure_logging",
    "parse_log_filter",
    "remove_logging",
]

_LEVELS: Mapping[str, int] = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "off": logging.CRITICAL + 10,
}
_ENV_FILTERS = ("RUST_LOG", "BYOKEY_LOG")
_TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_DEFAULT_FILE_NAME = "byokey.log"
# Libraries whose INFO lines say nothing a user needs (alembic prints one per migration
# step on every start); a filter that names them, or a debug root, brings them back.
_QUIET_BY_DEFAULT: Mapping[str, int] = {"alembic": logging.WARNING}
# Handlers this module installed, so a second configure (tests) replaces them.
_INSTALLED = "_byokey_serve_handler"
_PREVIOUS_LEVELS = "_byokey_previous_levels"


LogFilter = tuple[int, dict[str, int]]
"""A root level and per-logger levels."""


def parse_log_filter(directive: str) -> LogFilter:
    """``"info"`` / ``"byokey_proxy=debug,warn"`` → (root level, {logger: level}).

    Rust module paths (``byokey::proxy``) map to dotted logger names. Raises
    ``ValueError`` naming the part it does not understand.
    """
    root = logging.INFO
    targets: dict[str, int] = {}
    for raw in directive.split(","):
        part = raw.strip()
        if not part:
            continue
        target, sep, level_name = part.rpartition("=")
        level = _LEVELS.get(level_name.strip().lower())
        if level is None:
            raise ValueError(f"unknown log level {level_name.strip()!r} in {directive!r}")
        if sep:
            name = target.strip().replace("::", ".")
            if not name:
                raise ValueError(f"empty log target in {directive!r}")
            targets[name] = level
        else:
            root = level
    return root, targets


def _effective_filter(configured: str, environ: Mapping[str, str]) -> LogFilter:
    for name in _ENV_FILTERS:
        value = environ.get(name, "").strip()
        if value:
            try:
                return parse_log_filter(value)
            except ValueError:
                continue  # the original ignored an invalid RUST_LOG
    try:
        return parse_log_filter(configured)
    except ValueError:
        return logging.INFO, {}


def _utc_date(when: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(when))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``timestamp``, ``level``, ``target``, ``message``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "target": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


class DailyFileHandler(logging.Handler):
    """Appends to ``<base>.YYYY-MM-DD`` (UTC date), switching files at midnight.

    This is the original's naming (tracing's daily appender) rather than Python's
    ``TimedRotatingFileHandler``, which writes to ``<base>`` and renames at rollover.
    Old files are never deleted. Files are created 0600: requests can be logged.
    """

    def __init__(self, base: Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        if base.is_dir():
            base = base / _DEFAULT_FILE_NAME
        self.base = base
        self._clock = clock
        self._date: str | None = None
        self._stream: IO[str] | None = None
        self._io_lock = threading.Lock()
        base.parent.mkdir(parents=True, exist_ok=True)

    def path_for(self, when: float) -> Path:
        """The file a record logged at ``when`` (epoch seconds) goes to."""
        return self.base.with_name(f"{self.base.name}.{_utc_date(when)}")

    def _current_stream(self) -> IO[str]:
        now = self._clock()
        date = _utc_date(now)
        if self._stream is None or date != self._date:
            if self._stream is not None:
                self._stream.close()
            fd = os.open(
                self.path_for(now), os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600
            )
            self._stream = os.fdopen(fd, "a", encoding="utf-8")
            self._date = date
        return self._stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            with self._io_lock:
                stream = self._current_stream()
                stream.write(line + "\n")
                stream.flush()
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        with self._io_lock:
            if self._stream is not None:
                self._stream.close()
                self._stream = None
        super().close()


def configure_logging(
    *,
    level: str,
    json_format: bool,
    file: Path | None,
    environ: Mapping[str, str] | None = None,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install the one root handler of the server process and return it."""
    root_level, targets = _effective_filter(level, os.environ if environ is None else environ)
    handler: logging.Handler
    if file is not None:
        handler = DailyFileHandler(file)
    else:
        handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(JsonFormatter() if json_format else logging.Formatter(_TEXT_FORMAT))
    setattr(handler, _INSTALLED, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _INSTALLED, False)]:
        remove_logging(old)
    root.addHandler(handler)
    for name, quiet_level in _QUIET_BY_DEFAULT.items():
        if name not in targets:
            targets[name] = quiet_level if root_level >= logging.INFO else logging.NOTSET
    previous = {"": root.level} | {name: logging.getLogger(name).level for name in targets}
    setattr(handler, _PREVIOUS_LEVELS, previous)
    root.setLevel(root_level)
    for name, target_level in targets.items():
        logging.getLogger(name).setLevel(target_level)
    logging.captureWarnings(True)
    return handler


def remove_logging(handler: logging.Handler) -> None:
    """Take a handler from :func:`configure_logging` off the root logger and close it.

    The levels it set are put back, so an embedding process (or a test) is left as it was.
    """
    logging.getLogger().removeHandler(handler)
    handler.close()
    previous: dict[str, int] = getattr(handler, _PREVIOUS_LEVELS, {})
    for name, level in previous.items():
        logging.getLogger(name or None).setLevel(level)
    logging.captureWarnings(False)
