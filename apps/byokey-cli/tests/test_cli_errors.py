"""Failures are one ``Error:`` line on stderr with exit 1; usage errors exit 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from byokey_cli._failures import one_line

from .conftest import write_config

Invoke = Callable[..., Result]


def test_login_with_invalid_config_is_one_line(invoke: Invoke, tmp_home: Path) -> None:
    path = write_config(tmp_home, {})
    path.write_text('{"port": "x", "log": {"format": "xml"}}')
    result = invoke("login", "copilot", "--no-browser")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"Error: configuration error: invalid settings in {path}: ")
    assert "port" in result.stderr and "log.format" in result.stderr
    assert not (tmp_home / ".byokey").exists()  # nothing opened before the config was read


def test_login_to_unreachable_oauth_server(invoke: Invoke, tmp_home: Path) -> None:
    # A closed port on loopback: the connection is refused at once.
    write_config(
        tmp_home,
        {
            "endpoints": {
                "copilot_device": "http://127.0.0.1:9/device",
                "copilot_token": "http://127.0.0.1:9/token",
                "credentials_base": "",
            }
        },
    )
    result = invoke("login", "github", "--no-browser")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: login failed: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ("login",),
        ("login", "nosuch"),
        ("login", "claude", "--bogus"),
        ("accounts",),
        ("switch", "claude"),
        ("import", "kimi"),
        ("completions", "tcsh"),
    ],
)
def test_usage_errors_exit_2(invoke: Invoke, args: tuple[str, ...]) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stderr


@given(st.text(max_size=200))
def test_one_line_never_keeps_a_line_break(text: str) -> None:
    result = one_line(text)
    assert len(result.splitlines()) <= 1
    assert all(word in result for line in text.splitlines() for word in line.split())


def test_one_line_joins_a_problem_list() -> None:
    text = "invalid settings: 2 problems:\n  port: bad\n  log.format: bad"
    assert one_line(text) == "invalid settings: 2 problems: port: bad; log.format: bad"
