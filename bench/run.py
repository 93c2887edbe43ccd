"""Run the issue-9 scenarios direct and through byokey (and LiteLLM), side by side.

``uv run --frozen python -m bench.run`` starts the fake upstream, byokey (the
real ``byokey serve`` when the CLI has it) and, with ``--litellm PATH``,
LiteLLM's proxy; measures each scenario direct and through every proxy in
turn (warm-up, then a bounded measured run), then a soak at c=16 sampling RSS,
start-up time and ``byokey --help``. It writes ``bench/results.json`` and the
generated part of ``docs/performance.md``. Every run is bounded by
``--duration`` seconds and ``--count`` requests; the soak by ``--soak``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .load import Target, build_request, run_load
from .proc import cpu_seconds, pss_bytes, rss_bytes
from .report import write_markdown
from .scenarios import Scenario, by_id
from .servers import (
    Server,
    launch_byokey,
    launch_litellm,
    start_fake,
    wait_started,
)

__all__ = ["main"]

_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Knobs:
    duration: float
    warmup: float
    count: int
    soak: float
    soak_interval: float


def _target(server: Server | None, fake: Server, sc: Scenario) -> Target:
    port = fake.port if server is None else server.port
    auth = {} if server is None else server.auth
    return build_request(
        "127.0.0.1", port, "POST", sc.path, sc.body(), sc.headers(auth), expect=sc.expect
    )


async def _measure(target: Target, pid: int, concurrency: int, knobs: Knobs) -> dict[str, Any]:
    """Warm up, then one measured run; CPU of ``pid``'s tree and of this client."""
    await run_load(
        target, concurrency=concurrency, count=max(concurrency * 20, 200), duration=knobs.warmup
    )
    cpu0, client0 = cpu_seconds(pid), time.process_time()
    result = await run_load(
        target, concurrency=concurrency, count=knobs.count, duration=knobs.duration
    )
    cpu1, client1 = cpu_seconds(pid), time.process_time()
    summary = result.summary()
    n = max(result.ok, 1)
    summary["server_cpu_ms_per_req"] = round((cpu1 - cpu0) * 1000 / n, 3)
    summary["client_cpu_ms_per_req"] = round((client1 - client0) * 1000 / n, 3)
    summary["server_cpu_util"] = round((cpu1 - cpu0) / max(result.elapsed, 1e-9), 3)
    return summary


def _compare(direct: dict[str, Any], via: dict[str, Any]) -> dict[str, Any]:
    def diff(key: str) -> float | None:
        a, b = direct.get(key), via.get(key)
        return None if a is None or b is None else round(b - a, 3)

    ratio = via["rps"] / direct["rps"] if direct["rps"] else None
    return {
        "added_p50_ms": diff("p50_ms"),
        "added_p99_ms": diff("p99_ms"),
        "added_ttft_p50_ms": diff("ttft_p50_ms"),
        "throughput_ratio": None if ratio is None else round(ratio, 4),
        "latency_ratio_p50": (
            round(via["p50_ms"] / direct["p50_ms"], 2)
            if via.get("p50_ms") and direct.get("p50_ms")
            else None
        ),
    }


