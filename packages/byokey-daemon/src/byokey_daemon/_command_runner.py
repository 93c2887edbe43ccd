"""Running ``systemctl`` / ``launchctl``: behind a callable so tests can record instead."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ._errors import DaemonError

_COMMAND_TIMEOUT_SECONDS = 60.0
_MAX_DETAIL_CHARS = 2000


@dataclass(frozen=True, slots=True)
class CommandResult:
    returncode: int
    stdout: str = ""
    stderr: str = ""


class CommandRunner(Protocol):
    def __call__(self, argv: Sequence[str]) -> CommandResult: ...


def run_command(argv: Sequence[str]) -> CommandResult:
    """Run a service tool, capturing its output; a missing tool is exit code 127."""
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=_COMMAND_TIMEOUT_SECONDS,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        return CommandResult(127, "", str(exc))
    except subprocess.TimeoutExpired:
        return CommandResult(124, "", f"timed out after {_COMMAND_TIMEOUT_SECONDS:g} s")
    return CommandResult(done.returncode, done.stdout, done.stderr)


class CommandFailedError(DaemonError):
    """The cause behind a ``ServiceError``: which command, its exit code and stderr."""

    def __init__(self, argv: Sequence[str], result: CommandResult) -> None:
        self.argv = tuple(argv)
        self.result = result
        detail = (result.stderr.strip() or result.stdout.strip())[:_MAX_DETAIL_CHARS]
        text = f"{' '.join(argv)} exited with code {result.returncode}"
        super().__init__(f"{text}: {detail}" if detail else text)
