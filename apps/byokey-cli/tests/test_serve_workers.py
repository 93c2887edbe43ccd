"""``byokey serve --workers N``: a supervisor and N workers on the same listeners.

Against the real CLI in a temporary HOME and a fake upstream on 127.0.0.1: two
workers hold the listeners, the management usage totals count every request
whichever worker served it (which one the kernel picks is its business), a worker
that dies is replaced, control ``stop`` and SIGTERM stop the whole group.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from byokey_serve_harness import MODEL, openai_compatible_config, run_cli, serving, wait_until

from tests.fakes._replies import Json
from tests.fakes.server import FakeServer

pytestmark = pytest.mark.slow

_REPLY = Json(
    body={
        "id": "chatcmpl-w",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _chat(url: str) -> int:
    # A new connection per request, so the kernel may hand it to either worker.
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    with httpx.Client(timeout=20) as client:
        return client.post(f"{url}/v1/chat/completions", json=body).status_code


def _sockets_open(pid: int) -> int:
    """How many sockets a process holds (from /proc): a worker holds both listeners."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


def _usage_total(url: str) -> int:
    reply = httpx.get(f"{url}/v0/management/usage", timeout=10)
    assert reply.status_code == 200, reply.text
    return int(reply.json()["total_requests"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_two_workers_share_the_port_and_the_usage(tmp_home: Path) -> None:
    with FakeServer("upstream") as upstream:
        upstream.route("POST", "/v1/chat/completions", _REPLY)
        config = tmp_home / "settings.yaml"
        config.write_text(openai_compatible_config(f"{upstream.url}/v1"))
        with serving(tmp_home, "-c", str(config), "--workers", "2") as server:
            supervisor = server.proc.pid
            wait_until(lambda: len(_children(supervisor)) == 2, 60, "two workers")
            workers = _children(supervisor)
            for pid in workers:  # each worker composes its own server: wait for both
                wait_until(lambda pid=pid: _sockets_open(pid) >= 2, 60, f"worker {pid} listening")

            statuses = [_chat(server.url) for _ in range(30)]
            assert statuses == [200] * 30
            # Every request counted once, whichever worker served it (usage is read
            # from the shared store; a worker's writer lingers up to a second).
            wait_until(lambda: _usage_total(server.url) == 30, 20, "usage of all 30 requests")
            assert "worker 1 of 2" in server.output() and "worker 2 of 2" in server.output()

            # A worker that dies is replaced, and the port keeps answering.
            os.kill(workers[1], signal.SIGKILL)
            wait_until(
                lambda: len(_children(supervisor)) == 2 and workers[1] not in _children(supervisor),
                60,
                "a replacement worker",
            )
            time.sleep(0.5)
            assert [_chat(server.url) for _ in range(6)] == [200] * 6
            assert "starting a new one" in server.output()

            server.signal(signal.SIGTERM)
            assert server.wait_exit(timeout=40) == 0
            for pid in _children(supervisor):
                raise AssertionError(f"worker {pid} outlived the supervisor")
        assert not server.paths.control_socket.exists()


def test_control_stop_stops_every_worker(tmp_home: Path) -> None:
    with FakeServer("upstream") as upstream:
        upstream.route("POST", "/v1/chat/completions", _REPLY)
        config = tmp_home / "settings.yaml"
        config.write_text(openai_compatible_config(f"{upstream.url}/v1"))
        with serving(tmp_home, "-c", str(config), "--workers", "2") as server:
            assert _chat(server.url) == 200
            stopped = run_cli(tmp_home, "stop", amp_port=server.amp_port)
            assert stopped.returncode == 0, stopped.stdout + stopped.stderr
            assert server.wait_exit(timeout=40) == 0
