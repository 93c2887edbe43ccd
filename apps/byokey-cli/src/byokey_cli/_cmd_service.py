"""``byokey service …``: register the server as a systemd user unit or launchd agent.

The backends (unit/plist rendering, ``systemctl``/``launchctl`` steps) live in
``byokey_daemon``; this module picks the backend and prints the original's lines
(spec §4.8, §5.6).
"""

from __future__ import annotations

from pathlib import Path

import click

from byokey_cli._context import cli_context
from byokey_cli._failures import ByokeyGroup
from byokey_cli._options import absolute, server_options
from byokey_daemon import SERVICE_LABEL, ServiceManager, ServiceSpec, ServiceStatus, serve_arguments


def _manager() -> ServiceManager:
    context = cli_context()
    return context.service_manager(context.paths())


@click.group(cls=ByokeyGroup)
def service() -> None:
    """Run byokey as a login service (systemd user unit on Linux, launchd agent on macOS)."""


@service.command()
@server_options
def install(
    config: Path | None, port: int | None, host: str | None, db: Path | None, log_file: Path | None
) -> None:
    """Register the service with these server options, enable it and start it.

    Unlike `byokey start`, --log-file is passed to the service itself.
    """
    context = cli_context()
    paths = context.paths()
    manager = context.service_manager(paths)
    command = list(context.self_command())
    log_path = absolute(log_file)
    arguments = serve_arguments(
        config=absolute(config), port=port, host=host, db=absolute(db), log_file=log_path
    )
    spec = ServiceSpec(
        program=command[0],
        arguments=(*command[1:], *arguments),
        working_directory=paths.home,
        log_file=log_path,
    )
    manager.install(spec)
    click.echo(f"service installed ({manager.backend_name})")
    click.echo(f"label:   {SERVICE_LABEL}")
    manager.start()
    click.echo("service started")


@service.command()
def uninstall() -> None:
    """Stop the service (if running) and remove its registration."""
    _manager().uninstall()
    click.echo("service uninstalled")


@service.command(name="start")
def service_start() -> None:
    """Start the installed service."""
    _manager().start()
    click.echo("service started")


@service.command(name="stop")
def service_stop() -> None:
    """Stop the installed service."""
    _manager().stop()
    click.echo("service stopped")


@service.command(name="status")
def service_status() -> None:
    """Show the service backend and whether the service is installed and running."""
    manager = _manager()
    state = manager.status()
    installed = state is not ServiceStatus.NOT_INSTALLED
    running = state is ServiceStatus.RUNNING
    click.echo(f"backend:   {manager.backend_name}")
    click.echo(f"installed: {'yes' if installed else 'no'}")
    click.echo(f"running:   {'yes' if running else 'no'}")
