"""``byokey login`` in a real terminal (pexpect) against the fake OAuth server.

The CLI runs as a subprocess on a pty, so rich draws its spinner and styles as it
would for a user. Device flows are approved by the fake's script; for the browser
(PKCE) flow the test plays the browser: it reads the printed URL, GETs it, and
follows the redirect to the CLI's local callback server.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket
import sys
from pathlib import Path

import httpx
import pexpect
import pytest

from byokey_store import open_store
from byokey_types import ProviderId
from tests.fakes.oauth import OAuthFake

from .conftest import oauth_config, write_config

pytestmark = pytest.mark.slow

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TIMEOUT = 30


def _spawn(home: Path, *args: str, browser: str | None = None) -> pexpect.spawn:
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "xterm-256color",
        "COLUMNS": "200",
        "PYTHONUNBUFFERED": "1",
    }
    if browser is not None:
        env["BROWSER"] = browser
    child = pexpect.spawn(
        sys.executable,
        ["-m", "byokey_cli", "login", *args],
        env=env,
        encoding="utf-8",
        timeout=_TIMEOUT,
        dimensions=(50, 200),
    )
    child.logfile_read = io.StringIO()
    return child


def _finish(child: pexpect.spawn) -> str:
    """Everything the terminal showed, without colour and cursor codes."""
    child.expect(pexpect.EOF)
    child.close()
    log = child.logfile_read
    assert isinstance(log, io.StringIO)
    return _ANSI.sub("", log.getvalue())


def _accounts(home: Path, provider: ProviderId) -> list[tuple[str, bool]]:
    async def read() -> list[tuple[str, bool]]:
        store = await open_store(home / ".byokey" / "tokens.db")
        try:
            return [(a.account_id, a.is_active) for a in await store.tokens.list_accounts(provider)]
        finally:
            await store.aclose()

    return asyncio.run(read())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("provider", ["copilot", "qwen"])
def test_device_login_shows_code_and_saves(
    provider: str, tmp_home: Path, oauth_fake: OAuthFake
) -> None:
    oauth_fake.device_overrides[provider]["interval"] = 1
    oauth_fake.script_device(provider, "pending")
    write_config(tmp_home, oauth_config(oauth_fake))
    child = _spawn(tmp_home, provider, "--no-browser", "--account", "work")
    child.expect("ABCD-1234")
    seen = _ANSI.sub("", child.before or "")
    assert f"{oauth_fake.url}/{provider}/verify" in seen
    child.expect("signed in")
    out = _finish(child)
    assert child.exitstatus == 0, out
    assert f"{provider}: signed in; saved as account 'work'" in out
    assert oauth_fake.problems == []
    assert _accounts(tmp_home, ProviderId(provider)) == [("work", True)]


def test_browser_login_with_the_test_as_browser(tmp_home: Path, oauth_fake: OAuthFake) -> None:
    port = _free_port()
    write_config(tmp_home, oauth_config(oauth_fake, claude=port))
    child = _spawn(tmp_home, "anthropic", "--no-browser")
    child.expect(r"http://127\.0\.0\.1:\d+/claude/authorize\?[^\s\x1b]+")
    authorize_url = child.after
    assert isinstance(authorize_url, str)
    with httpx.Client(timeout=10) as browser:
        redirect = browser.get(authorize_url)
        assert redirect.status_code == 302
        callback = redirect.headers["location"].replace("localhost", "127.0.0.1")
        assert callback.startswith(f"http://127.0.0.1:{port}/callback?")
        page = browser.get(callback)
    assert page.status_code == 200
    child.expect("signed in")
    out = _finish(child)
    assert child.exitstatus == 0, out
    assert "claude: signed in; saved as account 'default' (token expires in" in out
    assert oauth_fake.problems == []
    assert _accounts(tmp_home, ProviderId.CLAUDE) == [("default", True)]


_ROBOT_BROWSER = """\
import sys
import httpx

first = httpx.get(sys.argv[1], timeout=10)
callback = first.headers["location"].replace("localhost", "127.0.0.1")
page = httpx.get(callback, timeout=20)
open(sys.argv[2], "w").write(f"{first.status_code} {page.status_code} {callback}")
"""


def test_browser_is_opened_without_no_browser(tmp_home: Path, oauth_fake: OAuthFake) -> None:
    """$BROWSER is a robot that plays the user: the login opens it and finishes by itself."""
    robot = tmp_home / "robot_browser.py"
    robot.write_text(_ROBOT_BROWSER)
    visit = tmp_home / "visit.txt"
    port = _free_port()
    write_config(tmp_home, oauth_config(oauth_fake, codex=port))
    child = _spawn(tmp_home, "openai", browser=f"{sys.executable} {robot} %s {visit}")
    child.expect("Your browser should open")
    out = _finish(child)
    assert child.exitstatus == 0, out
    assert "codex: signed in; saved as account 'default'" in out
    first, page, callback = visit.read_text().split(" ", 2)
    assert (first, page) == ("302", "200")
    assert callback.startswith(f"http://127.0.0.1:{port}/auth/callback?")
    assert oauth_fake.problems == []
    assert _accounts(tmp_home, ProviderId.CODEX) == [("default", True)]


def test_denied_login_is_one_error_line(tmp_home: Path, oauth_fake: OAuthFake) -> None:
    oauth_fake.device_overrides["kimi"]["interval"] = 1
    oauth_fake.script_device("kimi", "access_denied")
    write_config(tmp_home, oauth_config(oauth_fake))
    child = _spawn(tmp_home, "kimi", "--no-browser")
    child.expect("ABCD-1234")
    out = _finish(child)
    assert child.exitstatus == 1
    errors = [line for line in out.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, out
    assert errors[0].startswith("Error: login failed: authentication error:")
    assert _accounts(tmp_home, ProviderId.KIMI) == []


def test_ctrl_c_cancels_cleanly(tmp_home: Path, oauth_fake: OAuthFake) -> None:
    oauth_fake.device_overrides["copilot"]["interval"] = 1
    oauth_fake.script_device("copilot", *(["pending"] * 60))
    write_config(tmp_home, oauth_config(oauth_fake))
    child = _spawn(tmp_home, "copilot", "--no-browser")
    child.expect("ABCD-1234")
    child.expect("(?i)waiting")
    child.sendintr()
    out = _finish(child)
    assert child.exitstatus == 1, out
    assert "Error: login cancelled; nothing was saved" in out
    assert "Traceback" not in out
    assert _accounts(tmp_home, ProviderId.COPILOT) == []
