from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No BYOKEY_* leakage and a HOME of our own, so the default path is never the real one."""
    for name in list(os.environ):
        if name.startswith("BYOKEY_") or name in ("RUST_LOG", "LISTEN_FDS", "LISTEN_PID"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
