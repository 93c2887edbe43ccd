"""Facts about the workspace that the root tests share."""

from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# The layered DAG of ARCHITECTURE.md: each distribution and the workspace packages it may use.
DAG: dict[str, set[str]] = {
    "byokey-types": set(),
    "byokey-config": {"byokey-types"},
    "byokey-store": {"byokey-types"},
    "byokey-auth": {"byokey-types", "byokey-store", "byokey-config"},
    "byokey-translate": {"byokey-types"},
    "byokey-provider": {
        "byokey-types",
        "byokey-config",
        "byokey-auth",
        "byokey-translate",
        "byokey-store",
    },
    "byokey-proxy": {
        "byokey-types",
        "byokey-config",
        "byokey-auth",
        "byokey-provider",
        "byokey-translate",
        "byokey-store",
    },
    "byokey-daemon": set(),
    "byokey": {
        "byokey-types",
        "byokey-config",
        "byokey-store",
        "byokey-auth",
        "byokey-translate",
        "byokey-provider",
        "byokey-proxy",
        "byokey-daemon",
    },
}

MODULES: dict[str, str] = {
    name: "byokey_cli" if name == "byokey" else name.replace("-", "_") for name in DAG
}


def member_dirs() -> dict[str, Path]:
    """Distribution name -> its directory, read from the members' pyproject files."""
    found: dict[str, Path] = {}
    for pyproject in sorted(
        [*ROOT.glob("packages/*/pyproject.toml"), *ROOT.glob("apps/*/pyproject.toml")]
    ):
        found[load_toml(pyproject)["project"]["name"]] = pyproject.parent
    return found


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def uv_command() -> list[str]:
    """How to call uv here: on PATH, or as the module pip installed into the base Python."""
    exe = shutil.which("uv")
    if exe:
        return [exe]
    base = Path(sys.base_prefix) / "bin" / "python3"
    return [str(base), "-m", "uv"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.update(extra)
    return env
