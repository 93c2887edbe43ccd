"""A second SIGTERM while draining ends the drain at once (in-process: the server runs
on this test's main thread, a helper thread plays the client and sends the signals)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from byokey_serve_harness import (
    StreamReader,
    answers,
    events,
    free_port,
    openai_compatible_config,
    wait_until,
)

from byokey_cli._server_run import ServeOptions, serve_until_stopped
from tests.fakes.server import FakeServer, Sse


def test_second_sigterm_cuts_the_drain_short(
    tmp_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYOKEY_AMP__PORT", str(free_port()))
    monkeypatch.setenv("BYOKEY_ENDPOINTS__VERSIONS_BASE", "")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_home / "serve.log"
    failures: list[BaseException] = []
    readers: list[StreamReader] = []

    def client() -> None:
        try:
            wait_until(lambda: answers(url), 30, "the server")
            reader = StreamReader(url)
            readers.append(reader)
            assert reader.first.wait(30) and reader.lines, reader.error
            os.kill(os.getpid(), signal.SIGTERM)
            wait_until(lambda: "draining for up to" in _logged(log), 30, "the drain to start")
            os.kill(os.getpid(), signal.SIGTERM)
        except BaseException as exc:
            failures.append(exc)

    with FakeServer("upstream") as upstream:
        upstream.route(
            "POST", "/v1/chat/completions", Sse(events("never"), stall=60, stall_after=1)
        )
        config = tmp_home / "settings.yaml"
        config.write_text(openai_compatible_config(f"{upstream.url}/v1"))
        options = ServeOptions(config=config, port=port, log_file=log, drain_seconds=600)
        helper = threading.Thread(target=client, daemon=True)
        helper.start()
        asyncio.run(serve_until_stopped(options))
        helper.join(30)
    assert not failures, failures
    readers[0].thread.join(30)
    assert "never" not in readers[0].text
    assert "SIGTERM during shutdown: not waiting for in-flight requests" in _logged(log)
    assert not (tmp_home / ".byokey" / "control.sock").exists()


def _logged(base: Path) -> str:
    return "".join(p.read_text() for p in base.parent.glob(f"{base.name}.*"))
