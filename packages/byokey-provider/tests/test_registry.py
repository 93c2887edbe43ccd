"""The model table (spec §9) and its configured view: listing, aliases, exclusions,
qualifiers, openai_compatible prefixes, thinking suffixes."""

from __future__ import annotations

from typing import Any

import pytest

from byokey_config import (
    ModelAlias,
    OpenAICompatibleModel,
    OpenAICompatibleProvider,
    ProviderConfig,
    Settings,
)
from byokey_provider import (
    MODELS,
    ModelCatalog,
    is_copilot_free_model,
    models_for_provider,
    multi_provider_models,
    parse_qualified_model,
    resolve_provider,
    resolve_provider_with,
    split_model,
    thinking_capability,
)
from byokey_types import ProviderId, UnsupportedModel

P = ProviderId


def test_table_size_and_counts() -> None:
    assert len(MODELS) == 59
    counts = {p: len(models_for_provider(p)) for p in ProviderId.all()}
    assert counts == {
        P.CLAUDE: 4,
        P.CODEX: 18,
        P.GEMINI: 4,
        P.KIRO: 1,
        P.COPILOT: 26,
        P.ANTIGRAVITY: 4,
        P.QWEN: 8,
        P.KIMI: 1,
        P.IFLOW: 4,
        P.AMP: 0,
    }
    assert len(multi_provider_models()) == 11
    assert len({m.id for m in MODELS}) == 59


def test_resolution_priority_and_filter() -> None:
    assert resolve_provider("gpt-5.1") is P.CODEX
    assert resolve_provider_with("gpt-5.1", lambda p: p is P.COPILOT) is P.COPILOT
    assert resolve_provider("claude-sonnet-4-5") is P.CLAUDE
    assert resolve_provider("kimi-k2") is P.IFLOW
    assert resolve_provider("kimi-k2-0711") is P.KIMI
    assert resolve_provider("nope") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("copilot/gpt-5.1", (P.COPILOT, "gpt-5.1")),
        ("github/gpt-5.1", (P.COPILOT, "gpt-5.1")),
        ("unknown/gpt-5.1", (None, "unknown/gpt-5.1")),
        ("copilot/", (None, "copilot/")),
        ("gpt-5.1", (None, "gpt-5.1")),
        ("codex/a/b", (P.CODEX, "a/b")),
    ],
)
def test_qualified_names(name: str, expected: tuple[Any, str]) -> None:
    assert parse_qualified_model(name) == expected


def test_split_model_keeps_the_suffix_meaning() -> None:
    hint, model, thinking = split_model("copilot/claude-opus-4.6(high)")
    assert (hint, model) == (P.COPILOT, "claude-opus-4.6")
    assert thinking is not None and thinking.kind == "level" and thinking.level == "high"
    _, model, thinking = split_model("claude-opus-4-5-thinking-16000")
    assert model == "claude-opus-4-5" and thinking is not None and thinking.budget == 16000
    assert split_model("gpt-5(turbo)") == (None, "gpt-5(turbo)", None)


def test_thinking_metadata() -> None:
    assert thinking_capability("claude-opus-4-6") == "hybrid"
    assert thinking_capability("claude-opus-4-5") is None
    assert is_copilot_free_model("gpt-4o") and not is_copilot_free_model("gpt-5")


# ------------------------------------------------------------------ the catalog


def catalog(**kwargs: Any) -> ModelCatalog:
    s = Settings(**kwargs)
    return ModelCatalog(lambda: s)


def test_listing_on_empty_config_has_81_entries_in_order() -> None:
    listed = catalog().list_models()
    assert len(listed) == 81
    assert [m.id for m in listed[:3]] == ["o3", "o4-mini", "gpt-4-turbo"]
    ids = [m.id for m in listed]
    at = ids.index("gpt-5.4")
    assert ids[at : at + 3] == ["gpt-5.4", "codex/gpt-5.4", "copilot/gpt-5.4"]
    assert {m.owned_by for m in listed if m.id == "copilot/gpt-5.4"} == {"copilot"}


def test_aliases_fork_exclusions_disabled_and_compat() -> None:
    compat = OpenAICompatibleProvider(
        name="openrouter",
        base_url="http://127.0.0.1:1/v1",
        models=(
            OpenAICompatibleModel("deepseek/deepseek-r1", alias="r1"),
            OpenAICompatibleModel("llama3"),
        ),
        prefix="or",
    )
    listed = catalog(
        model_alias={
            P.CODEX: (
                ModelAlias(name="o3", alias="smart"),
                ModelAlias("o4-mini", "mini", fork=True),
            )
        },
        excluded_models={P.COPILOT: ("gpt-5*",)},
        providers={P.GEMINI: ProviderConfig(enabled=False)},
        openai_compatible=(compat,),
    ).list_models()
    ids = [m.id for m in listed]
    assert ids[:3] == ["smart", "mini", "o4-mini"]
    assert "o3" not in ids
    assert "copilot/gpt-5.4" not in ids and "codex/gpt-5.4" in ids
    assert not any(i.startswith("gemini-1.5") for i in ids)
    assert ids[-2:] == ["or/r1", "or/llama3"]
    assert listed[-1].owned_by == "openrouter"


async def _always(_: ProviderId) -> bool:
    return True


async def _never(_: ProviderId) -> bool:
    return False


async def test_resolution_pipeline() -> None:
    compat = OpenAICompatibleProvider(
        name="ollama",
        base_url="http://127.0.0.1:1",
        models=(OpenAICompatibleModel("qwen2.5:7b", alias="local"),),
    )
    cat = catalog(
        model_alias={P.CLAUDE: (ModelAlias("claude-opus-4-6", "fast"),)},
        excluded_models={P.CODEX: ("gpt-5.1",)},
        providers={P.KIRO: ProviderConfig(backend=P.CLAUDE)},
        openai_compatible=(compat,),
    )
    r = await cat.resolve("fast(high)", _always)
    assert (r.upstream, r.model, r.request_model) == (
        "claude",
        "claude-opus-4-6",
        "claude-opus-4-6(high)",
    )
    assert r.thinking is not None and r.thinking.level == "high"
    r = await cat.resolve("local", _always)
    assert (r.upstream, r.provider, r.request_model) == ("ollama", None, "local")
    # excluded for codex -> the next provider of the entry serves it
    r = await cat.resolve("gpt-5.1", _always)
    assert r.upstream == "copilot"
    # backend: the same model, another provider
    r = await cat.resolve("kiro-default", _always)
    assert (r.upstream, r.provider, r.model) == ("claude", P.KIRO, "kiro-default")
    # the hint wins even for a model the registry does not list there
    r = await cat.resolve("qwen/whatever-7b", _never)
    assert (r.upstream, r.model) == ("qwen", "whatever-7b")
    with pytest.raises(UnsupportedModel):
        await cat.resolve("gpt-9", _always)
    with pytest.raises(UnsupportedModel):
        await cat.resolve("codex/gpt-5.1", _always)


async def test_resolution_prefers_a_provider_with_credentials() -> None:
    cat = catalog()

    async def only_copilot(p: ProviderId) -> bool:
        return p is P.COPILOT

    assert (await cat.resolve("gpt-5.1", only_copilot)).upstream == "copilot"
    assert (await cat.resolve("gpt-5.1", _never)).upstream == "codex"
    assert (await cat.resolve("gpt-5.1(8192)", _always)).request_model == "gpt-5.1(8192)"
