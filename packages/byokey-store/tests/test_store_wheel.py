"""The wheel ships the migration scripts, so opening a store works without the source tree."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from byokey_store._migrate import MIGRATIONS_DIR
from tests._workspace import ROOT, clean_env, uv_command

pytestmark = pytest.mark.slow


def test_wheel_contains_every_migration(tmp_path: Path) -> None:
    subprocess.run(
        [
            *uv_command(),
            "build",
            "--package",
            "byokey-store",
            "--wheel",
            "--out-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    [wheel] = tmp_path.glob("byokey_store-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    scripts = sorted(MIGRATIONS_DIR.glob("versions/*.py"))
    assert len(scripts) >= 6
    for script in [MIGRATIONS_DIR / "env.py", *scripts]:
        arcname = f"byokey_store/{script.relative_to(MIGRATIONS_DIR.parent)}"
        assert arcname in names, arcname
        assert zipfile.ZipFile(wheel).read(arcname) == script.read_bytes()
    assert not any(n.endswith("alembic.ini") for n in names)
