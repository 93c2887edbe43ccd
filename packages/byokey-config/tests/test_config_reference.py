"""The reference documentation and the README agree with the schema and run as written."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import pytest

from byokey_config import (
    ENDPOINT_DEFAULTS,
    STARTUP_ENDPOINTS,
    Settings,
    SettingsError,
    changed_restart_keys,
    load_settings,
    read_settings,
    reload_mode,
)
from byokey_types import ProviderId

PACKAGE = Path(__file__).resolve().parents[1]
DOC = PACKAGE.parents[1] / "docs" / "configuration.md"


def _strip_optional(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def schema_leaves(cls: type, prefix: str = "") -> Iterator[str]:
    """Every settable key path of the schema, with ``*`` for map keys and list items."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        tp = _strip_optional(hints[f.name])
        if get_origin(tp) is Mapping:
            value_tp = _strip_optional(get_args(tp)[1])
            if dataclasses.is_dataclass(value_tp):
                yield from schema_leaves(value_tp, f"{path}.*.")  # type: ignore[arg-type]
            else:
                yield path
        elif get_origin(tp) is tuple:
            item_tp = get_args(tp)[0]
            if dataclasses.is_dataclass(item_tp):
                yield from schema_leaves(item_tp, f"{path}.*.")  # type: ignore[arg-type]
            else:
                yield path
        elif dataclasses.is_dataclass(tp):
            yield from schema_leaves(tp, f"{path}.")  # type: ignore[arg-type]
        else:
            yield path


def yaml_blocks() -> list[str]:
    return [b.split("```", 1)[0] for b in DOC.read_text(encoding="utf-8").split("```yaml\n")[1:]]


def documented_modes() -> dict[str, str]:
    """Key pattern -> ``live``/``restart`` from every table row that states one."""
    modes: dict[str, str] = {}
    in_endpoints = False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            in_endpoints = line == "### `endpoints`"
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        mode = next((c for c in cells[1:] if c in ("live", "restart")), None)
        if mode is None:
            continue
        for key in re.findall(r"`([^`]+)`", cells[0]):
            pattern = key.replace("<id>", "*").replace("[]", ".*")
            modes[f"endpoints.{pattern}" if in_endpoints else pattern] = mode
    return modes


def _covers(pattern: str, key: str) -> bool:
    p, k = pattern.split("."), key.split(".")
    return len(p) <= len(k) and all(a in ("*", b) for a, b in zip(p, k, strict=False))


def test_every_schema_key_has_a_reload_mode() -> None:
    leaves = list(schema_leaves(Settings))
    assert "providers.*.api_keys.*.api_key" in leaves
    assert "auth.clients.*.client_secret" in leaves
    assert "endpoints.versions_base" in leaves
    assert [k for k in leaves if reload_mode(k) is None] == []


def test_reload_modes_of_the_keys_other_packages_read() -> None:
    assert reload_mode("providers.claude.routing") == "live"
    assert reload_mode("providers.*.api_keys.*.base_url") == "live"
    assert reload_mode("providers.iflow.proxy_url") == "restart"
    assert reload_mode("openai_compatible.0.proxy_url") == "restart"
    assert reload_mode("openai_compatible.0.models") == "live"
    assert reload_mode("streaming.keepalive_seconds") == "live"
    assert reload_mode("routing.cooldown_seconds") == "live"
    assert reload_mode("timeouts.stream_idle_seconds") == "restart"
    assert reload_mode("auth.callback_ports") == "restart"
    assert reload_mode("usage.persist") == "restart"
    assert reload_mode("amp.upstream_key") == "live"
    assert reload_mode("amp.port") == "restart"
    assert reload_mode("endpoints.claude_api") == "live"
    assert reload_mode("endpoints.copilot_token_exchange") == "live"
    assert reload_mode("endpoints.claude_token") == "restart"
    assert reload_mode("endpoints.versions_base") == "restart"
    assert reload_mode("no_such_key") is None


def test_docs_state_the_reload_mode_of_every_key() -> None:
    documented = documented_modes()
    wrong = {k: m for k, m in documented.items() if reload_mode(k) != m}
    assert wrong == {}
    for name in ENDPOINT_DEFAULTS:
        expected = "restart" if name in STARTUP_ENDPOINTS else "live"
        assert documented[f"endpoints.{name}"] == expected, name
    for leaf in schema_leaves(Settings):
        rows = [p for p in documented if _covers(p, leaf)]
        assert rows, f"{leaf} has no row in the docs"
        most_specific = max(rows, key=lambda p: p.count("."))
        assert documented[most_specific] == reload_mode(leaf), leaf


def test_complete_example_sets_every_section(tmp_path: Path) -> None:
    path = tmp_path / "complete.yaml"
    path.write_text(yaml_blocks()[-1], encoding="utf-8")
    loaded = read_settings(path, env={})
    assert loaded.warnings == ()
    s = loaded.settings
    defaults = Settings()
    untouched = [
        f.name
        for f in dataclasses.fields(Settings)
        if f.name not in ("host", "port") and getattr(s, f.name) == getattr(defaults, f.name)
    ]
    assert untouched == []
    assert s.auth.callback_ports == {ProviderId.CLAUDE: 54546}
    assert s.auth.client("gemini").client_id == "my-own-client.apps.googleusercontent.com"
    assert s.auth.client("claude").client_id is None
    assert s.auth.kiro_region == "eu-west-1"
    assert (s.usage.enabled, s.usage.persist, s.usage.batch_size) == (True, False, 16)
    assert s.http.impersonate == "chrome131"
    assert s.streaming.keepalive_seconds == 10
    assert s.timeouts.first_byte_seconds == 120.0
    assert s.routing_for("gemini").value == "priority"
    assert s.provider("claude").cloak.sensitive_words == ("byokey",)
    assert s.provider("claude").claude_headers.stabilize_device_profile is True
    assert s.provider("iflow").proxy_url == "http://127.0.0.1:3128"
    upstream = s.openai_compatible_named("ollama")
    assert upstream is not None
    assert upstream.client_model_names() == ("local/qwen3:8b", "local/llama")
    assert upstream.upstream_model("local/llama") == "llama3.1:8b"
    assert s.endpoint_url("credentials_base") == "http://127.0.0.1:8900/oauth"
    assert s.endpoint_url("versions_base") is None  # "" switches the document off
    assert "my-secret" not in repr(s)


