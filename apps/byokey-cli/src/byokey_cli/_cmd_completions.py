"""``byokey completions SHELL``: print a shell completion script (spec §5.7).

click generates the scripts; they call back into ``byokey`` at completion time
(``_BYOKEY_COMPLETE``), so provider names and subcommands are always current.
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

COMPLETE_VAR = "_BYOKEY_COMPLETE"
SHELLS = ("bash", "zsh", "fish", "powershell")


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completions(ctx: click.Context, shell: str) -> None:
    """Print the completion script for SHELL.

    \b
    bash:  eval "$(byokey completions bash)"         (in ~/.bashrc)
    zsh:   eval "$(byokey completions zsh)"          (in ~/.zshrc)
    fish:  byokey completions fish > ~/.config/fish/completions/byokey.fish
    """
    completion_class = get_completion_class(shell)
    if completion_class is None:  # pragma: no cover - every listed shell ships with click
        raise click.UsageError(f"no completion support for {shell}")
    root = ctx.find_root().command
    script = completion_class(root, {}, "byokey", COMPLETE_VAR).source()
    click.echo(script)
