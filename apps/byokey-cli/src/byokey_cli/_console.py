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


def stdout_console() -> Console:
    """A console on the *current* stdout (click's test runner swaps it)."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False, soft_wrap=True)


def plain_table(*headers: str) -> Table:
    """Columns separated by spaces, no borders: aligned, and still greppable."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, no_wrap=True)
    return table


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
