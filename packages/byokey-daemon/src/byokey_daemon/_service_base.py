"""The interface every OS service backend implements, and what ``status`` answers."""

from __future__ import annotations

import enum
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from ._command_runner import CommandFailedError, CommandResult, CommandRunner
from ._errors import ServiceError
from ._service_spec import ServiceSpec


class ServiceStatus(enum.Enum):
    NOT_INSTALLED = "not installed"
    STOPPED = "stopped"
    RUNNING = "running"


class ServiceManager(Protocol):
    """User-level service registration (spec §4.8). Every failure is a ``ServiceError``
    (``install failed`` …) whose cause names the command and its stderr."""

    @property
    def backend_name(self) -> str: ...

    @property
    def definition_file(self) -> Path: ...

    def install(self, spec: ServiceSpec) -> None: ...

    def uninstall(self) -> None: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> ServiceStatus: ...


def run_step(runner: CommandRunner, step: str, argv: Sequence[str]) -> CommandResult:
    """Run one command of ``step``; a non-zero exit becomes ``ServiceError(step)``."""
    result = runner(argv)
    if result.returncode != 0:
        raise ServiceError(step) from CommandFailedError(argv, result)
    return result


def write_definition(path: Path, content: bytes, step: str) -> None:
    """Write a unit/plist atomically with mode 0644, creating its directory."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise ServiceError(step) from exc


def ensure_log_dir(spec: ServiceSpec, step: str) -> None:
    if spec.log_file is None:
        return
    try:
        spec.log_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServiceError(step) from exc
