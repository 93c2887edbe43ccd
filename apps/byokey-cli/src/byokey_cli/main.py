"""Entry point of the ``byokey`` console script: the command tree.

Each command lives in its own ``_cmd_*`` module; this one only assembles them.
Exit codes: 0 success, 1 failure (``Error: …`` on stderr), 2 usage error.
"""

from __future__ import annotations

import click

from byokey_cli import __version__
from byokey_cli._lazy_group import LazyCommand, LazyGroup

# name -> (module:command, the line `byokey --help` lists). A command's module is
# imported only when it runs, so `byokey --help` loads click and nothing else;
# tests/test_cli_tree.py checks each line against the command's own help (the first
# sentence of its docstring). A new command is one more row here.
COMMANDS: dict[str, LazyCommand] = {
    name: LazyCommand(f"byokey_cli.{target}", short_help)
    for name, target, short_help in (
        (
            "serve",
            "_cmd_serve:serve",
            "Run the server in the foreground (Ctrl-C or SIGTERM stops it gracefully).",
        ),
        ("start", "_cmd_lifecycle:start", "Start the server in the background."),
        (
            "stop",
            "_cmd_lifecycle:stop",
            "Stop the background server (graceful, then SIGTERM/SIGKILL after 5 s).",
        ),
        (
            "restart",
            "_cmd_lifecycle:restart",
            "Stop the server (if running) and start it again with THESE options.",
        ),
        ("reload", "_cmd_lifecycle:reload", "Re-read the running server's config file."),
        (
            "service",
            "_cmd_service:service",
            "Run byokey as a login service (systemd user unit on Linux, launchd agent on macOS).",
        ),
        ("login", "_cmd_login:login", "Sign in to PROVIDER and store the token as an account."),
        ("logout", "_cmd_accounts:logout", "Remove PROVIDER's active account (or --account NAME)."),
        ("import", "_cmd_import:import_", "Copy the login of PROVIDER's official CLI into byokey."),
        (
            "status",
            "_cmd_status:status",
            "Show whether the server runs and which providers are signed in.",
        ),
        (
            "accounts",
            "_cmd_accounts:accounts",
            "List PROVIDER's accounts (active first), with token state and expiry.",
        ),
        ("switch", "_cmd_accounts:switch", "Make ACCOUNT the active account of PROVIDER."),
        (
            "doctor",
            "_cmd_doctor:doctor",
            "Check config, database, server, ports and tokens, and say what to fix.",
        ),
        ("amp", "_cmd_amp:amp", "Amp CLI integration."),
        (
            "openapi",
            "_cmd_openapi:openapi",
            "Print the management API's OpenAPI 3.1 document as one line of JSON.",
        ),
        ("completions", "_cmd_completions:completions", "Print the completion script for SHELL."),
    )
}


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
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


def main() -> None:
    # No ``obj``: commands create the default CliContext on first use (cli_context()).
    cli.main(prog_name="byokey")
