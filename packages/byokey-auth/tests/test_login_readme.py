"""The README's login example runs as written, against the OAuth fake and a temporary HOME."""

from __future__ import annotations

import re
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from byokey_auth._options import AuthOptions
from byokey_store import open_store
from byokey_types.provider import ProviderId
from tests.fakes.oauth import OAuthFake

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no python example"
    return str(blocks[0])


async def test_the_readme_example_logs_in_and_saves(
    oauth_fake: OAuthFake,
    oauth_options: AuthOptions,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    opened: list[str] = []

    def fake_open(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    oauth_fake.device_overrides["copilot"] = {"interval": 1}  # the example runs on real time
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(_example(), str(README), "exec"), namespace)
    await namespace["main"]("copilot", oauth_options)
    out = capsys.readouterr().out
    assert "enter the code ABCD-1234" in out
    assert "logged in; expires at None" in out
    assert opened and opened[0].endswith("/copilot/verify")
    store = await open_store(f"sqlite:///{tmp_path / '.byokey' / 'tokens.db'}")
    try:
        token = await store.tokens.load_account(ProviderId.COPILOT, "work")
    finally:
        await store.aclose()
    assert token is not None and token.access_token.startswith("gho")
