"""SIGTERM while streams are in flight: the server stops accepting, lets a stream that
finishes within the drain timeout complete, cuts off one that does not, records usage
for both, and exits 0."""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from byokey_serve_harness import serving

from tests.fakes.server import FakeServer, Sse

pytestmark = pytest.mark.slow

MODEL = "fake-drain-model"
DRAIN_SECONDS = 4


def _chunk(text: str | None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if text is None else {"content": text}
    return {
        "id": "chatcmpl-drain",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _events(text: str) -> list[Any]:
    usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    return [
        _chunk("first "),
        _chunk(text),
        _chunk(None, "stop"),
        {**_chunk(None), "choices": [], "usage": usage},
        "[DONE]",
    ]


class StreamReader:
    """Reads one streamed chat completion on a thread; ``first`` is set at the first line."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.first = threading.Event()
        self.lines: list[str] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        body = {
            "model": MODEL,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        }
        try:
            with httpx.stream(
                "POST", f"{self.url}/v1/chat/completions", json=body, timeout=60
            ) as reply:
                for line in reply.iter_lines():
                    if line.startswith("data:"):
                        self.lines.append(line)
                        self.first.set()
        except httpx.HTTPError as exc:
            self.error = exc
        finally:
            self.first.set()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def test_sigterm_drains_in_flight_streams(tmp_home: Path) -> None:
    with FakeServer("upstream") as upstream:
        upstream.route(
            "POST",
            "/v1/chat/completions",
            [
                # finishes inside the drain window
                Sse(_events("quick"), stall=1.5, stall_after=1),
                # would take far longer than the drain timeout
                Sse(_events("slow"), stall=45, stall_after=1),
            ],
        )
        config = tmp_home / "settings.yaml"
        config.write_text(
            "openai_compatible:\n"
            "  - name: local\n"
            f"    base_url: {upstream.url}/v1\n"
            f"    models: [{MODEL}]\n"
        )
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
