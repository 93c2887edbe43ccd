"""``byokey doctor``: run every check of :mod:`_doctor_checks` and print what to fix.

Exit status 1 when any check fails, so ``byokey doctor && byokey start`` works in
scripts; warnings alone exit 0.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from byokey_cli._console import print_json, stdout_console
from byokey_cli._context import cli_context
from byokey_cli._options import config_option, db_option, json_option

if TYPE_CHECKING:
    from byokey_cli._auth_summary import ProviderView
    from byokey_cli._doctor_checks import Finding

_MARKS = {"ok": ("ok", "green"), "warn": ("warn", "yellow"), "fail": ("FAIL", "bold red")}


@click.command()
@config_option
@db_option
@json_option
def doctor(config: Path | None, db: Path | None, as_json: bool) -> None:
    """Check config, database, server, ports and tokens, and say what to fix.

    Nothing is changed: the database is not created or migrated, and a running
    server is only asked for its status. Exits 1 when a check fails.
    """
    from byokey_cli._doctor_checks import Level

    findings = gather_findings(config, db)
    if as_json:
        print_json({"ok": not _failed(findings), "checks": [f.to_json() for f in findings]})
    else:
        render(findings)
    if any(f.level is Level.FAIL for f in findings):
        raise SystemExit(1)


def gather_findings(config: Path | None, db: Path | None) -> list[Finding]:
    from byokey_cli._doctor_checks import (
        Level,
        config_findings,
        database_findings,
        port_findings,
        server_findings,
        token_findings,
    )
    from byokey_cli._server_state import server_view
    from byokey_cli._store_session import database_path
    from byokey_config import Settings, SettingsError, read_settings

    context = cli_context()
    paths = context.paths()
    findings: list[Finding] = []
    try:
        loaded = read_settings(config, discover=True)
    except SettingsError as exc:
        settings = Settings()
        where = config.expanduser().absolute() if config else paths.config_file
        findings += config_findings(where, True, (), "; ".join(exc.problems))
    else:
        settings = loaded.settings
        # "does not exist" is already the config finding's own text.
        warnings = [w for w in loaded.warnings if "does not exist" not in w]
        findings += config_findings(loaded.path, loaded.file_found, warnings, None)
    database = database_path(db)
    database_checks = database_findings(database)
    findings += database_checks
    server = server_view(paths)
    findings += server_findings(server, paths.pid_file)
    findings += port_findings(settings, server)
    readable = database.exists() and not any(f.level is Level.FAIL for f in database_checks)
    views = asyncio.run(_provider_views(db)) if readable else []
    findings += token_findings(views, settings, now=int(time.time()))
    return findings


async def _provider_views(db: Path | None) -> list[ProviderView]:
    from byokey_cli._auth_summary import provider_views
    from byokey_types import ProviderId

    async with cli_context().open_store(db) as store:
        return await provider_views(store, ProviderId.all(), now=int(time.time()))


def _failed(findings: list[Finding]) -> bool:
    return any(f.level.value == "fail" for f in findings)


def render(findings: list[Finding]) -> None:
    """One line per finding (``ok``/``warn``/``FAIL``, the check, what was found), fixes below."""
    console = stdout_console()
    width = max(len(f.check) for f in findings)
    for finding in findings:
        mark, style = _MARKS[finding.level.value]
        console.print(
            f"[{style}]{mark:<4}[/] {finding.check:<{width}}  {finding.detail}",
            markup=True,
            highlight=False,
        )
        if finding.fix:
            console.print(f"     {'':<{width}}  fix: {finding.fix}", markup=False, highlight=False)
    failures = sum(f.level.value == "fail" for f in findings)
    warnings = sum(f.level.value == "warn" for f in findings)
    if failures:
        summary = f"{failures} problem(s) to fix, {warnings} warning(s)"
    elif warnings:
        summary = f"no problems, {warnings} warning(s)"
    else:
        summary = "no problems found"
    console.print(f"\n{summary}", highlight=False)
