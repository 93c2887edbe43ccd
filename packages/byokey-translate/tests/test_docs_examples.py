"""The examples in docs/translate.md and the package README run, as written."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

import byokey_translate

ROOT = Path(__file__).resolve().parents[3]
DOCS = [ROOT / "docs" / "translate.md", ROOT / "packages" / "byokey-translate" / "README.md"]
_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for n, block in enumerate(_BLOCK.findall(doc.read_text(encoding="utf-8"))):
            found.append((f"{doc.name}#{n}", block))
    return found


EXAMPLES = _examples()


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize(("name", "code"), EXAMPLES, ids=[name for name, _ in EXAMPLES])
def test_example_runs(name: str, code: str) -> None:
    exec(compile(code, name, "exec"), {"__name__": "__doc_example__"})


def test_module_doctest() -> None:
    result = doctest.testmod(byokey_translate, raise_on_error=False)
    assert result.attempted > 0 and result.failed == 0
