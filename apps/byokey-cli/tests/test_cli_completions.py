"""``byokey completions``: scripts for each shell, and what they complete."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from byokey_cli.main import cli


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_scripts(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completions", shell])
    assert result.exit_code == 0
    assert "_BYOKEY_COMPLETE" in result.stdout


def test_unknown_shell_is_usage_error() -> None:
    result = CliRunner().invoke(cli, ["completions", "elvish"])
    assert result.exit_code == 2
    assert "elvish" in result.stderr


def _complete(words: str, incomplete: str) -> list[str]:
    env = {
        "COMP_WORDS": f"byokey {words} {incomplete}".strip(),
        "COMP_CWORD": str(len(words.split()) + 1),
    }
    result = CliRunner().invoke(
        cli, [], prog_name="byokey", env={**env, "_BYOKEY_COMPLETE": "bash_complete"}
    )
    return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


def test_completes_commands_and_providers() -> None:
    assert "service" in _complete("", "se")
    assert {"install", "status"} <= set(_complete("service", ""))
    assert {"start", "stop", "status"} <= set(_complete("service", "st"))
