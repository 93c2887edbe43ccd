"""Server logging: the original's filter syntax, its daily file names, JSON lines."""

from __future__ import annotations

import io
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from byokey_cli._server_logging import (
    DailyFileHandler,
    configure_logging,
    parse_log_filter,
    remove_logging,
)

DAY = 86_400
NOON_2026_03_01 = 1_772_366_400  # 2026-03-01T12:00:00Z


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    saved = {name: logging.getLogger(name).level for name in ("byokey_proxy", "alembic")}
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
    for name, saved_level in saved.items():
        logging.getLogger(name).setLevel(saved_level)


@pytest.mark.parametrize(
    ("directive", "expected"),
    [
        ("info", (logging.INFO, {})),
        ("debug", (logging.DEBUG, {})),
        ("trace", (logging.DEBUG, {})),
        ("WARN", (logging.WARNING, {})),
        ("off", (logging.CRITICAL + 10, {})),
        ("byokey_proxy=debug,warn", (logging.WARNING, {"byokey_proxy": logging.DEBUG})),
        ("byokey::proxy=error", (logging.INFO, {"byokey.proxy": logging.ERROR})),
        (" error , ", (logging.ERROR, {})),
    ],
)
def test_filter_directives(directive: str, expected: tuple[int, dict[str, int]]) -> None:
    assert parse_log_filter(directive) == expected


@pytest.mark.parametrize("bad", ["loud", "x=loud", "=debug"])
def test_bad_directives_name_the_problem(bad: str) -> None:
    with pytest.raises(ValueError, match="log"):
        parse_log_filter(bad)


def test_rust_log_wins_when_valid_and_is_ignored_when_not() -> None:
    out = io.StringIO()
    configure_logging(
        level="info", json_format=False, file=None, environ={"RUST_LOG": "debug"}, stream=out
    )
    assert logging.getLogger().level == logging.DEBUG
    configure_logging(
        level="error", json_format=False, file=None, environ={"RUST_LOG": "nonsense"}, stream=out
    )
    assert logging.getLogger().level == logging.ERROR
    configure_logging(
        level="info", json_format=False, file=None, environ={"BYOKEY_LOG": "warn"}, stream=out
    )
    assert logging.getLogger().level == logging.WARNING


def test_one_handler_at_a_time_and_json_lines() -> None:
    first = configure_logging(
        level="info", json_format=False, file=None, environ={}, stream=io.StringIO()
    )
    out = io.StringIO()
    second = configure_logging(level="info", json_format=True, file=None, environ={}, stream=out)
    assert first not in logging.getLogger().handlers
    logging.getLogger("byokey.test").info("hello %s", "there")
    entry = orjson.loads(out.getvalue().splitlines()[-1])
    assert entry["level"] == "INFO"
    assert entry["target"] == "byokey.test"
    assert entry["message"] == "hello there"
    assert entry["timestamp"].endswith("Z")
    remove_logging(second)
    assert second not in logging.getLogger().handlers


def test_removing_puts_the_levels_back() -> None:
    root = logging.getLogger()
    root.setLevel(logging.ERROR)
    handler = configure_logging(
        level="byokey_proxy=debug,info",
        json_format=False,
        file=None,
        environ={},
        stream=io.StringIO(),
    )
    assert (root.level, logging.getLogger("byokey_proxy").level) == (logging.INFO, logging.DEBUG)
    remove_logging(handler)
    assert (root.level, logging.getLogger("byokey_proxy").level) == (logging.ERROR, logging.NOTSET)


def test_daily_file_names_follow_the_utc_date(tmp_path: Path) -> None:
    now = [float(NOON_2026_03_01)]
    handler = DailyFileHandler(tmp_path / "logs" / "byokey.log", clock=lambda: now[0])
    handler.setFormatter(logging.Formatter("%(message)s"))
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "one", None, None)
    handler.emit(record)
    now[0] += DAY
    handler.emit(logging.LogRecord("t", logging.INFO, __file__, 1, "two", None, None))
    handler.close()
    first = tmp_path / "logs" / "byokey.log.2026-03-01"
    second = tmp_path / "logs" / "byokey.log.2026-03-02"
    assert first.read_text() == "one\n"
    assert second.read_text() == "two\n"
    assert stat.S_IMODE(os.stat(first).st_mode) == 0o600
    assert not (tmp_path / "logs" / "byokey.log").exists()


def test_a_directory_gets_the_default_file_name(tmp_path: Path) -> None:
    handler = DailyFileHandler(tmp_path, clock=lambda: float(NOON_2026_03_01))
    assert handler.path_for(NOON_2026_03_01) == tmp_path / "byokey.log.2026-03-01"
    handler.close()


def test_migration_chatter_is_quiet_unless_asked_for() -> None:
    out = io.StringIO()
    configure_logging(level="info", json_format=False, file=None, environ={}, stream=out)
    assert logging.getLogger("alembic").level == logging.WARNING
    configure_logging(level="debug", json_format=False, file=None, environ={}, stream=out)
    assert logging.getLogger("alembic").level == logging.NOTSET
    configure_logging(
        level="alembic=info,warn", json_format=False, file=None, environ={}, stream=out
    )
    assert logging.getLogger("alembic").level == logging.INFO