def test_empty_endpoint_means_default_except_for_documents() -> None:
    s = load_settings(
        env={"BYOKEY_ENDPOINTS__CLAUDE_API": '""', "BYOKEY_ENDPOINTS__CREDENTIALS_BASE": '""'}
    )
    assert s.endpoint_url("claude_api") == "https://api.anthropic.com"
    assert s.provider_base_url("claude") == "https://api.anthropic.com"
    assert s.endpoint_url("credentials_base") is None
    assert Settings().endpoint_url("kiro_token") is None
    assert Settings().endpoint_url("kiro_social") == "https://prod.us-east-1.auth.desktop.kiro.dev"


def test_restart_keys_inside_maps_and_endpoints() -> None:
    base = Settings()
    cases = {
        "BYOKEY_PROVIDERS__IFLOW__PROXY_URL": ("providers.*.proxy_url",),
        "BYOKEY_AUTH__CALLBACK_PORTS__CLAUDE": ("auth",),
        "BYOKEY_ENDPOINTS__CLAUDE_TOKEN": ("endpoints.claude_token",),
        "BYOKEY_USAGE__PERSIST": ("usage",),
        "BYOKEY_HTTP__IMPERSONATE": ("http",),
    }
    values = {
        "BYOKEY_PROVIDERS__IFLOW__PROXY_URL": "http://127.0.0.1:3128",
        "BYOKEY_AUTH__CALLBACK_PORTS__CLAUDE": "4000",
        "BYOKEY_ENDPOINTS__CLAUDE_TOKEN": "http://127.0.0.1:1/token",
        "BYOKEY_USAGE__PERSIST": "false",
        "BYOKEY_HTTP__IMPERSONATE": "safari",
    }
    for name, expected in cases.items():
        assert changed_restart_keys(base, load_settings(env={name: values[name]})) == expected
    # live changes, including a new provider without a proxy of its own, need no restart
    live = load_settings(
        env={
            "BYOKEY_PROVIDERS__CODEX__ENABLED": "false",
            "BYOKEY_ENDPOINTS__CLAUDE_API": "http://127.0.0.1:1",
            "BYOKEY_STREAMING__KEEPALIVE_SECONDS": "5",
        }
    )
    assert changed_restart_keys(base, live) == ()


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (
            "auth: {callback_ports: {claude: 70000}}",
            "auth.callback_ports.claude: 70000 is out of range 1..65535",
        ),
        ("auth: {callback_ports: {bogus: 1}}", "auth.callback_ports.bogus: 'bogus' is not"),
        ("auth: {callback_timeout_seconds: -1}", "auth.callback_timeout_seconds: -1 is less"),
        ("auth: {clients: {gemini: {client_id: [1]}}}", "auth.clients.gemini.client_id: [1] is"),
        ("usage: {batch_size: 0}", "usage.batch_size: 0 is out of range 1..10000"),
        ("usage: {enabled: sometimes}", "usage.enabled: 'sometimes' is not a boolean"),
        ("http: {impersonate: 3.5}", "http.impersonate: 3.5 is not a string"),
    ],
)
def test_new_sections_are_validated(tmp_path: Path, tree: str, expected: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(tree + "\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path, env={})
    problems = info.value.problems
    assert any(p.startswith(expected) for p in problems), problems


def test_oauth_client_secret_is_never_echoed(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("auth: {clients: {gemini: {client_secret: [GOCSPX-SECRETSECRET]}}}\n")
    with pytest.raises(SettingsError) as info:
        load_settings(path, env={})
    assert "SECRETSECRET" not in str(info.value)
    assert "value hidden" in str(info.value)


def test_auth_and_usage_from_the_environment() -> None:
    s = load_settings(
        env={
            "BYOKEY_AUTH__CALLBACK_PORTS__I_FLOW": "4001",
            "BYOKEY_AUTH__CLIENTS__ANTHROPIC__CLIENT_ID": "my-claude-client",
            "BYOKEY_USAGE__ENABLED": "false",
            "BYOKEY_HTTP__IMPERSONATE": '""',
        }
    )
    assert s.auth.callback_ports == {ProviderId.IFLOW: 4001}
    assert s.auth.client(ProviderId.CLAUDE).client_id == "my-claude-client"
    assert s.usage.enabled is False
    assert s.http.impersonate == ""


def test_readme_example_runs(tmp_path: Path) -> None:
    readme = (PACKAGE / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", readme, re.S)
    assert match is not None
    script = tmp_path / "example.py"
    script.write_text(match.group(1), encoding="utf-8")
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
        cwd=tmp_path,
    )
    out = result.stdout
    assert "ProviderConfig(" in out
    assert "sk-ant-one" not in out and "sk-ant-two" not in out
    assert "port: 70000 is out of range 0..65535" in out
    assert "providers.claude.routing: 'fastest' is not one of" in out
    assert out.rstrip().endswith("now on port 9100")
