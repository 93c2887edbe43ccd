"""``byokey import``: adopting the official CLIs' logins from files in a temporary HOME."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import click
from click.testing import Result

from byokey_auth import IMPORT_SOURCES
from byokey_cli.main import cli

Invoke = Callable[..., Result]


def _claude_file(home: Path, *, expires_ms: int, refresh: str | None = "rt-claude") -> Path:
    path = home / ".claude" / ".credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    oauth: dict[str, object] = {"accessToken": "at-claude-secret", "expiresAt": expires_ms}
    if refresh:
        oauth["refreshToken"] = refresh
    path.write_text(json.dumps({"claudeAiOauth": oauth}))
    return path


def test_import_claude_code(invoke: Invoke, tmp_home: Path) -> None:
    source = _claude_file(tmp_home, expires_ms=(int(time.time()) + 7200) * 1000)
    result = invoke("import", "anthropic", "--label", "Claude Code")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"claude: imported {source} as account 'default' (token ")
    assert "expires in" in result.stdout
    assert "at-claude-secret" not in result.output
    data = json.loads(invoke("accounts", "claude", "--json").stdout)
    assert data["accounts"] == [
        {
            "account_id": "default",
            "label": "Claude Code",
            "is_active": True,
            "state": "valid",
            "expires_at": data["accounts"][0]["expires_at"],
        }
    ]
    assert source.exists()  # only read


def test_import_into_named_account_from_other_home(
    invoke: Invoke, tmp_home: Path, tmp_path: Path
) -> None:
    source = _claude_file(tmp_path, expires_ms=(int(time.time()) - 10) * 1000, refresh=None)
    result = invoke("import", "claude", "--account", "backup", "--home", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert f"imported {source} as account 'backup'" in result.stdout
    assert "no refresh token" in result.stdout


def test_missing_file_is_one_error_line(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("import", "codex")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: import failed: authentication error: ")
    assert str(tmp_home / ".codex" / "auth.json") in result.stderr
    assert result.stderr.count("\n") == 1


def test_malformed_file_names_it(invoke: Invoke, tmp_home: Path) -> None:
    path = tmp_home / ".gemini" / "oauth_creds.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    result = invoke("import", "gemini")
    assert result.exit_code == 1
    assert str(path) in result.stderr


def test_provider_without_cli_file_is_usage_error(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("import", "copilot")
    assert result.exit_code == 2
    assert "copilot has no official CLI login to import" in result.stderr
    assert "byokey login copilot" in result.stderr


def test_help_lists_every_import_source() -> None:
    command = cli.get_command(click.Context(cli), "import")
    assert command is not None and command.help
    for provider, relative in IMPORT_SOURCES.items():
        assert f"{provider.value}" in command.help
        assert f"~/{relative}" in command.help
