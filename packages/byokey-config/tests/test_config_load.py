"""Loading: defaults, file formats, environment and override precedence, key case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from byokey_config import (
    LogFormat,
    RoutingStrategy,
    Settings,
    SettingsError,
    default_config_path,
    load_settings,
    read_settings,
)
from byokey_types import ProviderId

EXAMPLE_YAML = """\
port: 8018
host: 127.0.0.1
proxy_url: socks5://127.0.0.1:1080
providers:
  claude:
    api_keys:
      - api_key: sk-ant-one
        label: team-a
      - api_key: sk-ant-two
        base_url: https://relay.example.com
    routing: priority
  gemini:
    fallback: copilot
  codex:
    enabled: false
model_alias:
  claude:
    - name: claude-sonnet-4-5-20250929
      alias: cs45
      fork: true
excluded_models:
  claude: ["claude-3-*", "*-thinking"]
payload:
  default:
    - models: ["gemini-*"]
      params: {"generationConfig.thinkingConfig.thinkingBudget": 32768}
  override:
    - models: ["gpt-*"]
      params: {"reasoning.effort": "high"}
  filter:
    - models: ["gemini-*"]
      params: ["generationConfig.responseJsonSchema"]
amp:
  port: 18018
  upstream_key: amp-shared-key
  settings:
    "amp.anthropic.effort": high
    "Amp.MixedCase.Key": 1
log: {format: json, level: debug}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file() -> None:
    s = load_settings(env={})
    assert s == Settings()
    assert (s.port, s.host, s.amp.port) == (8018, "127.0.0.1", 18018)
    assert (
        s.streaming.keepalive_seconds,
        s.streaming.bootstrap_retries,
        s.streaming.nonstream_keepalive_interval,
    ) == (15, 1, 30)
    assert (s.log.format, s.log.level, s.log.file) == (LogFormat.TEXT, "info", None)
    assert s.provider("claude").enabled is True
    assert s.routing_for(ProviderId.CLAUDE) is RoutingStrategy.ROUND_ROBIN


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.yaml", ""),
        ("blank.yaml", "  \n# only a comment\n"),
        ("e.json", "{}"),
        ("b.json", " \n"),
    ],
)
def test_empty_files_are_defaults(tmp_path: Path, name: str, text: str) -> None:
    assert load_settings(write(tmp_path / name, text), env={}) == Settings()


def test_spec_example_yaml(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path / "settings.yaml", EXAMPLE_YAML), env={})
    claude = s.provider("claude")
    assert claude.routing is RoutingStrategy.PRIORITY
    assert [k.label for k in claude.api_keys] == ["team-a", None]
    assert [k.base_url for k in claude.effective_keys()] == [None, "https://relay.example.com"]
    assert s.provider("gemini").fallback is ProviderId.COPILOT
    assert s.provider("codex").enabled is False
    assert s.resolve_alias("cs45") == "claude-sonnet-4-5-20250929"
    assert s.is_model_excluded("claude", "claude-3-opus")
    assert not s.is_model_excluded("claude", "claude-opus-4-5")
    assert s.payload.default[0].params == {"generationConfig.thinkingConfig.thinkingBudget": 32768}
    assert dict(s.amp.settings) == {"amp.anthropic.effort": "high", "Amp.MixedCase.Key": 1}
    assert s.amp.upstream_key == "amp-shared-key"
    assert s.log.format is LogFormat.JSON


def test_format_is_chosen_by_extension_only(tmp_path: Path) -> None:
    yaml_text = "port: 9001\namp: {port: 19001}\n"
    for name in ("cfg", "cfg.yml", "cfg.conf", "cfg.JSON", "cfg.yaml"):
        assert load_settings(write(tmp_path / name, yaml_text), env={}).port == 9001
    # JSON content under a YAML name still loads (YAML accepts it) ...
    assert load_settings(write(tmp_path / "j.yaml", '{"port": 9002}'), env={}).port == 9002
    # ... but YAML content under .json does not.
    with pytest.raises(SettingsError, match=r"j2\.json.*invalid JSON at line 1"):
        load_settings(write(tmp_path / "j2.json", yaml_text), env={})


