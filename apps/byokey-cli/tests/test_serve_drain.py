"""SIGTERM while streams are in flight: the server stops accepting, lets a stream that
finishes within the drain timeout complete, cuts off one that does not, records usage
for both, and exits 0."""

from __future__ import annotations

import signal
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from byokey_serve_harness import MODEL, StreamReader, events, openai_compatible_config, serving

from tests.fakes.server import FakeServer, Sse

pytestmark = pytest.mark.slow

DRAIN_SECONDS = 4


def test_sigterm_drains_in_flight_streams(tmp_home: Path) -> None:
    with FakeServer("upstream") as upstream:
        upstream.route(
            "POST",
            "/v1/chat/completions",
            [
                # finishes inside the drain window
                Sse(events("quick"), stall=1.5, stall_after=1),
                # would take far longer than the drain timeout
                Sse(events("slow"), stall=45, stall_after=1),
            ],
        )
        config = tmp_home / "settings.yaml"
        config.write_text(openai_compatible_config(f"{upstream.url}/v1"))
        with serving(tmp_home, "-c", str(config), "--drain-timeout", str(DRAIN_SECONDS)) as server:
            quick = StreamReader(server.url)
            assert quick.first.wait(30) and quick.lines, quick.error
            slow = StreamReader(server.url)
            assert slow.first.wait(30) and slow.lines, slow.error

            server.signal(signal.SIGTERM)
            assert server.wait_exit(timeout=30) == 0
            quick.thread.join(30)
            slow.thread.join(30)

    assert "quick" in quick.text and quick.lines[-1] == "data: [DONE]", quick.text
    assert "slow" not in slow.text, "the slow stream was cut off at the drain timeout"
    assert "[DONE]" not in slow.text
    assert not server.paths.control_socket.exists()
    output = server.output()
    assert "shutting down (SIGTERM)" in output

    with sqlite3.connect(tmp_home / ".byokey" / "tokens.db") as db:
        rows = db.execute("SELECT model, success FROM usage_records ORDER BY id").fetchall()
    assert [model for model, _ in rows] == [MODEL, MODEL], "both streams were recorded"
