"""Validation: each bad value is named with its path, value and expectation; all at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from byokey_config import SettingsError, load_settings
from byokey_types import ConfigError


def load_json(tmp_path: Path, tree: Any) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(tree), encoding="utf-8")
    load_settings(path, env={})


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({"port": "abc"}, "port: 'abc' is not an integer"),
        ({"port": 70000}, "port: 70000 is out of range 0..65535"),
        ({"port": -1}, "port: -1 is out of range 0..65535"),
        ({"port": True}, "port: true is not an integer"),
        (
            {"providers": {"claude": {"enabled": "yes"}}},
            "providers.claude.enabled: 'yes' is not a boolean",
        ),
        ({"providers": []}, "providers: [] is not a mapping"),
        (
            {"providers": {"claude": {"routing": "fastest"}}},
            "providers.claude.routing: 'fastest' is not one of round_robin, priority, weighted",
        ),
        ({"log": {"format": "JSON"}}, "log.format: 'JSON' is not one of text, json"),
        ({"providers": {"openai2": {}}}, "providers.openai2: 'openai2' is not a provider"),
        ({"model_alias": {"nope": []}}, "model_alias.nope: 'nope' is not a provider"),
        (
            {"providers": {"gemini": {"backend": "nope"}}},
            "providers.gemini.backend: 'nope' is not a provider",
        ),
        (
            {"providers": {"claude": {"api_keys": [{"label": "x"}]}}},
            "providers.claude.api_keys[0].api_key: is required",
        ),
        ({"model_alias": {"claude": [{"name": "x"}]}}, "model_alias.claude[0].alias: is required"),
        ({"payload": {"default": [{"models": ["*"]}]}}, "payload.default[0].params: is required"),
        (
            {"payload": {"filter": [{"models": "*", "params": []}]}},
            "payload.filter[0].models: '*' is not a list",
        ),
        (
            {"streaming": {"keepalive_seconds": -5}},
            "streaming.keepalive_seconds: -5 is less than 0",
        ),
        ({"amp": {"settings": {"1": 2}, "port": 1.5}}, "amp.port: 1.5 is not an integer"),
        ({"openai_compatible": [{"name": "x"}]}, "openai_compatible[0].base_url: is required"),
        (
            {"openai_compatible": [{"name": "a", "base_url": "u"}, {"name": "a", "base_url": "v"}]},
            "openai_compatible[1].name: 'a' is already used by openai_compatible[0]",
        ),
        ({"endpoints": {"claude_api": True}}, "endpoints.claude_api: true is not a string"),
        ({"api_keys": "single"}, "api_keys: is not a list (got a string; value hidden)"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, tree: Any, expected: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_json(tmp_path, tree)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems
    assert isinstance(info.value, ConfigError)
    assert str(tmp_path / "settings.json") in str(info.value)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(SettingsError, match=r"\(top level\): \[\"a\", \"b\"\] is not a mapping"):
        load_settings(path, env={})


def test_every_problem_is_reported_in_one_error(tmp_path: Path) -> None:
    tree = {
        "port": "abc",
        "log": {"format": "xml"},
        "providers": {"claude": {"routing": "fastest", "enabled": 3}, "bogus": {}},
    }
    with pytest.raises(SettingsError) as info:
        load_json(tmp_path, tree)
    assert len(info.value.problems) == 5
    text = str(info.value)
    assert "5 problems" in text
    for fragment in (
        "port:",
        "log.format:",
        "providers.claude.routing:",
        "providers.claude.enabled:",
        "providers.bogus:",
    ):
        assert fragment in text


def test_env_errors_say_where_they_came_from(tmp_path: Path) -> None:
    with pytest.raises(
        SettingsError, match=r"port: 'x' is not an integer \(from the environment\)"
    ):
        load_settings(env={"BYOKEY_PORT": '"x"'})


@pytest.mark.parametrize(
    "tree",
    [
        {"providers": {"claude": {"api_key": ["sk-ant-SECRETSECRETSECRET"]}}},
        {"providers": {"claude": {"api_keys": [{"api_key": {"v": "sk-ant-SECRETSECRETSECRET"}}]}}},
        {"amp": {"upstream_key": ["SECRETSECRETSECRET"]}},
        {"api_keys": [["SECRETSECRETSECRET"]]},
        {
            "openai_compatible": [
                {"name": "x", "base_url": "u", "headers": {"Authorization": ["SECRETSECRETSECRET"]}}
            ]
        },
    ],
)
def test_secrets_never_appear_in_errors(tmp_path: Path, tree: Any) -> None:
    with pytest.raises(SettingsError) as info:
        load_json(tmp_path, tree)
    assert "SECRET" not in str(info.value)
    assert "SECRET" not in repr(info.value)
    assert "value hidden" in str(info.value)


def test_accepted_oddities(tmp_path: Path) -> None:
    """Structure is validated, semantics are not (as in the original)."""
    tree = {
        "port": 0,
        "host": "not a host",
        "providers": {"gemini": {"backend": "gemini", "base_url": "::"}},
    }
    load_json(tmp_path, tree)
