"""The README's token-lifecycle example runs as written, against the token fake."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._options import AuthOptions
from tests.fakes.oauth_token import OAuthTokenFake
from tests.fakes.server import FakeServer

README = Path(__file__).resolve().parents[1] / "README.md"


def _lifecycle_example() -> str:
    section = README.read_text().split("## Token lifecycle", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the token lifecycle section has no python example"
    return str(blocks[0])


async def test_the_readme_lifecycle_example_imports_and_refreshes(
    fake_server: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    fake = OAuthTokenFake(fake_server)
    creds = tmp_path / ".claude" / ".credentials.json"
    creds.parent.mkdir(parents=True)
    expired = {"accessToken": "old-access", "refreshToken": "old-refresh", "expiresAt": 1000}
    creds.write_bytes(orjson.dumps({"claudeAiOauth": expired}))
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(_lifecycle_example(), str(README), "exec"), namespace)
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    await namespace["main"](tmp_path, options)
    out = capsys.readouterr().out
    assert "imported into account default" in out
    assert "token ready, expires at" in out
    assert [r.fields["refresh_token"] for r in fake.refresh_requests("claude")] == ["old-refresh"]
    assert (tmp_path / ".byokey" / "tokens.db").is_file()
