"""Running the real ``byokey serve`` / ``byokey start`` as processes in a temporary HOME.

Every wait is bounded; a server that does not come up in time fails the test with its
log. Ports are picked free by the test (``--port 0`` would leave the client guessing).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from byokey_daemon import ControlClient, DaemonPaths, is_process_alive

# Generous: the machine is small and shared, and the first import of the whole stack
# (starlette, hypercorn, curl_cffi, sqlalchemy …) takes seconds there.
READY_TIMEOUT = 60.0
EXIT_TIMEOUT = 30.0
_POLL = 0.1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "byokey_cli", *args]


def server_env(
    home: Path, *, amp_port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a server under test: its own HOME, nothing inherited that matters."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BYOKEY_", "LISTEN_")) and k not in ("RUST_LOG", "XDG_CONFIG_HOME")
    }
    env["HOME"] = str(home)
    env["BYOKEY_AMP__PORT"] = str(amp_port)
    env["BYOKEY_ENDPOINTS__VERSIONS_BASE"] = ""  # no fetch from the internet
    env.update(extra or {})
    return env


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(_POLL)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


class ServeProcess:
    """One ``byokey serve`` child; stdout and stderr go to ``log`` in HOME."""

    def __init__(
        self,
        home: Path,
        *args: str,
        port: int | None = None,
        cli_port: int | None = None,
        env: Mapping[str, str] | None = None,
        pass_fds: Sequence[int] = (),
        preexec_fn: Callable[[], Any] | None = None,
    ) -> None:
        self.home = home
        self.port = port if port is not None else free_port()
        self.amp_port = free_port()
        self.paths = DaemonPaths.from_environ({"HOME": str(home)})
        self.log = home / "serve-output.log"
        # ``cli_port``: what ``--port`` says when clients reach the server elsewhere
        # (an inherited listener).
        given = self.port if cli_port is None else cli_port
        argv = cli_command("serve", "--port", str(given), *args)
        self.env = server_env(home, amp_port=self.amp_port, extra=env)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=tuple(pass_fds),
                preexec_fn=preexec_fn,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> ServeProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"byokey serve exited with {self.proc.returncode}:\n{self.output()}"
                )
            if answers(self.url) and ControlClient(self.paths.control_socket).is_alive():
                return self
            time.sleep(_POLL)
        raise AssertionError(f"byokey serve not ready within {timeout:g} s:\n{self.output()}")

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"byokey serve did not exit in {timeout:g} s:\n{self.output()}"
            ) from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)


@contextlib.contextmanager
def serving(home: Path, *args: str, **kwargs: Any) -> Iterator[ServeProcess]:
    """A ready server that is killed at the end if the test did not stop it."""
    server = ServeProcess(home, *args, **kwargs)
    try:
        yield server.wait_ready()
    finally:
        server.kill()


def run_cli(
    home: Path, *args: str, amp_port: int | None = None, timeout: float = 90.0
) -> subprocess.CompletedProcess[str]:
    """``byokey ARGS`` as a process (``start`` must spawn a real detached child)."""
    return subprocess.run(
        cli_command(*args),
        env=server_env(home, amp_port=amp_port or free_port()),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def kill_pid(pid: int) -> None:
    """Last-resort cleanup of a detached server a test started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if is_process_alive(pid):
            os.kill(pid, signal.SIGKILL)


def write_stale_socket(path: Path) -> None:
    """A socket file nobody listens on (what a killed server leaves behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


# --- a streamed chat completion through an ``openai_compatible`` upstream ------------

MODEL = "fake-drain-model"


def chunk(text: str | None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if text is None else {"content": text}
    return {
        "id": "chatcmpl-drain",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def events(text: str) -> list[Any]:
    usage = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    return [
        chunk("first "),
        chunk(text),
        chunk(None, "stop"),
        {**chunk(None), "choices": [], "usage": usage},
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


def openai_compatible_config(base_url: str, models: Sequence[str] = (MODEL,)) -> str:
    """A YAML settings file routing ``models`` to one keyless OpenAI-compatible upstream."""
    return (
        "openai_compatible:\n"
        "  - name: local\n"
        f"    base_url: {base_url}\n"
        f"    models: [{', '.join(models)}]\n"
    )
