"""The command tree: every command has help, usage errors exit 2, failures exit 1."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from byokey_cli.main import cli


def _all_command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(_all_command_paths(command, path))
    return paths


COMMAND_PATHS = _all_command_paths(cli)


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "-h"])
    assert result.exit_code == 0, result.output
    assert f"Usage: cli {' '.join(path)}" in result.output or "Usage:" in result.output
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help, f"{' '.join(path)} has no help text"


def test_spec_commands_are_all_there() -> None:
    expected = {
        "start", "stop", "restart", "reload", "service", "amp", "completions",
    }  # fmt: skip
    assert expected <= set(cli.commands)
    service = cli.commands["service"]
    assert isinstance(service, click.Group)
    assert set(service.commands) == {"install", "uninstall", "start", "stop", "status"}


def test_no_subcommand_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 2
    assert "Usage:" in result.output


def test_unknown_command_and_option_exit_2() -> None:
    assert CliRunner().invoke(cli, ["frobnicate"]).exit_code == 2
    assert CliRunner().invoke(cli, ["stop", "--nope"]).exit_code == 2
    assert CliRunner().invoke(cli, ["start", "--port", "70000"]).exit_code == 2


def test_version_short_and_long() -> None:
    for flag in ("-V", "--version"):
        result = CliRunner().invoke(cli, [flag])
        assert result.exit_code == 0
        assert result.output.startswith("byokey, version ")
