"""Running what the user guide shows: its code blocks, and ``byokey serve`` as documented.

A block is marked in the page with ``<!-- PAGE:NAME -->`` on the line before its fence,
so tests pick blocks by name and the page stays plain Markdown.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .byokey_serve_harness import (
    READY_TIMEOUT,
    answers,
    cli_command,
    free_port,
    server_env,
    wait_until,
)

DOCS = Path(__file__).resolve().parents[3] / "docs"
DOC_SERVER = "http://127.0.0.1:8018"
# Keep the runtime documents (OAuth client ids, client versions) off the internet.
OFFLINE = {"BYOKEY_ENDPOINTS__VERSIONS_BASE": '""', "BYOKEY_ENDPOINTS__CREDENTIALS_BASE": '""'}


def doc_block(page: str, marker: str) -> str:
    """The fenced code block right after ``<!-- MARKER -->`` in ``docs/PAGE``."""
    text = (DOCS / page).read_text()
    match = re.search(rf"<!-- {re.escape(marker)} -->\n```\w*\n(.*?)\n```", text, re.S)
    assert match, f"docs/{page} has no <!-- {marker} --> block"
    return match.group(1)


def run_snippet(code: str, *, server_url: str, origin: str) -> str:
    """Run a documented Python snippet against ``server_url``; what it printed."""
    assert DOC_SERVER in code, f"{origin} does not use {DOC_SERVER}"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code.replace(DOC_SERVER, server_url), origin, "exec"), {})
    return printed.getvalue()


@dataclass
class DocumentedServer:
    process: subprocess.Popen[bytes]
    url: str
    env: dict[str, str]
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Another ``byokey`` command against this server's HOME."""
        return subprocess.run(
            cli_command(*args), env=self.env, capture_output=True, text=True, timeout=90
        )

    def interrupt(self) -> int:
        """Ctrl-C, as the page says; the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(30)


@contextlib.contextmanager
def documented_serve(
    home: Path, command_line: str, extra_env: Mapping[str, str] | None = None
) -> Iterator[DocumentedServer]:
    """``command_line`` (``byokey serve …``) run as printed, on free ports, until ready.

    The ports come through ``BYOKEY_PORT``/``BYOKEY_AMP__PORT`` so the command line
    itself is the documented one.
    """
    argv = shlex.split(command_line)
    assert argv[:2] == ["byokey", "serve"], command_line
    port = free_port()
    env = server_env(
        home,
        amp_port=free_port(),
        extra={"BYOKEY_PORT": str(port), **OFFLINE, **(extra_env or {})},
    )
    log = home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            cli_command(*argv[1:]), env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    server = DocumentedServer(process, f"http://127.0.0.1:{port}", env, log)

    def up() -> bool:
        assert process.poll() is None, f"byokey serve exited:\n{log.read_text()}"
        return answers(server.url)

    try:
        wait_until(up, READY_TIMEOUT, "byokey serve to answer /healthz")
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
