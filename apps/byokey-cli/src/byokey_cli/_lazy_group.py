"""A click group that imports a command's module only when that command runs.

``byokey --help`` must answer at once, but the commands behind it pull in the
proxy, the store and the OAuth flows. Each lazy entry therefore carries its own
one-line help for the listing; the module is imported when the command is looked
up to run it (or to complete it). A test checks the listed line against the
command's real help so the two cannot drift apart.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import click

from byokey_cli._failures import ByokeyGroup


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """``target`` is ``"module:attribute"``; ``short_help`` is what ``--help`` lists."""

    target: str
    short_help: str

    def load(self) -> click.Command:
        module_name, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(ByokeyGroup):
    """A ``ByokeyGroup`` whose lazy entries become real commands on first lookup."""

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy_commands: dict[str, LazyCommand] = dict(lazy or {})

    def add_lazy(self, name: str, target: str, short_help: str) -> None:
        self.lazy_commands[name] = LazyCommand(target, short_help)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy_commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = self.lazy_commands[cmd_name].load()
            self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command listing, without importing the commands that are not loaded yet."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows: list[tuple[str, str]] = []
        for name in names:
            loaded = self.commands.get(name)
            if loaded is not None:
                if not loaded.hidden:
                    rows.append((name, loaded.get_short_help_str(limit)))
            else:
                rows.append((name, self.lazy_commands[name].short_help))
        with formatter.section("Commands"):
            formatter.write_dl(rows)
