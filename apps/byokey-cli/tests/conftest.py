"""Fixtures for the CLI tests: a short temporary HOME, a clean environment, a runner."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from byokey_cli._context import CliContext
from byokey_cli.main import cli
from tests.fakes.oauth import OAuthFake

_ENV_TO_CLEAR = ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "RUST_LOG", "XDG_CONFIG_HOME")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("BYOKEY_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def tmp_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME under /tmp: Unix socket paths must stay below ~104 bytes."""
    path = Path(tempfile.mkdtemp(prefix="bkc-", dir="/tmp"))
    monkeypatch.setenv("HOME", str(path))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class Invoke:
    """``invoke("amp", "inject")`` runs the CLI in-process with stderr kept apart."""

    def __init__(self) -> None:
        self.context = CliContext()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), obj=self.context, input=input)


@pytest.fixture
def invoke(tmp_home: Path) -> Invoke:
    return Invoke()


def write_config(home: Path, data: object) -> Path:
    """The default config file (``~/.config/byokey/settings.json``) with ``data``."""
    import json

    path = home / ".config" / "byokey" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    return path


def oauth_config(fake: OAuthFake, **callback_ports: int) -> dict[str, object]:
    """Settings pointing every OAuth URL at ``fake`` (with its client ids).

    The runtime credential document comes from the fake too, so no login reaches
    the internet; ``callback_ports`` moves auth-code listeners (``claude=PORT``).
    """
    return {
        "endpoints": fake.endpoint_overrides(with_document=True),
        "auth": {"callback_ports": callback_ports, "callback_timeout_seconds": 30},
    }
