"""The benchmark suite runs end to end (briefly) and its parts agree with each other.

No timing is asserted: figures live in ``docs/performance.md``. What is checked
is that every request the bench counts as good really was answered in full,
through byokey as well as directly, and that the report renders.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.fake_upstream import FakeUpstream, serve
from bench.load import Target, build_request, probe, run_load
from bench.report import BEGIN, END, render, write_markdown

ROOT = Path(__file__).resolve().parent.parent


async def _with_fake(chunks: int, body: Any) -> Any:
    app = FakeUpstream(chunks=chunks)
    stop = asyncio.Event()
    ports: list[int] = []
    task = asyncio.create_task(serve("127.0.0.1", 0, app, ready=ports.append, stop=stop))
    for _ in range(200):
        if ports:
            break
        await asyncio.sleep(0.01)
    try:
        return await body(ports[0]), app
    finally:
        stop.set()
        await task


async def test_fake_answers_every_format_and_the_load_generator_counts_them() -> None:
    cases = [
        ("/v1/chat/completions", {"model": "m", "stream": True}, b"data: [DONE]"),
        ("/v1/chat/completions", {"model": "m"}, b'"chat.completion"'),
        ("/v1/messages", {"model": "m", "stream": True}, b"event: message_stop"),
        ("/v1/responses", {"model": "m", "stream": True}, b"response.completed"),
        ("/v1beta/models/g:streamGenerateContent?alt=sse", {}, b'"finishReason":"STOP"'),
    ]

    async def drive(port: int) -> list[Any]:
        out = []
        for path, payload, expect in cases:
            target = build_request(
                "127.0.0.1", port, "POST", path, orjson.dumps(payload), expect=expect
            )
            out.append(await run_load(target, concurrency=3, count=30, duration=10))
        return out

    results, app = await _with_fake(5, drive)
    for result in results:
        assert (result.ok, result.sent, sum(result.errors.values())) == (30, 30, 0)
        assert len(result.latencies) == len(result.ttfts) == 30
    assert app.requests == 30 * len(cases)


async def test_fake_reads_chunked_request_bodies_and_reports_stats() -> None:
    async def drive(port: int) -> tuple[tuple[int, bytes], tuple[int, bytes]]:
        chunked = (
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
            b'5\r\n{"mod\r\n9\r\nel": "z"}\r\n0\r\n\r\n'
        )
        first = await probe(Target("127.0.0.1", port, chunked))
        stats = await probe(build_request("127.0.0.1", port, "GET", "/_stats"))
        return first, stats

    (first, stats), _ = await _with_fake(3, drive)
    assert first[0] == 200 and orjson.loads(first[1])["model"] == "z"
    assert orjson.loads(stats[1])["requests"] == 2


def test_load_refuses_anything_but_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        build_request("192.0.2.1", 80, "GET", "/")


def test_markdown_keeps_the_hand_written_prose(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# P\n\nintro\n\n{BEGIN}\nold\n{END}\n\n## Profile and next steps\n\nkept\n")
    results = {
        "started": "now",
        "command": "python -m bench.run",
        "machine": {"cpu": "x", "cores": 2, "mem_gib": 1, "kernel": "k", "load_avg": [0]},
        "versions": {"python": "3.11"},
        "knobs": {"duration": 1, "warmup": 1, "count": 1, "chunks": 20, "server": "compose"},
        "scenarios": [],
    }
    write_markdown(results, doc)
    text = doc.read_text()
    assert "intro" in text and "kept" in text and "old" not in text
    assert render(results) in text


@pytest.mark.slow
def test_bench_runs_end_to_end_through_byokey(tmp_path: Path) -> None:
    cmd = [
        sys.executable, "-m", "bench.run", "--server", "compose", "--scenarios", "a,c,d2,e",
        "--duration", "0.3", "--warmup", "0.1", "--soak", "0.6", "--soak-interval", "0.2",
        "--workdir", str(tmp_path), "--no-write",
    ]  # fmt: skip
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=110, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    results = orjson.loads(done.stdout)
    assert [s["id"] for s in results["scenarios"]] == ["a", "c", "d2", "e"]
    for row in results["scenarios"]:
        for side in ("direct", "byokey-compose"):
            assert row[side]["ok"] > 0 and row[side]["errors"] == 0, (row["id"], side, row[side])
    soak = results["soak"][0]
    assert soak["ok"] > 0 and soak["errors"] == 0 and len(soak["rss_samples"]) >= 2
    server = results["servers"]["byokey-compose"]
    assert server["startup_s"] > 0 and server["idle_rss_mib"] > 0
    assert "| (e) Anthropic in" in render(results)
