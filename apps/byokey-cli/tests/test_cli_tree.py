"""The command tree: every command has help, usage errors exit 2, failures exit 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from byokey_cli.main import COMMANDS, cli


def _all_command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
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
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)
    assert command is not None
    assert command.help, f"{' '.join(path)} has no help text"


def test_spec_commands_are_all_there() -> None:
    expected = {
        "serve", "start", "stop", "restart", "reload", "service", "login", "logout",
        "status", "accounts", "switch", "amp", "openapi", "completions", "import", "doctor",
    }  # fmt: skip
    assert expected <= set(cli.list_commands(click.Context(cli)))
    service = cli.get_command(click.Context(cli), "service")
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


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_listed_help_is_the_commands_own_first_sentence(name: str) -> None:
    """``byokey --help`` lists COMMANDS' lines without importing: they must not drift."""
    command = COMMANDS[name].load()
    assert command.get_short_help_str(limit=500) == COMMANDS[name].short_help


def test_top_level_help_imports_no_command_module() -> None:
    """``byokey --help`` stays fast: only click and the command table are imported."""
    code = (
        "import sys\n"
        "from byokey_cli.main import cli\n"
        "try:\n"
        "    cli.main(['--help'], prog_name='byokey')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.startswith(('byokey_', 'rich', 'httpx'))\n"
        "               and m not in ('byokey_cli', 'byokey_cli.main', 'byokey_cli._lazy_group',"
        " 'byokey_cli._failures'))\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "Commands:" in out
    assert "HEAVY []" in out, out.splitlines()[-1]


DOCS_CLI = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_and_option_is_in_the_reference(path: tuple[str, ...]) -> None:
    """docs/cli.md names every command and every long option."""
    text = DOCS_CLI.read_text()
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)
    assert command is not None
    if len(path) == 1:
        assert f"`byokey {path[0]}" in text, f"docs/cli.md does not mention byokey {path[0]}"
    else:
        assert path[-1] in text
    for param in command.params:
        longs = [o for o in param.opts if o.startswith("--")]
        if isinstance(param, click.Option) and longs and longs[0] != "--help":
            assert longs[0] in text, f"docs/cli.md does not mention {' '.join(path)} {longs[0]}"
