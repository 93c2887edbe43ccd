"""The README's example runs as written and prints what it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs(tmp_path: Path) -> None:
    match = re.search(r"```python\n(.*?)```", README.read_text(), re.S)
    assert match is not None
    script = tmp_path / "example.py"
    script.write_text(match.group(1))
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    assert out[0] == (
        "[{'account_id': 'home', 'is_active': True},"
        " {'account_id': 'work', 'label': 'Work', 'is_active': False}]"
    )
    assert "'requests': 2, 'successes': 1, 'failures': 1" in out[1]
    assert "'request_count': 2, 'input_tokens': 200, 'output_tokens': 30" in out[2]
