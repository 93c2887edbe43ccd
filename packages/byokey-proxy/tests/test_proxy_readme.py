"""The README's examples run as written and print what they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[1] / "README.md"


EXPECTED = [["model"], ["hi", "1"]]
"""What each ``python`` block of the README prints, in order."""


def test_readme_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert len(blocks) == len(EXPECTED)
    for block, expected in zip(blocks, EXPECTED, strict=True):
        done = subprocess.run(
            [sys.executable, "-c", block],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == expected
