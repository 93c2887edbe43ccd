"""``byokey import PROVIDER``: adopt a login made with the provider's own CLI.

Someone already signed in to Claude Code, Codex CLI or Gemini CLI needs no second
browser login: ``byokey_auth.import_tokens`` reads that CLI's file (refresh token
included) into an account, and byokey refreshes it from then on by itself.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from byokey_cli._auth_summary import expiry_text
from byokey_cli._context import cli_context
from byokey_cli._failures import failure
from byokey_cli._options import db_option
from byokey_cli._provider_param import PROVIDER

if TYPE_CHECKING:
    from byokey_auth import ImportedToken
    from byokey_types import ProviderId


@click.command(name="import")
@click.argument("provider", type=PROVIDER)
@click.option(
    "--account",
    metavar="NAME",
    default=None,
    help="Store the login as this account [default: 'default'].",
)
@click.option("--label", default=None, help="A name for the account shown by `byokey accounts`.")
@click.option(
    "--home",
    "source_home",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read the CLI's file under this home directory instead of $HOME "
    "(another user's backup, a mounted disk).",
)
@db_option
def import_(
    provider: ProviderId,
    account: str | None,
    label: str | None,
    source_home: Path | None,
    db: Path | None,
) -> None:
    """Copy the login of PROVIDER's official CLI into byokey.

    \b
    claude  ~/.claude/.credentials.json            Claude Code (Linux; macOS uses the keychain)
    codex   ~/.codex/auth.json                     Codex CLI (`codex login`)
    gemini  ~/.gemini/oauth_creds.json             Gemini CLI
    qwen    ~/.qwen/oauth_creds.json               Qwen Code
    kiro    ~/.aws/sso/cache/kiro-auth-token.json  Kiro IDE
    amp     ~/.local/share/amp/secrets.json        Amp CLI (`amp login`)

    The file is only read; both tools keep working. The imported account becomes
    active if PROVIDER has no active account yet.
    """
    from byokey_auth import IMPORT_SOURCES, import_tokens
    from byokey_types import ByokError

    if provider not in IMPORT_SOURCES:
        supported = ", ".join(p.value for p in IMPORT_SOURCES)
        raise click.BadParameter(
            f"{provider} has no official CLI login to import (supported: {supported}); "
            f"use `byokey login {provider}`",
            param_hint="'PROVIDER'",
        )
    context = cli_context()
    home = source_home if source_home is not None else context.paths().home

    async def run() -> ImportedToken:
        async with context.open_store(db) as store:
            return await import_tokens(
                provider, home=home, store=store, account=account, label=label
            )

    try:
        imported = asyncio.run(run())
    except ByokError as exc:
        raise failure(exc, "import failed") from exc
    token = imported.token
    expiry = (
        "does not expire"
        if token.expires_at is None
        else f"expires {expiry_text(token.expires_at, now=int(time.time()))}"
    )
    renew = "" if token.refresh_token else "; no refresh token, log in again when it expires"
    click.echo(
        f"{provider}: imported {imported.path} as account '{imported.account_id}' "
        f"(token {expiry}{renew})"
    )
