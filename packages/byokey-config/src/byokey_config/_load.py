"""Loading settings: defaults < file < environment < command-line overrides."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byokey_config._build import Layer, SettingsBuilder
from byokey_config._errors import SettingsError
from byokey_config._settings import Settings
from byokey_config._sources import (
    env_layer,
    overrides_layer,
    read_settings_file,
    resolve_config_path,
)

__all__ = ["LoadedSettings", "load_settings", "read_settings"]

logger = logging.getLogger("byokey_config")

ENV_ORIGIN = "the environment"
OVERRIDES_ORIGIN = "the command line"


@dataclass(frozen=True, slots=True)
class LoadedSettings:
    """A load's result with what it noticed on the way.

    ``path`` is the file that was (or would have been) read; ``file_found``
    says whether it existed. ``warnings`` lists unknown keys and the like.
    """

    settings: Settings
    path: Path | None
    file_found: bool
    warnings: tuple[str, ...]


def read_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    discover: bool = True,
) -> LoadedSettings:
    """Load and validate settings, returning the warnings too.

    ``path`` None means the default file when it exists (``discover=False``
    skips that). A given path that does not exist is not an error: the result
    is built without a file and a warning says so. ``overrides`` are dotted
    keys (``{"port": 9000, "log.file": "x"}``) that beat everything; None
    values are ignored so CLI options can be passed through as they are.

    Raises :class:`SettingsError` (a ``ConfigError``) listing every problem.
    """
    environ = os.environ if env is None else env
    file_path = resolve_config_path(path, environ) if path is not None or discover else None
    layers: list[Layer] = []
    warnings: list[str] = []
    found = False
    if file_path is not None:
        if file_path.is_file():
            found = True
            layers.append((None, read_settings_file(file_path)))
        else:
            warnings.append(f"config file {file_path} does not exist; using defaults")
    env_tree = env_layer(environ)
    if env_tree:
        layers.append((ENV_ORIGIN, env_tree))
    override_tree = overrides_layer(overrides or {})
    if override_tree:
        layers.append((OVERRIDES_ORIGIN, override_tree))
    if not layers:
        layers.append((None, {}))
    builder = SettingsBuilder()
    settings = builder.build(layers)
    source = str(file_path) if found else None
    if settings is None:
        raise SettingsError(builder.errors, source=source)
    warnings.extend(builder.warnings)
    for warning in warnings:
        logger.warning("settings: %s", warning)
    return LoadedSettings(settings, file_path, found, tuple(warnings))


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    discover: bool = True,
) -> Settings:
    """The validated settings (see :func:`read_settings`)."""
    return read_settings(path, env=env, overrides=overrides, discover=discover).settings
