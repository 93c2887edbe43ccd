"""``accounts``, ``switch`` and ``logout``: managing the stored OAuth accounts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import click

from byokey_cli._auth_summary import ProviderView, expiry_text, provider_view
from byokey_cli._console import plain_table, print_json, print_table
from byokey_cli._context import cli_context
from byokey_cli._failures import failure
from byokey_cli._options import db_option, json_option
from byokey_cli._provider_param import PROVIDER
from byokey_types import ByokError, ProviderId


@click.command()
@click.argument("provider", type=PROVIDER)
@db_option
@json_option
def accounts(provider: ProviderId, db: Path | None, as_json: bool) -> None:
    """List PROVIDER's accounts (active first), with token state and expiry."""
    context = cli_context()
    now = int(time.time())

    async def gather() -> ProviderView:
        async with context.open_store(db) as store:
            return await provider_view(store, provider, now=now)

    view = asyncio.run(gather())
    if as_json:
        print_json({"provider": provider.value, **view.to_json()})
        return
    if not view.accounts:
        click.echo(f"{provider}: no accounts")
        return
    table = plain_table("account", "label", "active", "token", "expires")
    for account in view.accounts:
        table.add_row(
            account.account_id,
            account.label or "",
            "yes" if account.is_active else "",
            account.state.value,
            expiry_text(account.expires_at, now=now),
        )
    print_table(table)


@click.command()
@click.argument("provider", type=PROVIDER)
@click.argument("account")
@db_option
def switch(provider: ProviderId, account: str, db: Path | None) -> None:
    """Make ACCOUNT the active account of PROVIDER."""
    context = cli_context()

    async def run() -> None:
        async with context.open_store(db) as store:
            await store.set_active(provider, account)

    try:
        asyncio.run(run())
    except ByokError as exc:
        raise failure(exc, "switch failed") from exc
    click.echo(f"{provider}: switched to account '{account}'")


@click.command()
@click.argument("provider", type=PROVIDER)
@click.option(
    "--account", metavar="NAME", default=None, help="Remove this account instead of the active one."
)
@db_option
def logout(provider: ProviderId, account: str | None, db: Path | None) -> None:
    """Remove PROVIDER's active account (or --account NAME).

    When the active account goes and others remain, the first of them becomes
    active (as the server's AuthManager does); `byokey switch` picks another.
    """
    context = cli_context()

    async def run() -> str | None:
        async with context.open_store(db) as store:
            infos = await store.list_accounts(provider)
            active = next((a.account_id for a in infos if a.is_active), None)
            target = active if account is None else account
            if target is None:
                return None
            await store.remove_account(provider, target)
            remaining = await store.list_accounts(provider)
            if target == active and remaining:
                await store.set_active(provider, remaining[0].account_id)
                return remaining[0].account_id
            return None

    try:
        promoted = asyncio.run(run())
    except ByokError as exc:
        raise failure(exc, "logout failed") from exc
    if account is None:
        click.echo(f"{provider} logged out")
    else:
        click.echo(f"{provider} account '{account}' logged out")
    if promoted is not None:
        click.echo(f"{provider}: account '{promoted}' is now active")
