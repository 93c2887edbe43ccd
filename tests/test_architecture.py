"""The architecture contract: declared dependencies and actual imports follow the DAG."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests._workspace import DAG, MODULES, ROOT, clean_env, load_toml, member_dirs

LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def _workspace_deps(pyproject: Path) -> set[str]:
    deps = load_toml(pyproject)["project"].get("dependencies", [])
    names = {re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0] for d in deps}
    return {n for n in names if n in DAG}


def test_every_member_exists_with_its_layout() -> None:
    members = member_dirs()
    assert set(members) == set(DAG)
    for name, path in members.items():
        module = MODULES[name]
        assert (path / "src" / module / "__init__.py").is_file(), name
        assert (path / "src" / module / "py.typed").is_file(), name
        assert (path / "README.md").is_file(), name
        assert (path / "CHANGELOG.md").is_file(), name
        assert any((path / "tests").glob("test_*.py")), name


@pytest.mark.parametrize("name", sorted(DAG))
def test_declared_workspace_deps_are_exactly_the_dag(name: str) -> None:
    path = member_dirs()[name]
    assert _workspace_deps(path / "pyproject.toml") == DAG[name]
    sources = load_toml(path / "pyproject.toml").get("tool", {}).get("uv", {}).get("sources", {})
    assert set(sources) == DAG[name], "every workspace dependency needs a workspace source"


def test_the_real_tree_keeps_every_contract() -> None:
    out = subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, env=clean_env()
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def _fixture_tree(tmp_path: Path) -> Path:
    """Stub packages with the workspace's module names, and a copy of the contracts."""
    for module in MODULES.values():
        (tmp_path / module).mkdir()
        (tmp_path / module / "__init__.py").write_text("")
    contracts = (ROOT / "pyproject.toml").read_text()
    start = contracts.index("[tool.importlinter]")
    (tmp_path / "contracts.toml").write_text(contracts[start:])
    return tmp_path


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--config", "contracts.toml"],
        cwd=tree,
        capture_output=True,
        text=True,
        env=clean_env(PYTHONPATH=str(tree)),
    )


def test_clean_fixture_passes(tmp_path: Path) -> None:
    out = _lint(_fixture_tree(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("byokey_translate", "byokey_auth"),
        ("byokey_auth", "byokey_translate"),
        ("byokey_auth", "byokey_provider"),
        ("byokey_types", "byokey_config"),
        ("byokey_config", "byokey_store"),
        ("byokey_store", "byokey_auth"),
        ("byokey_translate", "byokey_config"),
        ("byokey_daemon", "byokey_types"),
        ("byokey_provider", "byokey_proxy"),
        ("byokey_proxy", "byokey_cli"),
        ("byokey_proxy", "byokey_daemon"),
    ],
)
def test_a_forbidden_import_breaks_the_contract(
    tmp_path: Path, importer: str, imported: str
) -> None:
    tree = _fixture_tree(tmp_path)
    (tree / importer / "sneaky.py").write_text(f"import {imported}\n")
    out = _lint(tree)
    assert out.returncode != 0
    assert "BROKEN" in out.stdout
    assert f"{importer}.sneaky -> {imported}" in out.stdout


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("byokey_cli", "byokey_daemon"),
        ("byokey_proxy", "byokey_provider"),
        ("byokey_provider", "byokey_translate"),
        ("byokey_auth", "byokey_store"),
        ("byokey_translate", "byokey_types"),
    ],
)
def test_an_allowed_import_keeps_it(tmp_path: Path, importer: str, imported: str) -> None:
    tree = _fixture_tree(tmp_path)
    (tree / importer / "fine.py").write_text(f"import {imported}\n")
    out = _lint(tree)
    assert out.returncode == 0, out.stdout
