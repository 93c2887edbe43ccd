"""``byokey amp inject``: merging, key order, URL precedence, never losing a file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from hypothesis import given
from hypothesis import strategies as st

from byokey_cli._amp_settings import merge_settings, parse_settings, render_settings

Invoke = Callable[..., Result]


def _amp_file(home: Path) -> Path:
    return home / ".config" / "amp" / "settings.json"


def _byokey_config(home: Path, data: object) -> None:
    path = home / ".config" / "byokey" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)


def test_no_target_file(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("amp", "inject")
    assert result.exit_code == 0, result.output
    target = _amp_file(tmp_home)
    assert result.stdout == (f"amp.url set to http://127.0.0.1:18018\nconfig: {target}\n")
    assert target.read_text() == '{\n  "amp.url": "http://127.0.0.1:18018"\n}\n'


def test_spec_example_merges_and_keeps_existing_order(invoke: Invoke, tmp_home: Path) -> None:
    target = _amp_file(tmp_home)
    target.parent.mkdir(parents=True)
    target.write_text('{"amp.zeta": 1, "amp.theme": "dark", "amp.url": "old"}')
    _byokey_config(tmp_home, {"amp": {"settings": {"amp.anthropic.effort": "high"}}})
    result = invoke("amp", "inject")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "amp.url set to http://127.0.0.1:18018",
        "merged 1 extra setting(s) from byokey config",
        f"config: {target}",
    ]
    text = target.read_text()
    assert text.endswith("}\n")
    assert list(json.loads(text)) == ["amp.zeta", "amp.theme", "amp.url", "amp.anthropic.effort"]
    assert json.loads(text)["amp.url"] == "http://127.0.0.1:18018"


def test_url_precedence(invoke: Invoke, tmp_home: Path) -> None:
    _byokey_config(
        tmp_home, {"host": "0.0.0.0", "amp": {"port": 19000, "settings": {"amp.url": "http://cfg"}}}
    )
    assert "http://flag" in invoke("amp", "inject", "--url", "http://flag").stdout
    assert "set to http://cfg\n" in invoke("amp", "inject").stdout
    # amp.url itself does not count as an extra setting.
    assert "merged" not in invoke("amp", "inject").stdout
    _byokey_config(
        tmp_home, {"host": "0.0.0.0", "amp": {"port": 19000, "settings": {"amp.url": 5}}}
    )
    result = invoke("amp", "inject")
    assert "amp.url set to http://0.0.0.0:19000" in result.stdout
    assert json.loads(_amp_file(tmp_home).read_text())["amp.url"] == "http://0.0.0.0:19000"


def test_unparseable_target_is_backed_up_not_lost(invoke: Invoke, tmp_home: Path) -> None:
    target = _amp_file(tmp_home)
    target.parent.mkdir(parents=True)
    for number, content in enumerate(["[1, 2]", "{broken", ""]):
        target.write_text(content)
        result = invoke("amp", "inject")
        assert result.exit_code == 0
        backup = target.with_name("settings.json.bak" + (f".{number}" if number else ""))
        assert backup.read_text() == content
        assert f"backed up to {backup}" in result.stderr
        assert json.loads(target.read_text()) == {"amp.url": "http://127.0.0.1:18018"}


def test_non_utf8_target_is_backed_up(invoke: Invoke, tmp_home: Path) -> None:
    target = _amp_file(tmp_home)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\xff\xfe{}")
    result = invoke("amp", "inject")
    assert result.exit_code == 0
    assert target.with_name("settings.json.bak").read_bytes() == b"\xff\xfe{}"
    assert "not UTF-8" in result.stderr


def test_existing_file_mode_is_kept(invoke: Invoke, tmp_home: Path) -> None:
    target = _amp_file(tmp_home)
    target.parent.mkdir(parents=True)
    target.write_text("{}")
    target.chmod(0o640)
    invoke("amp", "inject")
    assert target.stat().st_mode & 0o777 == 0o640


def test_broken_byokey_config_warns_and_uses_defaults(invoke: Invoke, tmp_home: Path) -> None:
    _byokey_config(tmp_home, '{"port": "abc"')
    result = invoke("amp", "inject")
    assert result.exit_code == 0
    config = tmp_home / ".config" / "byokey" / "settings.json"
    assert result.stderr.startswith(f"warning: failed to load byokey config at {config}: ")
    assert "amp.url set to http://127.0.0.1:18018" in result.stdout


def test_without_home(invoke: Invoke, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.delenv("HOME")
    result = invoke("amp", "inject")
    assert result.exit_code == 1
    assert result.stderr == "Error: cannot determine HOME directory\n"


_keys = st.text(min_size=1, max_size=8)
_values = st.one_of(st.integers(), st.text(max_size=8), st.booleans(), st.none())


@given(
    current=st.dictionaries(_keys, _values, max_size=6),
    extras=st.dictionaries(_keys, _values, max_size=4),
)
def test_merge_properties(current: dict[str, object], extras: dict[str, object]) -> None:
    merged = merge_settings(current, extras, "http://u")
    # Existing keys first, in their order; then the new ones; extras win; url last word.
    assert list(merged)[: len(current)] == list(current)
    assert merged["amp.url"] == "http://u"
    for key, value in extras.items():
        if key != "amp.url":
            assert merged[key] == value
    for key, value in current.items():
        if key not in extras and key != "amp.url":
            assert merged[key] == value
    # What we write parses back to the same object.
    assert parse_settings(render_settings(merged).encode()).data == merged
