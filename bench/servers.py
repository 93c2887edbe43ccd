"""Starting and stopping the processes a benchmark measures: fake, byokey, LiteLLM.

Every server is our own child process on 127.0.0.1, started with a config that
points it at the fake upstream, and stopped by its pid (SIGTERM, then SIGKILL
after a grace period). ``launch_*`` spawns, :func:`wait_started` waits. Start-up time is measured from ``Popen`` to the first
``200`` on ``GET /v1/models``. byokey runs as the real CLI (``byokey serve -c``)
when it has a ``serve`` command, else as :mod:`bench.byokey_compose`.
"""

from __future__ import annotations

import asyncio
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import orjson

from .load import build_request, wait_ready
from .proc import pss_bytes, rss_bytes

__all__ = [
    "BENCH_KEY",
    "CLAUDE_MODEL",
    "OPENAI_MODEL",
    "Server",
    "byokey_has_serve",
    "free_port",
    "launch_byokey",
    "launch_litellm",
    "start_fake",
    "wait_started",
]

OPENAI_MODEL = "bench-gpt"
CLAUDE_MODEL = "claude-sonnet-4-5"
# What the load generator presents. Neither proxy is configured to check client keys
# (their defaults on loopback), so both are measured without a client-auth step.
BENCH_KEY = "sk-bench-client"
_UPSTREAM_KEY = "sk-bench-upstream"


def free_port() -> int:
    """A port below Linux's ephemeral range (32768+), so that no outgoing connection
    (the load generator's, the proxies' upstream ones) can take it between this check
    and the server's bind."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(slots=True)
class Server:
    """A running child process serving HTTP on ``port``."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path | None = None
    startup_s: float | None = None
    first_startup_s: float | None = None  # the start before, which created the database
    idle_rss: int | None = None
    idle_pss: int | None = None
    auth: dict[str, str] = field(default_factory=dict)
    started: float = 0.0  # perf_counter at spawn

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, lines: int = 20) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _read_ready(stream: IO[bytes], limit: float) -> int:
    """The port from the fake's ``READY <port>`` line, waiting at most ``limit`` s."""
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    deadline = time.monotonic() + limit
    line = b""
    try:
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if sel.select(max(0.0, deadline - time.monotonic())):
                byte = os.read(stream.fileno(), 1)
                if not byte:
                    break
                line += byte
    finally:
        sel.close()
    if not line.startswith(b"READY "):
        raise RuntimeError(f"fake upstream did not start: {line!r}")
    return int(line.split()[1])


