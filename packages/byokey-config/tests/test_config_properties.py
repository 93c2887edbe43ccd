"""Property tests: whatever valid values go into a file come back out unchanged."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byokey_config import SettingsError, load_settings
from byokey_types import ProviderId

text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20)


@settings(max_examples=50, deadline=None)
@given(
    keys=st.lists(text, max_size=3),
    provider=st.sampled_from(list(ProviderId)),
    amp_settings=st.dictionaries(text, st.integers() | text | st.booleans(), max_size=3),
    as_yaml=st.booleans(),
)
def test_values_round_trip_through_a_file(
    keys: list[str], provider: ProviderId, amp_settings: dict[str, object], as_yaml: bool
) -> None:
    tree = {
        "providers": {provider.value.upper(): {"api_keys": keys}},
        "amp": {"settings": amp_settings},
    }
    with tempfile.TemporaryDirectory() as folder:
        # JSON is valid YAML, so the same text exercises both parsers.
        path = Path(folder) / ("s.yaml" if as_yaml else "s.json")
        path.write_text(json.dumps(tree), encoding="utf-8")
        s = load_settings(path, env={})
    assert [k.api_key for k in s.provider(provider).api_keys] == keys
    assert dict(s.amp.settings) == amp_settings


@given(st.integers(min_value=-(2**20), max_value=2**20))
def test_port_range(port: int) -> None:
    if 0 <= port <= 65535:
        assert load_settings(env={}, overrides={"port": port}).port == port
    else:
        with pytest.raises(SettingsError, match=r"out of range 0\.\.65535"):
            load_settings(env={}, overrides={"port": port})


def test_env_parameter_replaces_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYOKEY_PORT", "1111")
    assert load_settings(env={}).port == 8018
    assert load_settings().port == 1111


def _spellings(provider: ProviderId) -> list[str]:
    return [provider.value, *provider.aliases]


@st.composite
def provider_spelling(draw: st.DrawFn) -> tuple[ProviderId, str]:
    provider = draw(st.sampled_from(list(ProviderId)))
    name = draw(st.sampled_from(_spellings(provider)))
    flips = draw(st.lists(st.booleans(), min_size=len(name), max_size=len(name)))
    return provider, "".join(c.upper() if f else c for c, f in zip(name, flips, strict=True))


@settings(max_examples=60, deadline=None)
@given(spelled=provider_spelling(), backend=provider_spelling(), from_env=st.booleans())
def test_every_provider_spelling_names_one_provider_everywhere(
    spelled: tuple[ProviderId, str], backend: tuple[ProviderId, str], from_env: bool
) -> None:
    """Canonical names, ``i_flow`` and the CLI aliases, in any case, in every provider-keyed
    place (``providers``, ``model_alias``, ``excluded_models``, ``backend``, ``auth``)."""
    provider, name = spelled
    aliases = [{"name": "real", "alias": "nick"}]
    tree = {
        "providers": {name: {"backend": backend[1]}},
        "model_alias": {name: aliases},
        "excluded_models": {name: ["hidden-*"]},
        "auth": {"callback_ports": {name: 4242}},
    }
    if from_env:
        env = {
            f"BYOKEY_PROVIDERS__{name}__BACKEND": backend[1],
            "BYOKEY_MODEL_ALIAS": "@json " + json.dumps({name: aliases}),
            f"BYOKEY_EXCLUDED_MODELS__{name}": '["hidden-*"]',
            f"BYOKEY_AUTH__CALLBACK_PORTS__{name}": "4242",
        }
        s = load_settings(env=env)
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "s.yaml"
            path.write_text(json.dumps(tree), encoding="utf-8")
            s = load_settings(path, env={})
    assert list(s.providers) == [provider]
    assert s.provider(provider).backend is backend[0]
    assert s.aliases_for(provider)[0].alias == "nick"
    assert s.resolve_alias("nick") == "real"
    assert s.is_model_excluded(provider, "hidden-1")
    assert not s.is_model_excluded(provider, "shown-1")
    assert dict(s.auth.callback_ports) == {provider: 4242}
