"""``byokey login PROVIDER``: run the provider's sign-in and store the token.

The flow itself is ``byokey_auth.login``; this command feeds it the settings
(endpoints, callback ports, client ids from the config), shows its prompts through
:class:`LoginDisplay`, and ends with one success line on stdout or one ``Error:``
line on stderr (exit 1).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from byokey_cli._auth_summary import expiry_text
from byokey_cli._cli_settings import load_cli_settings
from byokey_cli._console import stdout_console
from byokey_cli._context import cli_context
from byokey_cli._failures import CommandFailed, failure
from byokey_cli._login_display import LoginDisplay
from byokey_cli._options import config_option, db_option
from byokey_cli._provider_param import PROVIDER

if TYPE_CHECKING:
    from byokey_types import OAuthToken, ProviderId


@click.command()
@click.argument("provider", type=PROVIDER)
@click.option(
    "--account",
    metavar="NAME",
    default=None,
    help="Store the login as this account [default: 'default']. A new account becomes "
    "active only if PROVIDER has no active account.",
)
@click.option("--label", default=None, help="A name for the account shown by `byokey accounts`.")
@click.option(
    "--no-browser",
    is_flag=True,
    help="Do not open a browser; print the URL (or device code) to use on any machine. "
    "For SSH sessions. Browser logins still need the callback to reach this machine's "
    "loopback port (forward it with ssh -L).",
)
@click.option(
    "--start-url",
    default=None,
    metavar="URL",
    help="kiro only: an IAM Identity Center start URL [default: AWS Builder ID].",
)
@click.option("--region", default=None, help="kiro only: the AWS region of the SSO-OIDC service.")
@config_option
@db_option
def login(
    provider: ProviderId,
    account: str | None,
    label: str | None,
    no_browser: bool,
    start_url: str | None,
    region: str | None,
    config: Path | None,
    db: Path | None,
) -> None:
    """Sign in to PROVIDER and store the token as an account.

    \b
    Browser sign-in (a local callback receives the result):
      claude, codex, gemini, antigravity, iflow, amp
    Device code (type a code on the provider's page):
      copilot, qwen, kimi, kiro

    OAuth endpoints, client ids and callback ports come from the config file
    (`endpoints`, `auth`). A running server uses the new token without a restart.
    """
    from byokey_auth import AuthOptions
    from byokey_auth import login as run_login
    from byokey_types import ByokError

    context = cli_context()
    options = AuthOptions.from_settings(load_cli_settings(config).settings)
    console = stdout_console()
    display = LoginDisplay(console, provider, browser=not no_browser)

    async def open_browser(url: str) -> None:
        if not await asyncio.to_thread(context.open_browser, url):
            display.browser_failed()

    async def run() -> OAuthToken:
        async with context.open_store(db) as store:
            with display:
                return await run_login(
                    provider,
                    store=store,
                    account=account,
                    label=label,
                    on_prompt=display,
                    open_browser=None if no_browser else open_browser,
                    options=options,
                    kiro_region=region,
                    kiro_start_url=start_url,
                )

    try:
        token = asyncio.run(run())
    except KeyboardInterrupt:
        raise CommandFailed("login cancelled; nothing was saved") from None
    except ByokError as exc:
        raise failure(exc, "login failed") from exc
    name = account or "default"
    expiry = expiry_text(token.expires_at, now=int(time.time()))
    console.print(
        f"✓ {provider}: signed in; saved as account '{name}' (token expires {expiry})"
        if token.expires_at is not None
        else f"✓ {provider}: signed in; saved as account '{name}' (token does not expire)",
        highlight=False,
    )
