"""Entry point of the ``byokey`` console script: the command tree.

Each command lives in its own ``_cmd_*`` module; this one only assembles them.
Exit codes: 0 success, 1 failure (``Error: …`` on stderr), 2 usage error.
"""

from __future__ import annotations

import click

from byokey_cli import __version__
from byokey_cli._cmd_amp import amp
from byokey_cli._cmd_completions import completions
from byokey_cli._cmd_lifecycle import reload, restart, start, stop
from byokey_cli._cmd_service import service
from byokey_cli._context import CliContext
from byokey_cli._failures import ByokeyGroup


@click.group(
    cls=ByokeyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="byokey")
def cli() -> None:
    """Turn AI subscriptions and API keys into OpenAI- and Anthropic-compatible endpoints.

    \b
    Quick start:
      byokey login claude        sign in with a subscription
      byokey serve               serve http://127.0.0.1:8018/v1
      byokey status              who is signed in, is the server running
    """


for _command in (start, stop, restart, reload, service, amp, completions):
    cli.add_command(_command)


def main() -> None:
    cli.main(prog_name="byokey", obj=CliContext())
