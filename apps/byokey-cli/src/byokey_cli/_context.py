"""What commands get from their surroundings, so tests can swap each piece.

click passes one object down the command tree (``ctx.obj``); ``main()`` builds the
real one, tests hand ``CliRunner.invoke(..., obj=CliContext(...))`` fakes for the
parts that would reach outside the temporary HOME (systemctl, the browser).
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path

import click

from byokey_cli._store_session import open_sql_token_store
from byokey_daemon import DaemonPaths, ServiceManager, service_manager_for
from byokey_types import TokenStore


def _default_self_command() -> tuple[str, ...]:
    """How to run this CLI again as a child: the interpreter and the module.

    Using the interpreter rather than a console-script path works the same from a
    venv, a wheel install and ``python -m``.
    """
    return (sys.executable, "-m", "byokey_cli")


def _open_browser(url: str) -> bool:
    """Open ``url`` in a graphical browser; False when there is none.

    Without a display (an SSH session, a container) Python's ``webbrowser`` would
    start a text browser such as lynx inside the terminal the login is using, so it
    is not asked at all; ``$BROWSER`` still wins when the user set it.
    """
    if not _graphical_session():
        return False
    try:
        return webbrowser.open(url)
    except webbrowser.Error:
        return False


def _graphical_session() -> bool:
    if os.environ.get("BROWSER") or sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass(slots=True)
class CliContext:
    """Replaceable collaborators of the commands."""

    self_command: Callable[[], Sequence[str]] = _default_self_command
    service_manager: Callable[[DaemonPaths], ServiceManager] = service_manager_for
    open_browser: Callable[[str], bool] = _open_browser
    open_store: Callable[[Path | None], AbstractAsyncContextManager[TokenStore]] = (
        open_sql_token_store
    )

    def paths(self) -> DaemonPaths:
        return DaemonPaths.from_environ(os.environ)


def cli_context() -> CliContext:
    """The current command's context object (created with defaults when absent)."""
    return click.get_current_context().ensure_object(CliContext)
