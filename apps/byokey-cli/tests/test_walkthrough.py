"""docs/install.md, followed to the letter by a fresh user in an empty HOME.

The config file, the ``byokey serve`` command and the SDK snippet are read out of the
page itself, so the page cannot drift from what works. Only two things differ from a
real user's machine: the Ollama address in the config is replaced by a fake
OpenAI-compatible server on 127.0.0.1, and the ports are free ones (given through
``BYOKEY_PORT`` / ``BYOKEY_AMP__PORT``, so the documented command line is unchanged).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.fixtures import FakeServerFactory
from tests.fakes.openai import OpenAIFake

from .byokey_serve_harness import (
    READY_TIMEOUT,
    answers,
    cli_command,
    free_port,
    server_env,
    wait_until,
)

pytestmark = pytest.mark.slow

DOCS = Path(__file__).resolve().parents[3] / "docs"
DOC_UPSTREAM = "http://127.0.0.1:11434/v1"
DOC_SERVER = "http://127.0.0.1:8018"
# Keep the runtime documents (OAuth client ids, client versions) off the internet.
OFFLINE = {"BYOKEY_ENDPOINTS__VERSIONS_BASE": '""', "BYOKEY_ENDPOINTS__CREDENTIALS_BASE": '""'}


def doc_block(page: str, marker: str) -> str:
    """The fenced code block right after ``<!-- walkthrough:MARKER -->`` in ``page``."""
    text = (DOCS / page).read_text()
    match = re.search(rf"<!-- walkthrough:{marker} -->\n```\w*\n(.*?)\n```", text, re.S)
    assert match, f"docs/{page} has no walkthrough:{marker} block"
    return match.group(1)


def _run(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), env=env, capture_output=True, text=True, timeout=90, check=False
    )


def test_install_page_to_first_chat_completion(
    tmp_home: Path, fake_server_factory: FakeServerFactory
) -> None:
    ollama = OpenAIFake(fake_server_factory("ollama"))
    ollama.require_auth = False  # Ollama takes no key

    # 2. the config file, exactly as shown (the upstream address swapped for the fake)
    config_text = doc_block("install.md", "config")
    assert config_text.count(DOC_UPSTREAM) == 1
    config_file = tmp_home / ".config" / "byokey" / "settings.json"
    config_file.parent.mkdir(parents=True)
    config_file.write_text(config_text.replace(DOC_UPSTREAM, ollama.base_url))
    json.loads(config_file.read_text())

    # 3. byokey serve, as shown
    serve_line = doc_block("install.md", "serve")
    argv = shlex.split(serve_line)
    assert argv[:2] == ["byokey", "serve"], serve_line
    port, amp_port = free_port(), free_port()
    env = server_env(tmp_home, amp_port=amp_port, extra={"BYOKEY_PORT": str(port), **OFFLINE})
    url = f"http://127.0.0.1:{port}"
    log = tmp_home / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            cli_command(*argv[1:]), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    try:

        def up() -> bool:
            assert server.poll() is None, f"byokey serve exited:\n{log.read_text()}"
            return answers(url)

        wait_until(up, READY_TIMEOUT, "byokey serve to answer /healthz")

        models = httpx.get(f"{url}/v1/models", timeout=10).json()
        assert "qwen3:8b" in [m["id"] for m in models["data"]]
        status = _run(tmp_home, env, "status")
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith(f"server: running (pid {server.pid})")
        doctor = _run(tmp_home, env, "doctor")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr

        # 4. the SDK snippet, as shown (pointed at this test's port)
        snippet = doc_block("install.md", "client")
        assert DOC_SERVER in snippet
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(snippet.replace(DOC_SERVER, url), "docs/install.md", "exec"), {})
        assert printed.getvalue() == "Hello from the fake.\n"
        (request,) = ollama.chat_requests
        assert request.json()["model"] == "qwen3:8b"
        assert request.json()["messages"] == [{"role": "user", "content": "Hello!"}]

        # Ctrl-C stops it cleanly.
        server.send_signal(signal.SIGINT)
        assert server.wait(30) == 0, log.read_text()
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    assert not (tmp_home / ".byokey" / "control.sock").exists()


def test_documented_version_command_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "byokey_cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.startswith("byokey, version ")
