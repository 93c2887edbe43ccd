"""Option groups shared by several commands (spec §5.2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_PATH = click.Path(dir_okay=False, path_type=Path)


def server_options(func: F) -> F:
    """``-c/--config``, ``-p/--port``, ``--host``, ``--db``, ``--log-file``."""
    options = [
        click.option(
            "-c",
            "--config",
            type=_PATH,
            default=None,
            help="Config file, JSON (.json) or YAML [default: ~/.config/byokey/settings.json if it exists].",
        ),
        click.option(
            "-p",
            "--port",
            type=click.IntRange(0, 65535),
            default=None,
            metavar="PORT",
            help="Port of the main (OpenAI/Anthropic) listener [default: config `port`, 8018].",
        ),
        click.option(
            "--host",
            default=None,
            metavar="HOST",
            help="Listen address of the main and Amp listeners [default: config `host`, 127.0.0.1].",
        ),
        db_option,
        click.option(
            "--log-file",
            type=_PATH,
            default=None,
            metavar="PATH",
            help="Write logs to this file [default: config `log.file`, else stdout].",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


db_option = click.option(
    "--db",
    type=_PATH,
    default=None,
    metavar="PATH",
    help="SQLite database of accounts and usage [default: ~/.byokey/tokens.db].",
)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of a table."
)


def absolute(path: Path | None) -> Path | None:
    """Resolve against the CWD now: a detached child or a service runs elsewhere."""
    return None if path is None else path.expanduser().absolute()


config_option = click.option(
    "-c",
    "--config",
    type=_PATH,
    default=None,
    help="Config file, JSON (.json) or YAML, the one `serve` uses "
    "[default: ~/.config/byokey/settings.json if it exists].",
)
