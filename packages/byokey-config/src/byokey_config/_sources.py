"""Where raw settings come from: the file, the environment, command-line overrides.

The file is parsed here, not by dynaconf: dynaconf picks the parser from a
fixed list of extensions (and ignores unknown ones), and it rewrites string
values that start with its ``@`` converter tokens, which would corrupt an API
key that happens to start with ``@``. dynaconf does the environment layer,
which is what it is good at: ``BYOKEY_`` prefix, ``__`` nesting and typed values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dynaconf import Dynaconf  # type: ignore[import-untyped,unused-ignore]
from dynaconf.utils.parse_conf import (  # type: ignore[import-untyped,unused-ignore]
    boolean_fix,
    parse_conf_data,
)

from byokey_config._errors import SettingsError
from byokey_config._yaml import YamlError, parse_yaml
from byokey_types import ConfigError

__all__ = [
    "ENV_PREFIX",
    "NON_CONFIG_ENV_KEYS",
    "default_config_path",
    "env_layer",
    "overrides_layer",
    "read_settings_file",
    "resolve_config_path",
]

ENV_PREFIX = "BYOKEY_"
NON_CONFIG_ENV_KEYS = frozenset({"DUMP", "WORKERS"})
"""``BYOKEY_*`` variables that belong to other parts of byokey, not to settings."""


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``$HOME/.config/byokey/settings.json``, from ``HOME`` at call time."""
    environ = os.environ if env is None else env
    home = environ.get("HOME")
    if not home:
        raise ConfigError("cannot determine home directory")
    return Path(home) / ".config" / "byokey" / "settings.json"


def resolve_config_path(path: str | os.PathLike[str] | None, env: Mapping[str, str]) -> Path | None:
    """The file to use: ``path`` (relative to the CWD only), else the default if it exists.

    Without ``HOME`` there is no default file to discover.

    The original also searched every parent directory for a relative path; the
    port does not, because a stray file higher up should not change behaviour.
    """
    if path is not None:
        return Path(path).expanduser().absolute()
    if not env.get("HOME"):
        return None
    default = default_config_path(env)
    return default if default.is_file() else None


def read_settings_file(path: Path) -> Any:
    """The parsed tree of ``path``: JSON when the suffix is exactly ``.json``, else YAML.

    An empty or blank file is ``{}``. Raises :class:`SettingsError` naming the file.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(
            [f"cannot read file: {exc.strerror or exc}"], source=str(path)
        ) from None
    except UnicodeDecodeError as exc:
        raise SettingsError([f"file is not UTF-8 ({exc.reason})"], source=str(path)) from None
    if not text.strip():
        return {}
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problem = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            raise SettingsError([problem], source=str(path)) from None
    try:
        tree = parse_yaml(text)
    except YamlError as exc:
        raise SettingsError([f"invalid YAML: {_yaml_problem(exc)}"], source=str(path)) from None
    return {} if tree is None else tree


def _yaml_problem(exc: Exception) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"{problem} at line {mark.line + 1} column {mark.column + 1}"
    return str(problem)


def env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    """The ``BYOKEY_*`` variables as a nested tree (keys upper-cased, as dynaconf does).

    ``BYOKEY_PROVIDERS__CLAUDE__API_KEY=x`` becomes
    ``{"PROVIDERS": {"CLAUDE": {"API_KEY": "x"}}}``; values are parsed
    (``"false"`` is a bool, ``"7777"`` an int, ``'["a", "b"]'`` a list).
    """
    holder = Dynaconf(
        envvar_prefix=False,
        environments=False,
        load_dotenv=False,
        settings_files=[],
        core_loaders=[],
        loaders=[],
    )
    data: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :].upper()
        if key.split("__", 1)[0] in NON_CONFIG_ENV_KEYS:
            continue
        data[key] = parse_conf_data(boolean_fix(raw), tomlfy=True, box_settings=holder)
    if not data:
        return {}
    holder.update(data)
    top_keys = {key.split("__", 1)[0] for key in data}
    return {key: _plain(holder.get(key)) for key in top_keys}


def overrides_layer(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted keys (``{"log.file": "x", "port": 9000}``) as a nested tree; None skipped."""
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        node = tree
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return tree


def _plain(value: Any) -> Any:
    """dynaconf's Box/BoxList turned into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
