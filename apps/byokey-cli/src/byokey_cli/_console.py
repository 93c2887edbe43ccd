"""Console output with rich: aligned tables and a spinner, plain when not a terminal.

rich is used because column alignment, colour only on terminals, and a spinner that
disappears cleanly are fiddly to get right by hand; its output degrades to plain
text when piped, which keeps scripts and tests simple.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.table import Table

# Off a terminal there is no width to respect: rich would assume 80 columns and cut
# table cells short ("antigravi…"), which breaks `byokey status | grep`.
_UNBOUNDED_WIDTH = 10_000


def stdout_console() -> Console:
    """A console on the *current* stdout (click's test runner swaps it)."""
    width = None if sys.stdout.isatty() else _UNBOUNDED_WIDTH
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, width=width)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def plain_table(*headers: str) -> Table:
    """Columns separated by spaces, no borders: aligned, and still greppable."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, no_wrap=True)
    return table


def print_table(table: Table) -> None:
    """``table`` on stdout, without the padding rich leaves at the end of each line."""
    console = stdout_console()
    with console.capture() as captured:
        console.print(table)
    for line in captured.get().splitlines():
        click.echo(line.rstrip(), color=console.is_terminal)


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
