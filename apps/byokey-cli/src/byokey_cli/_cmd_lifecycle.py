"""``start``, ``stop``, ``restart`` and ``reload``: the background server (spec §4.4–4.6).

The process work is done by ``byokey_daemon``; these commands only pick paths and
options and print the original's lines.
"""

from __future__ import annotations

from pathlib import Path

import click

from byokey_cli._context import cli_context
from byokey_cli._options import absolute, server_options
from byokey_daemon import (
    ControlClient,
    restart_server,
    serve_arguments,
    start_server,
    stop_server,
)

# A PID from the PID file is only signalled if its command line mentions this, so a
# reused PID of an unrelated program is never killed.
CMDLINE_MARKER = "byokey"


def _start(
    config: Path | None, port: int | None, host: str | None, db: Path | None, log_file: Path | None
) -> None:
    context = cli_context()
    paths = context.paths()
    argv = [
        *context.self_command(),
        # --log-file is not forwarded: it only picks where the child's output goes.
        *serve_arguments(config=absolute(config), port=port, host=host, db=absolute(db)),
    ]
    target = absolute(log_file) or paths.log_file
    pid = start_server(
        argv, pid_file=paths.pid_file, control_socket=paths.control_socket, log_file=target
    )
    click.echo(f"byokey started (pid {pid})")
    click.echo(f"logs: {target}")


@click.command()
@server_options
def start(
    config: Path | None, port: int | None, host: str | None, db: Path | None, log_file: Path | None
) -> None:
    """Start the server in the background.

    Output goes to --log-file (default ~/.byokey/server.log). Fails, with the
    server's last log lines, if it does not come up within 10 seconds.
    """
    _start(config, port, host, db, log_file)


def _stop() -> int:
    paths = cli_context().paths()
    return stop_server(
        pid_file=paths.pid_file,
        client=ControlClient(paths.control_socket),
        cmdline_marker=CMDLINE_MARKER,
    )


@click.command()
def stop() -> None:
    """Stop the background server (graceful, then SIGTERM/SIGKILL after 5 s)."""
    pid = _stop()
    click.echo(f"byokey stopped (pid {pid})")


@click.command()
@server_options
def restart(
    config: Path | None, port: int | None, host: str | None, db: Path | None, log_file: Path | None
) -> None:
    """Stop the server (if running) and start it again with THESE options.

    Options of the previous instance are not remembered.
    """

    def start_again() -> int:
        _start(config, port, host, db, log_file)
        return 0

    restart_server(_stop, start_again)


@click.command()
def reload() -> None:
    """Re-read the running server's config file.

    The server keeps its current settings if the file is invalid.
    """
    paths = cli_context().paths()
    ControlClient(paths.control_socket).reload()
    click.echo("configuration reloaded")
