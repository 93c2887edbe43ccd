"""``status``, ``accounts``, ``switch`` and ``logout`` on a seeded database in a temporary HOME."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from byokey_store import open_store
from byokey_types import OAuthToken, ProviderId

Invoke = Callable[..., Result]
P = ProviderId
HOUR = 3600


def _db(home: Path) -> Path:
    return home / ".byokey" / "tokens.db"


def seed(home: Path, *rows: tuple[ProviderId, str, str | None, OAuthToken]) -> None:
    async def run() -> None:
        _db(home).parent.mkdir(parents=True, exist_ok=True)
        store = await open_store(_db(home))
        try:
            for provider, account, label, token in rows:
                await store.tokens.save_account(provider, account, label, token)
        finally:
            await store.aclose()

    asyncio.run(run())


def _valid() -> OAuthToken:
    return OAuthToken("at", "rt", int(time.time()) + 2 * HOUR)


def _dead() -> OAuthToken:
    return OAuthToken("at", None, int(time.time()) - HOUR)


@pytest.fixture
def seeded(tmp_home: Path) -> Path:
    seed(
        tmp_home,
        (P.CLAUDE, "default", None, _valid()),
        (P.CODEX, "work", "Work", _valid()),
        (P.CODEX, "home", None, OAuthToken("at", "rt", int(time.time()) - 60)),
        (P.COPILOT, "default", None, _dead()),
    )
    return tmp_home


def test_status_without_anything(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("status")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "server: not running"
    assert lines[1] == ""
    rows = [line.split()[0] for line in lines[3:]]
    assert rows == [p.value for p in ProviderId.all()]
    assert all("not authenticated" in line for line in lines[3:])


def test_status_table_is_aligned(invoke: Invoke, seeded: Path) -> None:
    result = invoke("status")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = lines[2]
    assert header.split() == ["provider", "status", "active", "account", "expires"]
    by_provider = {line.split()[0]: line for line in lines[3:]}
    assert "authenticated" in by_provider["claude"]
    assert "2 account(s), active: Work" in by_provider["codex"]
    assert "expired" in by_provider["copilot"]
    column = header.index("status")
    assert all(line[column - 1] == " " and line[column] != " " for line in lines[3:])


def test_status_json_shape(invoke: Invoke, seeded: Path) -> None:
    result = invoke("status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"server", "providers"}
    assert data["server"]["state"] == "stopped"
    assert set(data["server"]) >= {"state", "pid", "host", "port", "version", "uptime_secs"}
    assert list(data["providers"]) == [p.value for p in ProviderId.all()]
    codex = data["providers"]["codex"]
    assert codex["status"] == "2 account(s), active: Work"
    assert codex["authenticated"] is True
    assert [a["account_id"] for a in codex["accounts"]] == ["work", "home"]
    assert codex["accounts"][0] == {
        "account_id": "work",
        "label": "Work",
        "is_active": True,
        "state": "valid",
        "expires_at": codex["accounts"][0]["expires_at"],
    }
    assert codex["accounts"][1]["state"] == "expired"
    assert data["providers"]["copilot"]["authenticated"] is False
    assert data["providers"]["copilot"]["accounts"][0]["state"] == "invalid"
    assert data["providers"]["gemini"] == {
        "status": "not authenticated",
        "authenticated": False,
        "accounts": [],
    }


def test_status_does_not_print_tokens(invoke: Invoke, seeded: Path) -> None:
    seed(seeded, (P.KIMI, "default", None, OAuthToken("sk-very-secret-token", "rt-secret")))
    for args in (("status",), ("status", "--json"), ("accounts", "kimi", "--json")):
        out = invoke(*args).output
        assert "very-secret" not in out and "rt-secret" not in out


def test_accounts_table_and_alias(invoke: Invoke, seeded: Path) -> None:
    result = invoke("accounts", "openai")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["account", "label", "active", "token", "expires"]
    assert lines[1].split()[:4] == ["work", "Work", "yes", "valid"]
    assert lines[2].split()[:2] == ["home", "expired"]
    assert ("in 1h" in lines[1] or "in 2h" in lines[1]) and "ago" in lines[2]


def test_accounts_json_shape(invoke: Invoke, seeded: Path) -> None:
    data = json.loads(invoke("accounts", "codex", "--json").stdout)
    assert data["provider"] == "codex"
    assert set(data) == {"provider", "status", "authenticated", "accounts"}
    assert [(a["account_id"], a["is_active"]) for a in data["accounts"]] == [
        ("work", True),
        ("home", False),
    ]


def test_accounts_none(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("accounts", "glm")
    assert result.exit_code == 0
    assert result.stdout == "iflow: no accounts\n"


def test_unknown_provider_is_usage_error(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("accounts", "bogus")
    assert result.exit_code == 2
    assert "unsupported provider: bogus" in result.stderr


def test_switch(invoke: Invoke, seeded: Path) -> None:
    result = invoke("switch", "codex", "home")
    assert result.exit_code == 0, result.output
    assert result.stdout == "codex: switched to account 'home'\n"
    data = json.loads(invoke("accounts", "codex", "--json").stdout)
    assert [a["account_id"] for a in data["accounts"] if a["is_active"]] == ["home"]


def test_switch_unknown_account(invoke: Invoke, seeded: Path) -> None:
    result = invoke("switch", "codex", "nope")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: switch failed: storage error: ")
    assert "nope" in result.stderr and result.stderr.count("\n") == 1


def test_logout_active_promotes_the_next(invoke: Invoke, seeded: Path) -> None:
    result = invoke("logout", "codex")
    assert result.exit_code == 0, result.output
    assert result.stdout == "codex logged out\ncodex: account 'home' is now active\n"
    data = json.loads(invoke("accounts", "codex", "--json").stdout)
    assert [(a["account_id"], a["is_active"]) for a in data["accounts"]] == [("home", True)]


def test_logout_named_account(invoke: Invoke, seeded: Path) -> None:
    result = invoke("logout", "codex", "--account", "home")
    assert result.exit_code == 0, result.output
    assert result.stdout == "codex account 'home' logged out\n"
    data = json.loads(invoke("accounts", "codex", "--json").stdout)
    assert [(a["account_id"], a["is_active"]) for a in data["accounts"]] == [("work", True)]


def test_logout_with_nothing_stored(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("logout", "claude")
    assert result.exit_code == 0
    assert result.stdout == "claude logged out\n"


def test_db_option_moves_the_database(invoke: Invoke, tmp_home: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert invoke("status", "--db", str(other)).exit_code == 0
    assert other.exists()
    assert not _db(tmp_home).exists()
