"""The pure helpers of spec §1.4: glob, alias resolution, payload rules, amp URL, keys, endpoints."""

from __future__ import annotations

import copy
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_config import (
    ENDPOINT_DEFAULTS,
    AmpConfig,
    ApiKeyEntry,
    Endpoints,
    ModelAlias,
    PayloadFilterRule,
    PayloadRule,
    PayloadRules,
    ProviderConfig,
    Settings,
    apply_payload_rules,
    changed_restart_keys,
    glob_match,
    load_settings,
    read_settings,
)
from byokey_types import ProviderId


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("*", "anything", True),
        ("*", "", True),
        ("*-thinking", "claude-thinking", True),
        ("*-thinking", "claude-thinking-x", False),
        ("claude-3-*", "claude-3-opus", True),
        ("claude-3-*", "claude-35", False),
        ("gpt-4", "gpt-4", True),
        ("gpt-4", "gpt-4o", False),
        ("GPT-4", "gpt-4", False),
        ("*mid*", "a-mid*", True),
        ("*mid*", "a-mid-b", False),
        ("a*b", "a*b", True),
        ("a*b", "axb", False),
    ],
)
def test_glob_table(pattern: str, name: str, expected: bool) -> None:
    assert glob_match(pattern, name) is expected


@given(st.text(alphabet="ab*", max_size=6), st.text(alphabet="ab*", max_size=6))
def test_glob_forms(pattern: str, name: str) -> None:
    if pattern == "*":
        expected = True
    elif pattern.startswith("*"):
        expected = name.endswith(pattern[1:])
    elif pattern.endswith("*"):
        expected = name.startswith(pattern[:-1])
    else:
        expected = pattern == name
    assert glob_match(pattern, name) is expected


def aliases(**per_provider: list[tuple[str, str]]) -> Settings:
    return Settings(
        model_alias=MappingProxyType(
            {
                ProviderId.parse(p): tuple(ModelAlias(n, a) for n, a in v)
                for p, v in per_provider.items()
            }
        )
    )


def test_resolve_alias() -> None:
    s = aliases(
        claude=[("claude-sonnet-4-5", "cs45")], copilot=[("gpt-5", "g5"), ("other", "cs45")]
    )
    assert s.resolve_alias("cs45") == "claude-sonnet-4-5"  # first in file order wins
    assert s.resolve_alias("g5") == "gpt-5"
    assert s.resolve_alias("claude-sonnet-4-5") == "claude-sonnet-4-5"
    assert s.resolve_alias("unknown") == "unknown"


def rules(
    default: list[tuple[list[str], dict[str, Any]]] = [],  # noqa: B006
    override: list[tuple[list[str], dict[str, Any]]] = [],  # noqa: B006
    filt: list[tuple[list[str], list[str]]] = [],  # noqa: B006
) -> PayloadRules:
    return PayloadRules(
        default=tuple(PayloadRule(tuple(m), MappingProxyType(p)) for m, p in default),
        override=tuple(PayloadRule(tuple(m), MappingProxyType(p)) for m, p in override),
        filter=tuple(PayloadFilterRule(tuple(m), tuple(p)) for m, p in filt),
    )


def test_payload_default_skips_existing_and_creates_intermediates() -> None:
    r = rules(default=[(["gemini-*"], {"a.b.c": 1, "top": 2, "x": None})])
    body = {"model": "gemini-2", "top": "keep", "x": 0}
    out = apply_payload_rules(r, body, "gemini-2")
    assert out == {"model": "gemini-2", "top": "keep", "x": 0, "a": {"b": {"c": 1}}}
    assert body == {"model": "gemini-2", "top": "keep", "x": 0}


def test_payload_default_treats_null_as_present() -> None:
    r = rules(default=[(["*"], {"t": 1})])
    assert apply_payload_rules(r, {"t": None}, "m") == {"t": None}


def test_payload_override_replaces_and_filter_removes() -> None:
    r = rules(
        override=[(["gpt-*"], {"reasoning.effort": "high"})],
        filt=[(["gpt-*"], ["metadata.user", "missing.path", "temperature"])],
    )
    body = {
        "reasoning": {"effort": "low", "keep": 1},
        "metadata": {"user": "u", "k": 2},
        "temperature": 1,
    }
    out = apply_payload_rules(r, body, "gpt-5")
    assert out == {"reasoning": {"effort": "high", "keep": 1}, "metadata": {"k": 2}}
    assert body["reasoning"] == {"effort": "low", "keep": 1}
    assert apply_payload_rules(r, body, "claude-x") is body


def test_payload_non_object_intermediate_is_a_noop_and_arrays_are_not_indexed() -> None:
    r = rules(
        override=[(["*"], {"messages.0.role": "system", "n.deep": 1})],
        filt=[(["*"], ["messages.0", "s.x"])],
    )
    body = {"messages": [{"role": "user"}], "n": 5, "s": "text"}
    assert apply_payload_rules(r, body, "m") == body


def test_payload_rule_order() -> None:
    r = rules(
        default=[(["*"], {"v": "default"})],
        override=[(["*"], {"v": "first"}), (["m*"], {"v": "second"})],
        filt=[(["other"], ["v"])],
    )
    assert apply_payload_rules(r, {}, "model")["v"] == "second"
    r2 = rules(default=[(["*"], {"v": 1})], filt=[(["*"], ["v"])])
    assert apply_payload_rules(r2, {}, "model") == {}


