"""docs/install.md, followed to the letter by a fresh user in an empty HOME.

The config file, the ``byokey serve`` command and the SDK snippet are read out of the
page itself, so the page cannot drift from what works. Only two things differ from a
real user's machine: the Ollama address in the config is replaced by a fake
OpenAI-compatible server on 127.0.0.1, and the ports are free ones (given through
``BYOKEY_PORT`` / ``BYOKEY_AMP__PORT``, so the documented command line is unchanged).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.fixtures import FakeServerFactory
from tests.fakes.openai import OpenAIFake

from .docs_harness import doc_block, documented_serve, run_snippet

pytestmark = pytest.mark.slow

DOC_UPSTREAM = "http://127.0.0.1:11434/v1"


def test_install_page_to_first_chat_completion(
    tmp_home: Path, fake_server_factory: FakeServerFactory
) -> None:
    ollama = OpenAIFake(fake_server_factory("ollama"))
    ollama.require_auth = False  # Ollama takes no key

    # 2. the config file, exactly as shown (the upstream address swapped for the fake)
    config_text = doc_block("install.md", "walkthrough:config")
    assert config_text.count(DOC_UPSTREAM) == 1
    config_file = tmp_home / ".config" / "byokey" / "settings.json"
    config_file.parent.mkdir(parents=True)
    config_file.write_text(config_text.replace(DOC_UPSTREAM, ollama.base_url))
    json.loads(config_file.read_text())

    # 3. byokey serve, as shown, then the checks the page suggests
    with documented_serve(tmp_home, doc_block("install.md", "walkthrough:serve")) as server:
        models = httpx.get(f"{server.url}/v1/models", timeout=10).json()
        assert "qwen3:8b" in [m["id"] for m in models["data"]]
        status = server.cli("status")
        assert status.returncode == 0, status.stderr
        assert status.stdout.startswith(f"server: running (pid {server.process.pid})")
        doctor = server.cli("doctor")
        assert doctor.returncode == 0, doctor.stdout + doctor.stderr

        # 4. the SDK snippet, as shown (pointed at this test's port)
        printed = run_snippet(
            doc_block("install.md", "walkthrough:client"),
            server_url=server.url,
            origin="docs/install.md",
        )
        assert printed == "Hello from the fake.\n"
        (request,) = ollama.chat_requests
        assert request.json()["model"] == "qwen3:8b"
        assert request.json()["messages"] == [{"role": "user", "content": "Hello!"}]

        assert server.interrupt() == 0, server.log.read_text()
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
