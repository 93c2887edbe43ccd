"""Profile byokey under one scenario's load with py-spy; print where the CPU goes.

``python -m bench.profile --scenario c --py-spy /tmp/bench-litellm/bin/py-spy``
starts the fake and byokey, drives the scenario for ``--seconds`` while
``py-spy record`` samples the server (``--format raw``: collapsed stacks), then
prints the functions with the most samples, by self time and inclusive, with
the file each lives in. py-spy is not in the workspace lock: install it into a
throwaway venv (``make bench-compare`` puts one in ``/tmp/bench-litellm``).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from collections import Counter
from pathlib import Path

from .load import run_load
from .run import _target
from .scenarios import by_id
from .servers import launch_byokey, start_fake, wait_started

__all__ = ["main", "summarize"]


def summarize(collapsed: str, *, top: int = 30, prefix: str = "") -> str:
    """Top functions by self and inclusive samples from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [_function(f) for f in stack.split(";")]
        packages[_package(frames[-1])] += n
        if prefix:
            frames = [f for f in frames if prefix in f] or frames[-1:]
        own[frames[-1]] += n
        for frame in set(frames):
            incl[frame] += n
    out = [f"{total} samples"]
    for title, table in (("self, by package", packages), ("self", own), ("inclusive", incl)):
        out.append(f"\n-- top {top} by {title} --")
        out += [f"{100 * n / max(total, 1):6.1f}%  {frame}" for frame, n in table.most_common(top)]
    return "\n".join(out)


def _function(frame: str) -> str:
    """``func (path/file.py:12)`` -> ``func (path/file.py)``: lines of one function merge."""
    frame = frame.strip()
    head, sep, tail = frame.rpartition(":")
    return f"{head})" if sep and tail.rstrip(")").isdigit() else frame


def _package(frame: str) -> str:
    """The top-level package (or stdlib module) a frame's file belongs to."""
    path = frame.rpartition("(")[2].rstrip(")")
    top = path.split("/", 1)[0]
    return top.removesuffix(".py") or "?"


async def _profile(args: argparse.Namespace) -> str:
    sc = by_id(args.scenario)[0]
    work = Path(tempfile.mkdtemp(prefix="byokey-profile-"))
    fake = start_fake(chunks=args.chunks)
    server = None
    try:
        server = await wait_started(launch_byokey(fake.port, work, mode=args.server))
        target = _target(server, fake, sc)
        await run_load(target, concurrency=sc.concurrency, count=10**6, duration=1.0)
        out = work / "profile.txt"
        spy = await asyncio.create_subprocess_exec(
            str(args.py_spy), "record", "--pid", str(server.pid), "--duration", str(args.seconds),
            "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking",
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        load = await run_load(
            target, concurrency=sc.concurrency, count=10**7, duration=args.seconds + 1
        )
        await asyncio.wait_for(spy.wait(), args.seconds + 30)
        head = f"scenario ({sc.id}) {sc.title}: {load.throughput:.0f} req/s, {load.ok} ok"
        return head + "\n" + summarize(out.read_text(), top=args.top, prefix=args.only)
    finally:
        if server is not None:
            server.stop()
        fake.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scenario", default="b")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--chunks", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", default="", help="keep frames whose text holds this")
    parser.add_argument("--server", choices=("auto", "cli", "compose"), default="compose")
    parser.add_argument("--py-spy", type=Path, default=shutil.which("py-spy"), help="py-spy path")
    args = parser.parse_args(argv)
    if args.py_spy is None:
        parser.error("py-spy not found on PATH: pass --py-spy")
    import uvloop

    print(uvloop.run(_profile(args)))


if __name__ == "__main__":
    main()
