"""Distribution: every member builds a wheel, and byokey-translate installs on its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests._workspace import DAG, ROOT, clean_env, uv_command

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out_dir = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [*uv_command(), "build", "--all-packages", "--wheel", "--out-dir", str(out_dir)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    found: dict[str, Path] = {}
    for whl in out_dir.glob("*.whl"):
        dist = whl.name.split("-")[0].replace("_", "-")
        found[dist] = whl
    return found


def test_nine_wheels(wheels: dict[str, Path]) -> None:
    assert set(wheels) == set(DAG)
    assert len(wheels) == 9


def test_wheels_ship_type_information(wheels: dict[str, Path]) -> None:
    import zipfile

    for dist, whl in wheels.items():
        module = "byokey_cli" if dist == "byokey" else dist.replace("-", "_")
        names = zipfile.ZipFile(whl).namelist()
        assert f"{module}/py.typed" in names, dist


def test_translate_installs_alone(wheels: dict[str, Path], tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    uv = uv_command()
    env = clean_env()
    subprocess.run([*uv, "venv", "--quiet", "--python", "python3", str(venv)], check=True, env=env)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            *uv,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(python),
            str(wheels["byokey-types"]),
            str(wheels["byokey-translate"]),
        ],
        check=True,
        env=env,
    )
    freeze = subprocess.run(
        [*uv, "pip", "freeze", "--python", str(python)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    installed = {
        line.split("==")[0].split(" @ ")[0].lower() for line in freeze.splitlines() if line
    }
    assert installed == {"byokey-types", "byokey-translate", "orjson"}
    probe = (
        "import importlib.util, byokey_translate, byokey_types;"
        "assert importlib.util.find_spec('byokey_config') is None;"
        "assert importlib.util.find_spec('byokey_auth') is None;"
        "print(byokey_translate.__version__)"
    )
    out = subprocess.run(
        [str(python), "-c", probe], check=True, capture_output=True, text=True, env=env
    )
    assert out.stdout.strip() == "0.1.0"