async def _soak(
    server: Server, fake: Server, scenarios: list[Scenario], knobs: Knobs
) -> dict[str, Any]:
    """c=16 split over a mix of requests, RSS every ``soak_interval`` seconds."""
    mix = [s for s in scenarios if s.id in ("c", "d1", "e")] or scenarios[:1]
    shares = [16 // len(mix) + (1 if i < 16 % len(mix) else 0) for i in range(len(mix))]
    t0 = time.perf_counter()
    cpu0 = cpu_seconds(server.pid)
    loads = [
        asyncio.create_task(
            run_load(_target(server, fake, s), concurrency=c, count=10**9, duration=knobs.soak)
        )
        for s, c in zip(mix, shares, strict=True)
    ]
    samples: list[tuple[float, int]] = [(0.0, rss_bytes(server.pid))]
    limit = int(knobs.soak / knobs.soak_interval) + 2
    while len(samples) < limit and not all(t.done() for t in loads):
        await asyncio.wait(loads, timeout=knobs.soak_interval)
        samples.append((round(time.perf_counter() - t0, 2), rss_bytes(server.pid)))
    results = await asyncio.gather(*loads)
    cpu1 = cpu_seconds(server.pid)
    ok = sum(r.ok for r in results)
    warm = min(60.0, knobs.soak * 0.2)
    after_warm = [rss for t, rss in samples if t >= warm] or [samples[-1][1]]
    growth = (samples[-1][1] - after_warm[0]) / after_warm[0] if after_warm[0] else 0.0
    return {
        "server": server.name,
        "duration_s": knobs.soak,
        "mix": {s.id: c for s, c in zip(mix, shares, strict=True)},
        "ok": ok,
        "errors": sum(sum(r.errors.values()) for r in results),
        "rps": round(ok / max(results[0].elapsed, 1e-9), 1),
        "server_cpu_ms_per_req": round((cpu1 - cpu0) * 1000 / max(ok, 1), 3),
        "rss_samples": [{"t_s": t, "rss_mib": round(rss / 2**20, 2)} for t, rss in samples],
        "warmup_s": warm,
        "rss_after_warmup_mib": round(after_warm[0] / 2**20, 2),
        "rss_end_mib": round(samples[-1][1] / 2**20, 2),
        "rss_growth_pct": round(growth * 100, 2),
    }


async def _help_time(rounds: int = 5) -> float | None:
    """Median wall time of ``byokey --help`` (the console script of this venv)."""
    script = Path(sys.executable).parent / "byokey"
    if not script.exists():
        return None
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            str(script),
            "--help",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.wait_for(proc.wait(), 30)
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3)


def _versions(litellm: Path | None) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in (
        "byokey", "byokey-proxy", "byokey-provider", "byokey-translate", "hypercorn",
        "starlette", "curl-cffi", "uvloop", "orjson",
    ):  # fmt: skip
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    if litellm is not None:
        lib = sorted(litellm.parent.parent.glob("lib/python*/site-packages/litellm-*.dist-info"))
        if lib:
            found["litellm"] = lib[-1].name.removeprefix("litellm-").removesuffix(".dist-info")
    return found


def _machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    except OSError:
        mem = "0"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "mem_gib": round(int(mem) / 2**20, 1),
        "kernel": platform.release(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
    }