def test_payload_values_are_copied_from_the_config() -> None:
    r = rules(override=[(["*"], {"tools": [{"a": 1}]})])
    out = apply_payload_rules(r, {}, "m")
    out["tools"][0]["a"] = 99
    assert r.override[0].params["tools"] == [{"a": 1}]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from("abc"), children, max_size=3)
    ),
    max_leaves=10,
)
paths = st.lists(st.sampled_from("abc"), min_size=1, max_size=3).map(".".join)


@given(
    st.dictionaries(st.sampled_from("abc"), json_values, max_size=3),
    st.dictionaries(paths, json_values, max_size=3),
    st.lists(paths, max_size=3),
)
def test_payload_never_mutates_input(
    body: dict[str, Any], params: dict[str, Any], removed: list[str]
) -> None:
    r = rules(default=[(["*"], params)], override=[(["*"], params)], filt=[(["*"], removed)])
    before = copy.deepcopy(body)
    out = apply_payload_rules(r, body, "m")
    assert body == before
    for path in removed:
        node: Any = out
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            pytest.fail(f"{path} still present")


def test_settings_apply_payload_rules_from_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "payload:\n  default:\n    - models: ['gemini-*']\n"
        "      params: {'generationConfig.thinkingConfig.thinkingBudget': 32768}\n"
    )
    s = load_settings(path, env={})
    out = s.apply_payload_rules({"model": "gemini-2.5-pro"}, "gemini-2.5-pro")
    assert out["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 32768}}
    assert Settings().apply_payload_rules(body := {"a": 1}, "x") is body


def test_amp_url_priority() -> None:
    s = Settings(host="0.0.0.0")
    assert s.amp_url() == "http://0.0.0.0:18018"
    assert s.amp_url("http://explicit") == "http://explicit"
    with_url = Settings(amp=AmpConfig(settings=MappingProxyType({"amp.url": "http://cfg"})))
    assert with_url.amp_url() == "http://cfg"
    assert with_url.amp_url("http://explicit") == "http://explicit"
    numeric = Settings(amp=AmpConfig(port=1, settings=MappingProxyType({"amp.url": 5})))
    assert numeric.amp_url() == "http://127.0.0.1:1"


def test_effective_key_order() -> None:
    p = ProviderConfig(
        api_key="k0",
        base_url="http://base",
        api_keys=(ApiKeyEntry("k1"), ApiKeyEntry("k2", base_url="http://own")),
    )
    assert [(k.api_key, k.base_url) for k in p.effective_keys()] == [
        ("k0", "http://base"),
        ("k1", "http://base"),
        ("k2", "http://own"),
    ]
    assert ProviderConfig().effective_keys() == ()
    assert not ProviderConfig().has_api_keys


def test_endpoints() -> None:
    s = load_settings(
        env={
            "BYOKEY_ENDPOINTS__CLAUDE_API": "http://127.0.0.1:1",
            "BYOKEY_AMP__UPSTREAM_URL": "http://127.0.0.1:2",
            "BYOKEY_PROVIDERS__QWEN__BASE_URL": "http://127.0.0.1:3",
        }
    )
    assert s.endpoint("claude_api") == "http://127.0.0.1:1"
    assert s.endpoint("claude_token") is None
    assert s.endpoint_url("claude_token") == "https://api.anthropic.com/v1/oauth/token"
    assert s.endpoint("amp_upstream") == "http://127.0.0.1:2"
    assert s.provider_base_url("claude") == "http://127.0.0.1:1"
    assert s.provider_base_url("qwen") == "http://127.0.0.1:3"
    assert s.provider_base_url("kimi") == "https://api.kimi.com/coding/v1"
    assert s.provider_base_url("amp") == "http://127.0.0.1:2"
    assert s.endpoints.overridden() == {"claude_api": "http://127.0.0.1:1"}
    with pytest.raises(KeyError):
        s.endpoint("claude_tokn")
    assert set(ENDPOINT_DEFAULTS) == set(Endpoints.__dataclass_fields__)
    for p in ProviderId:
        assert s.provider_base_url(p)


def test_every_endpoint_is_documented() -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
    text = doc.read_text(encoding="utf-8")
    missing = [name for name in ENDPOINT_DEFAULTS if f"`{name}`" not in text]
    assert not missing


def test_changed_restart_keys() -> None:
    old = Settings()
    new = load_settings(
        env={"BYOKEY_PORT": "1", "BYOKEY_LOG__LEVEL": "debug", "BYOKEY_API_KEYS": '["k"]'}
    )
    assert changed_restart_keys(old, new) == ("port", "log")
    assert changed_restart_keys(old, old) == ()


def test_repr_masks_secrets() -> None:
    s = load_settings(
        env={
            "BYOKEY_PROVIDERS__CLAUDE__API_KEY": "sk-ant-abcdefghijklmnop",
            "BYOKEY_PROXY_URL": "socks5://user:hunter2hunter2@host:1080",
            "BYOKEY_API_KEYS": '["client-key-123456"]',
            "BYOKEY_AMP__UPSTREAM_KEY": "amp-key-abcdefgh",
        }
    )
    text = repr(s)
    for secret in ("abcdefghijklmnop", "hunter2", "client-key-123456", "amp-key-abcdefgh"):
        assert secret not in text


def test_documented_examples_load(tmp_path: Path) -> None:
    doc = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
    blocks = doc.read_text(encoding="utf-8").split("```yaml\n")[1:]
    assert len(blocks) >= 2
    for index, block in enumerate(blocks):
        path = tmp_path / f"example{index}.yaml"
        path.write_text(block.split("```", 1)[0], encoding="utf-8")
        result = read_settings(path, env={})
        assert result.warnings == ()
    assert result.settings.endpoint("credentials_base") == "http://127.0.0.1:8900/oauth"
