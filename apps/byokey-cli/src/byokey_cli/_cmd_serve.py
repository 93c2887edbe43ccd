"""``byokey serve``: run the gateway in the foreground (spec §4.1, §5.3).

The server modules import every package of the workspace (starlette, hypercorn,
curl_cffi, sqlalchemy …); they are imported inside the command so ``byokey --help``
and the other commands stay fast.
"""

from __future__ import annotations

from pathlib import Path

import click

from byokey_cli._failures import failure
from byokey_cli._options import server_options
from byokey_daemon import DaemonError
from byokey_types import ByokError


@click.command()
@server_options
@click.option(
    "--drain-timeout",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="On SIGTERM/SIGINT/stop, how long in-flight requests and streams may finish.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    envvar="BYOKEY_WORKERS",
    help="Server processes sharing the listeners (one core each; see docs/performance.md).",
)
def serve(
    config: Path | None,
    port: int | None,
    host: str | None,
    db: Path | None,
    log_file: Path | None,
    drain_timeout: float,
    workers: int,
) -> None:
    """Run the server in the foreground (Ctrl-C or SIGTERM stops it gracefully).

    \b
    Main listener  http://127.0.0.1:8018  OpenAI, Anthropic, Responses, Gemini, management
    Amp listener   http://127.0.0.1:18018 (config amp.port)
    Without a config file and without any login it still starts, on defaults.
    """
    from byokey_cli._server_run import ServeOptions, run_serve

    options = ServeOptions(
        config=config,
        port=port,
        host=host,
        db=db,
        log_file=log_file,
        drain_seconds=drain_timeout,
        workers=workers,
    )
    try:
        run_serve(options)
    except (click.ClickException, DaemonError, ByokError):
        raise  # already one clear line (the group prints it)
    except Exception as exc:  # logged with its traceback by the server
        raise failure(exc, "server failed") from exc
