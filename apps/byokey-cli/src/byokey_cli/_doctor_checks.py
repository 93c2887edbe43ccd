"""The checks behind ``byokey doctor``: each says what it found and how to fix it.

Checks only read: they never create the database, bind a port for longer than the
probe, or touch a running server beyond its ``status`` call.
"""

from __future__ import annotations

import enum
import errno
import os
import socket
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byokey_cli._auth_summary import ProviderView, expiry_text
from byokey_cli._server_state import ServerView
from byokey_config import Settings
from byokey_daemon import ServerState
from byokey_proxy import exposure_warning
from byokey_types import ProviderId, TokenState

_SOON_SECONDS = 300


class Level(enum.Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    level: Level
    detail: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "level": self.level.value,
            "detail": self.detail,
            "fix": self.fix,
        }


def config_findings(
    path: Path | None, found: bool, warnings: Sequence[str], error: str | None
) -> list[Finding]:
    if error is not None:
        where = f" in {path}" if path else ""
        return [
            Finding(
                "config",
                Level.FAIL,
                f"invalid settings{where}: {error}",
                "correct the keys named above; a running server keeps its last good "
                "config until `byokey reload`",
            )
        ]
    if path is None or not found:
        shown = f"{path} does not exist" if path else "no config file"
        return [Finding("config", Level.OK, f"{shown}; using built-in defaults")]
    findings = [Finding("config", Level.OK, f"{path} loads")]
    findings += [
        Finding("config", Level.WARN, warning, f"remove or correct it in {path}")
        for warning in warnings
    ]
    return findings


def database_findings(path: Path) -> list[Finding]:
    if not path.exists():
        return [
            Finding(
                "database",
                Level.WARN,
                f"{path} does not exist yet",
                "it is created by `byokey login <provider>` or `byokey serve`",
            )
        ]
    findings: list[Finding] = []
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            (result,) = connection.execute("PRAGMA quick_check").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return [
            Finding(
                "database",
                Level.FAIL,
                f"{path} cannot be read as SQLite: {exc}",
                f"move {path} aside (byokey creates a new one; accounts must be re-added)",
            )
        ]
    if result != "ok":
        findings.append(
            Finding(
                "database",
                Level.FAIL,
                f"{path} is damaged: {result}",
                f"restore a backup of {path}, or move it aside and log in again",
            )
        )
    elif "accounts" not in tables:
        findings.append(
            Finding(
                "database",
                Level.WARN,
                f"{path} has no accounts table yet",
                "it is migrated by the next `byokey login` or `byokey serve`",
            )
        )
    else:
        findings.append(Finding("database", Level.OK, f"{path} is readable and consistent"))
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        findings.append(
            Finding(
                "database",
                Level.WARN,
                f"{path} holds tokens but is readable by others (mode {mode:o})",
                f"chmod 600 {path}",
            )
        )
    return findings


def server_findings(server: ServerView, pid_file: Path) -> list[Finding]:
    if server.state is ServerState.RUNNING:
        return [Finding("server", Level.OK, server.line.removeprefix("server: "))]
    if server.state is ServerState.STALE:
        if server.alive:
            return [
                Finding(
                    "server",
                    Level.WARN,
                    f"PID file names process {server.pid}, which does not answer on the "
                    "control socket",
                    "`byokey stop` stops it (only if it is a byokey process)",
                )
            ]
        return [
            Finding(
                "server",
                Level.WARN,
                f"stale PID file: process {server.pid} is gone",
                f"rm {pid_file}  (or `byokey start`, which replaces it)",
            )
        ]
    return [Finding("server", Level.OK, "not running")]


def port_findings(settings: Settings, server: ServerView) -> list[Finding]:
    findings = []
    host = settings.host
    for what, port in (("main", settings.port), ("amp", settings.amp.port)):
        if server.state is ServerState.RUNNING and (
            server.port == port or (what == "amp" and server.host is not None)
        ):
            findings.append(Finding("ports", Level.OK, f"{what} {host}:{port} is served by byokey"))
            continue
        problem = probe_port(host, port)
        if problem is None:
            findings.append(Finding("ports", Level.OK, f"{what} {host}:{port} is free"))
            continue
        option = "`--port N` or `port:`" if what == "main" else "`amp.port:`"
        findings.append(
            Finding(
                "ports",
                Level.FAIL,
                f"{what} {host}:{port}: {problem}",
                f"stop what uses it, or pick another port with {option} in the config",
            )
        )
    warning = exposure_warning(host, settings.api_keys)
    if warning is not None:
        findings.append(
            Finding(
                "ports",
                Level.WARN,
                f"listening on {host} without api_keys: anyone who reaches it can use "
                "your subscriptions",
                "set `api_keys:` in the config, or `host: 127.0.0.1`",
            )
        )
    return findings


def probe_port(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be bound right now, or None if it can."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((bare, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return "already in use by another program"
        if exc.errno == errno.EACCES:
            return "permission denied (ports below 1024 need privileges)"
        return exc.strerror or str(exc)
    return None


def token_findings(views: Sequence[ProviderView], settings: Settings, *, now: int) -> list[Finding]:
    findings: list[Finding] = []
    for view in views:
        provider = view.provider
        for account in view.accounts:
            name = f"{provider}/{account.account_id}" + (" (active)" if account.is_active else "")
            relogin = f"byokey login {provider}" + (
                "" if account.account_id == "default" else f" --account {account.account_id}"
            )
            when = expiry_text(account.expires_at, now=now)
            if account.state is TokenState.INVALID:
                findings.append(
                    Finding(
                        "tokens",
                        Level.FAIL,
                        f"{name}: {when} and cannot be refreshed",
                        f"`{relogin}`",
                    )
                )
            elif account.state is TokenState.EXPIRED:
                findings.append(
                    Finding(
                        "tokens",
                        Level.OK,
                        f"{name}: {when}; refreshed on next use",
                    )
                )
            elif account.expires_at is not None and account.expires_at - now < _SOON_SECONDS:
                findings.append(
                    Finding(
                        "tokens",
                        Level.WARN,
                        f"{name}: valid, expires {when}",
                        f"`{relogin}` if refresh fails",
                    )
                )
            else:
                findings.append(Finding("tokens", Level.OK, f"{name}: valid, expires {when}"))
        if view.accounts and view.active is None:
            findings.append(
                Finding(
                    "tokens",
                    Level.WARN,
                    f"{provider}: {len(view.accounts)} account(s) but none is active",
                    f"`byokey switch {provider} <account>`",
                )
            )
    keyed = [p for p in ProviderId.all() if settings.provider(p).effective_keys()]
    for provider in keyed:
        findings.append(Finding("tokens", Level.OK, f"{provider}: API key(s) configured"))
    if not keyed and not any(view.accounts for view in views) and not settings.openai_compatible:
        findings.append(
            Finding(
                "tokens",
                Level.WARN,
                "no provider is signed in and no API key is configured",
                "`byokey login claude` (or another provider), or set "
                "`providers.<id>.api_key` in the config",
            )
        )
    return findings


def file_mode_ok(path: Path) -> bool:
    return not (os.stat(path).st_mode & 0o077)