def test_yaml_uses_yaml_1_2_scalars(tmp_path: Path) -> None:
    text = "amp:\n  settings:\n    a: yes\n    b: 0755\n    c: 2024-01-01\n    d: 1:30\n"
    s = load_settings(write(tmp_path / "s.yaml", text), env={})
    assert dict(s.amp.settings) == {"a": "yes", "b": 755, "c": "2024-01-01", "d": "1:30"}


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", "port: 1\nproviders: [\n")
    with pytest.raises(SettingsError) as info:
        load_settings(path, env={})
    assert str(path) in str(info.value)
    assert "invalid YAML" in str(info.value)
    assert "line" in str(info.value)


def test_missing_explicit_file_is_defaults_with_warning(tmp_path: Path) -> None:
    result = read_settings(tmp_path / "nope.yaml", env={})
    assert result.settings == Settings()
    assert not result.file_found
    assert any("does not exist" in w for w in result.warnings)


def test_default_path_is_discovered_from_home(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    assert default_config_path(env) == tmp_path / ".config/byokey/settings.json"
    assert read_settings(env=env).path is None
    default_config_path(env).parent.mkdir(parents=True)
    default_config_path(env).write_text(json.dumps({"port": 9100}))
    result = read_settings(env=env)
    assert result.file_found
    assert result.settings.port == 9100
    assert load_settings(env=env, discover=False).port == 8018


def test_relative_path_is_resolved_against_cwd_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "cfg.yaml", "port: 9200\n")
    child = tmp_path / "child"
    child.mkdir()
    monkeypatch.chdir(child)
    result = read_settings("cfg.yaml", env={})
    assert not result.file_found  # the original would have found the parent's file
    monkeypatch.chdir(tmp_path)
    assert load_settings("cfg.yaml", env={}).port == 9200


def test_env_beats_file_and_overrides_beat_env(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", EXAMPLE_YAML)
    env = {
        "BYOKEY_PORT": "7777",
        "BYOKEY_AMP__PORT": "19000",
        "BYOKEY_PROVIDERS__CLAUDE__ENABLED": "false",
        "BYOKEY_LOG__LEVEL": "warn",
    }
    s = load_settings(path, env=env)
    assert (s.port, s.amp.port) == (7777, 19000)
    assert s.provider("claude").enabled is False
    # the env layer merges into the file's entry instead of replacing it
    assert s.provider("claude").routing is RoutingStrategy.PRIORITY
    assert len(s.provider("claude").api_keys) == 2
    assert s.log.level == "warn"
    assert s.log.format is LogFormat.JSON
    s2 = load_settings(path, env=env, overrides={"port": 9999, "host": None, "log.file": "x.log"})
    assert (s2.port, s2.host, s2.log.file) == (9999, "127.0.0.1", "x.log")


def test_env_only_provider_and_alias_keys_normalise() -> None:
    env = {
        "BYOKEY_PROVIDERS__CODEX__API_KEY": "sk-env-codex",
        "BYOKEY_PROVIDERS__I_FLOW__ENABLED": "false",
        "BYOKEY_PROVIDERS__ANTHROPIC__BASE_URL": "http://127.0.0.1:9",
    }
    s = load_settings(env=env)
    assert set(s.providers) == {ProviderId.CODEX, ProviderId.IFLOW, ProviderId.CLAUDE}
    assert s.provider("codex").api_key == "sk-env-codex"
    assert s.provider("iflow").enabled is False
    assert s.provider("claude").base_url == "http://127.0.0.1:9"


def test_env_values_are_typed_and_lists_parse() -> None:
    env = {
        "BYOKEY_API_KEYS": '["client-a", "client-b"]',
        "BYOKEY_PROVIDERS__CLAUDE__API_KEY": "12345678",
        "BYOKEY_ENDPOINTS__CLAUDE_TOKEN": "http://127.0.0.1:5/token",
        "BYOKEY_DUMP": "/tmp/dumps",
        "BYOKEY_WORKERS": "2",
    }
    result = read_settings(env=env)
    assert result.settings.api_keys == ("client-a", "client-b")
    assert result.settings.provider("claude").api_key == "12345678"
    assert result.settings.endpoint("claude_token") == "http://127.0.0.1:5/token"
    assert result.warnings == ()  # BYOKEY_DUMP and BYOKEY_WORKERS are not settings keys


def test_env_free_form_maps_keep_case_when_given_whole() -> None:
    """dynaconf upper-cases ``__`` path segments, never the keys inside a value."""
    env = {
        "BYOKEY_AMP__SETTINGS": '@json {"amp.url": "http://127.0.0.1:1", "Amp.Mixed": 1}',
        "BYOKEY_PAYLOAD__OVERRIDE": '@json [{"models": ["*"], "params": {"reasoning.Effort": 1}}]',
        "BYOKEY_OPENAI_COMPATIBLE": '[{name = "o", base_url = "u", headers = {"X-Title" = "t"}}]',
    }
    s = load_settings(env=env)
    assert dict(s.amp.settings) == {"amp.url": "http://127.0.0.1:1", "Amp.Mixed": 1}
    assert dict(s.payload.override[0].params) == {"reasoning.Effort": 1}
    assert dict(s.openai_compatible[0].headers) == {"X-Title": "t"}
    assert s.amp_url() == "http://127.0.0.1:1"


@pytest.mark.parametrize("key", ["@int 5", "@json [1]", "@format {this}", "@del", "@merge a=1"])
def test_file_values_starting_with_at_survive(tmp_path: Path, key: str) -> None:
    path = write(tmp_path / "s.json", json.dumps({"providers": {"claude": {"api_key": key}}}))
    assert load_settings(path, env={}).provider("claude").api_key == key


@pytest.mark.parametrize("spelling", ["iflow", "i_flow", "IFlow", "I_FLOW", "glm", "zai"])
def test_provider_keys_accept_aliases_case_insensitively(tmp_path: Path, spelling: str) -> None:
    path = write(tmp_path / "s.yaml", f"providers:\n  {spelling}:\n    enabled: false\n")
    s = load_settings(path, env={})
    assert list(s.providers) == [ProviderId.IFLOW]
    assert s.provider("iflow").enabled is False


def test_alias_and_canonical_in_one_file_merge(tmp_path: Path) -> None:
    text = "providers:\n  openai: {api_key: sk-1}\n  codex: {enabled: false}\n"
    s = load_settings(write(tmp_path / "s.yaml", text), env={})
    assert s.provider("codex").api_key == "sk-1"
    assert s.provider("codex").enabled is False


def test_schema_keys_match_case_insensitively_but_free_form_keys_do_not(tmp_path: Path) -> None:
    text = 'PORT: 9300\nAmp:\n  Settings:\n    "amp.URL": x\n'
    s = load_settings(write(tmp_path / "s.yaml", text), env={})
    assert s.port == 9300
    assert dict(s.amp.settings) == {"amp.URL": "x"}


def test_null_means_default(tmp_path: Path) -> None:
    text = "port: null\nproxy_url: null\nproviders: {claude: {enabled: null, api_key: null}}\n"
    s = load_settings(write(tmp_path / "s.yaml", text), env={})
    assert s.port == 8018
    assert s.proxy_url is None
    assert s.provider("claude") == Settings().provider("claude")


def test_unknown_keys_warn_but_load(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = "tls: {cert: x}\namp: {hide_free_tier: true}\nproviders: {claude: {colour: red}}\n"
    result = read_settings(write(tmp_path / "s.yaml", text), env={"BYOKEY_NOPE": "1"})
    assert result.settings == Settings(providers=result.settings.providers)
    assert set(result.warnings) == {
        "tls: unknown key ignored",
        "amp.hide_free_tier: unknown key ignored",
        "providers.claude.colour: unknown key ignored",
        "NOPE: unknown key ignored (from the environment)",
    }
    assert "tls: unknown key ignored" in caplog.text


def test_openai_compatible_entries(tmp_path: Path) -> None:
    text = """\
openai_compatible:
  - name: openrouter
    base_url: https://openrouter.ai/api/v1
    api_keys: [sk-or-1, {api_key: sk-or-2, label: backup}]
    prefix: or
    headers: {HTTP-Referer: https://example.com}
    models:
      - anthropic/claude-sonnet-4
      - {name: meta-llama/llama-3.1-8b-instruct, alias: llama8b}
  - name: ollama
    base_url: http://127.0.0.1:11434/v1
    models: [qwen3:8b]
"""
    s = load_settings(write(tmp_path / "s.yaml", text), env={})
    router = s.openai_compatible_named("openrouter")
    assert router is not None
    assert [k.api_key for k in router.effective_keys()] == ["sk-or-1", "sk-or-2"]
    assert router.client_model_names() == ("or/anthropic/claude-sonnet-4", "or/llama8b")
    assert router.upstream_model("or/llama8b") == "meta-llama/llama-3.1-8b-instruct"
    assert router.upstream_model("llama8b") is None
    assert dict(router.headers) == {"HTTP-Referer": "https://example.com"}
    ollama = s.openai_compatible_named("ollama")
    assert ollama is not None
    assert ollama.upstream_model("qwen3:8b") == "qwen3:8b"
    assert "sk-or-1" not in repr(s)


def test_settings_are_immutable() -> None:
    s = load_settings(env={"BYOKEY_PROVIDERS__CLAUDE__API_KEY": "sk-x"})
    with pytest.raises(AttributeError):
        s.port = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.providers[ProviderId.CODEX] = s.provider("claude")  # type: ignore[index]
