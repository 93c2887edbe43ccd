"""``byokey amp inject``: point the Amp CLI at byokey's Amp listener (spec §5.9)."""

from __future__ import annotations

import os
import shutil

import click

from byokey_cli._amp_settings import (
    backup_path,
    extra_count,
    merge_settings,
    parse_settings,
    render_settings,
    write_atomically,
)
from byokey_cli._failures import ByokeyGroup, CommandFailed, failure
from byokey_config import Settings, SettingsError, default_config_path, read_settings
from byokey_daemon import DaemonPaths, NoHomeDirectoryError


@click.group(cls=ByokeyGroup)
def amp() -> None:
    """Amp CLI integration."""


def _byokey_settings() -> Settings:
    """The default config file's settings; any problem is a warning, not a failure."""
    if not os.environ.get("HOME"):
        return Settings()
    try:
        return read_settings(None, discover=True).settings
    except SettingsError as exc:
        where = default_config_path()
        click.echo(f"warning: failed to load byokey config at {where}: {exc}", err=True)
        return Settings()


@amp.command()
@click.option(
    "--url",
    default=None,
    help="URL to write as amp.url [default: amp.settings['amp.url'] from the byokey "
    "config, else http://HOST:AMP_PORT].",
)
def inject(url: str | None) -> None:
    """Write amp.url (and the config's amp.settings) into ~/.config/amp/settings.json.

    Other settings in that file are kept in their order. A file that is not a JSON
    object is backed up to settings.json.bak before it is replaced.
    """
    settings = _byokey_settings()
    resolved = settings.amp_url(url)
    try:
        target = DaemonPaths.from_environ().amp_settings_file
    except NoHomeDirectoryError:
        raise CommandFailed("cannot determine HOME directory") from None
    extras = dict(settings.amp.settings)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        current: dict[str, object] = {}
        if target.exists():
            parsed = parse_settings(target.read_bytes())
            if parsed.problem is not None:
                backup = backup_path(target)
                shutil.copy2(target, backup)
                click.echo(
                    f"warning: {target} is not a JSON object ({parsed.problem}); "
                    f"backed up to {backup}, starting from an empty object",
                    err=True,
                )
            current = parsed.data
        write_atomically(target, render_settings(merge_settings(current, extras, resolved)))
    except OSError as exc:
        raise failure(exc, f"cannot write {target}") from exc
    click.echo(f"amp.url set to {resolved}")
    count = extra_count(extras)
    if count > 0:
        click.echo(f"merged {count} extra setting(s) from byokey config")
    click.echo(f"config: {target}")
