"""What a registered service runs: the program, its ``serve`` arguments, where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._paths import SERVICE_LABEL


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One user-level service definition.

    ``log_file`` is only used to create its parent directory before installing (the
    ``--log-file`` argument itself must already be in ``arguments``).
    """

    program: str
    arguments: tuple[str, ...]
    working_directory: Path
    log_file: Path | None = None
    label: str = SERVICE_LABEL


def serve_arguments(
    *,
    config: Path | str | None = None,
    port: int | None = None,
    host: str | None = None,
    db: Path | str | None = None,
    log_file: Path | str | None = None,
) -> list[str]:
    """``serve`` plus only the options that were given, in the original's order.

    ``start`` leaves ``log_file`` out (it only picks the redirect target); ``service
    install`` passes it through (spec §4.4 step 4, §4.8).
    """
    argv = ["serve"]
    if config is not None:
        argv += ["--config", str(config)]
    if port is not None:
        argv += ["--port", str(port)]
    if host is not None:
        argv += ["--host", host]
    if db is not None:
        argv += ["--db", str(db)]
    if log_file is not None:
        argv += ["--log-file", str(log_file)]
    return argv