def start_fake(*, chunks: int, chunk_delay_ms: float = 0.0) -> Server:
    cmd = [sys.executable, "-m", "bench.fake_upstream", "--port", "0", "--chunks", str(chunks)]
    if chunk_delay_ms:
        cmd += ["--chunk-delay-ms", str(chunk_delay_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=_root(), env=_env())
    assert proc.stdout is not None
    try:
        port = _read_ready(proc.stdout, 30.0)
    except BaseException:
        proc.kill()
        raise
    return Server("fake", proc, port)


def _root() -> Path:
    return Path(__file__).resolve().parent.parent


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_root()), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def byokey_has_serve() -> bool:
    """Whether the installed CLI has a ``serve`` command (it is being written)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "byokey_cli", "serve", "--help"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b"--config" in done.stdout


def _byokey_settings(fake_port: int, port: int) -> dict[str, object]:
    upstream = f"http://127.0.0.1:{fake_port}"
    return {
        "host": "127.0.0.1",
        "port": port,
        "log": {"level": "warning"},
        "amp": {"port": free_port()},
        # loopback only: no fetch of the remote identity documents
        "endpoints": {"versions_base": ""},
        "providers": {"claude": {"api_key": _UPSTREAM_KEY, "base_url": upstream}},
        "openai_compatible": [
            {
                "name": "bench",
                "base_url": f"{upstream}/v1",
                "api_key": _UPSTREAM_KEY,
                "models": [OPENAI_MODEL],
            }
        ],
    }


def _spawn(
    name: str, cmd: list[str], port: int, workdir: Path, env: dict[str, str], auth: dict[str, str]
) -> Server:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, env=env, start_new_session=True
        )
    return Server(name, proc, port, log=log, auth=auth, started=started)


async def wait_started(server: Server, *, limit: float = 120.0) -> Server:
    """Wait for the first ``200`` on ``GET /v1/models``; record start-up time and idle RSS."""
    target = build_request("127.0.0.1", server.port, "GET", "/v1/models", headers=server.auth)
    try:
        server.startup_s = await wait_ready(target, since=server.started, limit=limit)
    except BaseException:
        server.stop(grace=2)
        raise RuntimeError(f"{server.name} did not start:\n{server.log_tail()}") from None
    await asyncio.sleep(1.0)  # let start-up work that follows the first answer settle
    server.idle_rss = rss_bytes(server.pid)
    server.idle_pss = pss_bytes(server.pid)
    return server


def launch_byokey(
    fake_port: int, workdir: Path, *, mode: str = "auto", processes: int = 1
) -> Server:
    """byokey against the fake: ``mode`` is ``cli``, ``compose`` or ``auto``.

    ``processes`` > 1 is ``byokey serve --workers N`` (cli) or forked copies of the
    composition sharing the listening socket (compose).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "byokey.json"  # JSON is YAML: the loader reads either
    config.write_bytes(orjson.dumps(_byokey_settings(fake_port, port), option=orjson.OPT_INDENT_2))
    if mode == "auto":
        mode = "cli" if byokey_has_serve() else "compose"
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    # a private HOME/XDG keeps the pid file, control socket and database out of the user's
    env = _env({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")})
    env.update({"XDG_DATA_HOME": str(home / ".local/share"), "XDG_RUNTIME_DIR": str(home)})
    if mode == "cli":
        cmd = [sys.executable, "-m", "byokey_cli", "serve", "-c", str(config)]
        cmd += ["--db", str(workdir / "byokey.db")]
        if processes > 1:
            cmd += ["--workers", str(processes)]
            mode = f"cli-x{processes}"
    else:
        cmd = [sys.executable, "-m", "bench.byokey_compose", "-c", str(config)]
        if processes > 1:
            cmd += ["--processes", str(processes)]
            mode = f"compose-x{processes}"
    auth = {"authorization": f"Bearer {BENCH_KEY}"}
    return _spawn(f"byokey-{mode}", cmd, port, workdir, env, auth)


def _litellm_config(fake_port: int) -> str:
    base = f"http://127.0.0.1:{fake_port}"
    return f"""model_list:
  - model_name: {OPENAI_MODEL}
    litellm_params:
      model: openai/{OPENAI_MODEL}
      api_base: {base}/v1
      api_key: {_UPSTREAM_KEY}
  - model_name: {CLAUDE_MODEL}
    litellm_params:
      model: anthropic/{CLAUDE_MODEL}
      api_base: {base}
      api_key: {_UPSTREAM_KEY}
litellm_settings:
  telemetry: false
  drop_params: true
"""


def launch_litellm(litellm: Path, fake_port: int, workdir: Path) -> Server:
    """LiteLLM's proxy from its own venv, telemetry and cost-map fetching off."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = workdir / "litellm.yaml"
    config.write_text(_litellm_config(fake_port))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_TELEMETRY": "False",
            "LITELLM_LOG": "ERROR",
            "LITELLM_DONT_SHOW_FEEDBACK_BOX": "True",
            "DISABLE_SCHEMA_UPDATE": "True",
            "NO_DOCS": "True",
            # no client key, like byokey on loopback (LiteLLM >= 1.8x refuses that by default)
            "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true",
            "HOME": str(workdir),
        }
    )
    cmd = [str(litellm), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--num_workers", "1"]
    auth = {"authorization": f"Bearer {BENCH_KEY}"}
    return _spawn("litellm", cmd, port, workdir, env, auth)