def _process_counts(text: str) -> list[int]:
    counts = [int(part) for part in str(text).split(",") if part.strip()]
    if not counts or any(n < 1 for n in counts):
        raise SystemExit(f"--processes: a list of positive counts, not {text!r}")
    return counts


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    knobs = Knobs(args.duration, args.warmup, args.count, args.soak, args.soak_interval)
    scenarios = by_id(args.scenarios)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="byokey-bench-"))
    fake = start_fake(chunks=args.chunks)
    proxies: list[Server] = []
    out: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": _machine(),
        "versions": _versions(args.litellm),
        "knobs": {
            k: v if isinstance(v, (int, float, str, type(None))) else str(v)
            for k, v in vars(args).items()
        },
        "scenarios": [],
    }
    try:
        for n in _process_counts(args.processes):
            # A first start creates and migrates the database (once per install); the
            # measured server is the second, on an existing database, as every later start.
            where = work / f"byokey-{n}"
            first = await wait_started(
                launch_byokey(fake.port, where, mode=args.server, processes=n)
            )
            first.stop()
            server = await wait_started(
                launch_byokey(fake.port, where, mode=args.server, processes=n)
            )
            server.first_startup_s = first.startup_s
            proxies.append(server)
        if args.litellm is not None:
            proxies.append(
                await wait_started(launch_litellm(args.litellm, fake.port, work / "litellm"))
            )
        out["servers"] = {
            p.name: {"startup_s": round(p.startup_s or 0, 3),
                     "first_startup_s": round(p.first_startup_s, 3) if p.first_startup_s else None,
                     "idle_rss_mib": round((p.idle_rss or 0) / 2**20, 2),
                     "idle_pss_mib": round((p.idle_pss or 0) / 2**20, 2)}
            for p in proxies
        }  # fmt: skip
        for sc in scenarios:
            print(f"[{sc.id}] {sc.title}", file=sys.stderr, flush=True)
            direct = await _measure(_target(None, fake, sc), fake.pid, sc.concurrency, knobs)
            row: dict[str, Any] = {
                "id": sc.id,
                "title": sc.title,
                "c": sc.concurrency,
                "direct": direct,
            }
            for p in proxies:
                via = await _measure(_target(p, fake, sc), p.pid, sc.concurrency, knobs)
                row[p.name] = via | _compare(direct, via)
                print(f"    {p.name}: {via['rps']} req/s, p50 {via['p50_ms']} ms "
                      f"(direct {direct['rps']} req/s, {direct['p50_ms']} ms), errors {via['errors']}",
                      file=sys.stderr, flush=True)  # fmt: skip
            out["scenarios"].append(row)
        for p in proxies:
            out["servers"][p.name]["rss_after_load_mib"] = round(rss_bytes(p.pid) / 2**20, 2)
            out["servers"][p.name]["pss_after_load_mib"] = round(pss_bytes(p.pid) / 2**20, 2)
        if knobs.soak > 0:
            print(f"[g] soak {knobs.soak:g} s at c=16", file=sys.stderr, flush=True)
            out["soak"] = [
                await _soak(p, fake, scenarios, knobs) for p in proxies[: 1 + args.soak_all]
            ]
        out["help_s"] = await _help_time()
        out["fake_capacity"] = _fake_capacity(out["scenarios"])
    finally:
        for server in [*proxies, fake]:
            server.stop()
    out["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    return out


def _fake_capacity(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        row["id"]: {"rps": row["direct"]["rps"], "p50_ms": row["direct"]["p50_ms"],
                    "cpu_ms_per_req": row["direct"]["server_cpu_ms_per_req"]}
        for row in rows
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scenarios", default="all", help="comma list of a,b,c,d1,d2,e,f")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measured run")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per run")
    parser.add_argument("--count", type=int, default=200_000, help="request cap per run")
    parser.add_argument("--soak", type=float, default=600.0, help="soak seconds (0 = none)")
    parser.add_argument("--soak-interval", type=float, default=10.0, help="RSS sample period")
    parser.add_argument("--soak-all", action="store_true", help="soak LiteLLM too")
    parser.add_argument("--chunks", type=int, default=20, help="SSE content chunks per answer")
    parser.add_argument("--server", choices=("auto", "cli", "compose"), default="auto")
    parser.add_argument(
        "--processes",
        default="1,2",
        help="byokey servers to compare, by process count: `serve --workers N` (cli), "
        "forked copies (compose); e.g. 1 or 1,2",
    )
    parser.add_argument("--litellm", type=Path, help="path to a litellm executable to compare")
    parser.add_argument("--workdir", help="where configs and server logs go (default: a temp dir)")
    parser.add_argument("--json", type=Path, default=_ROOT / "bench" / "results.json")
    parser.add_argument("--markdown", type=Path, default=_ROOT / "docs" / "performance.md")
    parser.add_argument("--no-write", action="store_true", help="print the JSON, write nothing")
    args = parser.parse_args(argv)
    if min(args.duration, args.warmup, args.soak_interval) <= 0 or args.count <= 0:
        parser.error("--duration, --warmup, --soak-interval and --count must be positive")
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        results = asyncio.run(_run(args))
    else:
        results = uvloop.run(_run(args))
    results["command"] = "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv)
    blob = orjson.dumps(results, option=orjson.OPT_INDENT_2, default=str)
    if args.no_write:
        sys.stdout.write(blob.decode() + "\n")
        return
    args.json.write_bytes(blob + b"\n")
    write_markdown(results, args.markdown)
    print(f"wrote {args.json} and {args.markdown}")


if __name__ == "__main__":
    main()
