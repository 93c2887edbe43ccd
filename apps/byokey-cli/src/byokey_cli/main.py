"""Entry point of the ``byokey`` console script.

Commands are registered here as they land; the group itself carries the
version option so ``byokey --version`` works before any command exists.
"""

from __future__ import annotations

import click

from byokey_cli import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="byokey")
def cli() -> None:
    """Turn AI subscriptions and API keys into OpenAI- and Anthropic-compatible endpoints."""


def main() -> None:
    cli()
