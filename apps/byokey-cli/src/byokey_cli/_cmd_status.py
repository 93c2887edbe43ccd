"""``byokey status``: the server line, then every provider's sign-in state."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import click

from byokey_cli._auth_summary import ProviderView, expiry_text, provider_views
from byokey_cli._console import plain_table, print_json, print_table
from byokey_cli._context import cli_context
from byokey_cli._options import db_option, json_option
from byokey_cli._server_state import ServerView, server_view
from byokey_types import ProviderId


@click.command()
@db_option
@json_option
def status(db: Path | None, as_json: bool) -> None:
    """Show whether the server runs and which providers are signed in.

    Only OAuth accounts are listed; API keys from the config file are not.
    """
    context = cli_context()
    server = server_view(context.paths())
    now = int(time.time())

    async def gather() -> list[ProviderView]:
        async with context.open_store(db) as store:
            return await provider_views(store, ProviderId.all(), now=now)

    views = asyncio.run(gather())
    if as_json:
        print_json(
            {
                "server": server.to_json(),
                "providers": {v.provider.value: v.to_json() for v in views},
            }
        )
        return
    render_status(server, views, now=now)


def render_status(server: ServerView, views: list[ProviderView], *, now: int) -> None:
    click.echo(server.line)
    click.echo("")
    table = plain_table("provider", "status", "active account", "expires")
    for view in views:
        active = view.active
        table.add_row(
            view.provider.value,
            view.status_text,
            active.shown_name if active else "",
            expiry_text(active.expires_at, now=now) if active else "",
        )
    print_table(table)
