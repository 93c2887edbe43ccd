import pytest
from hypothesis import given
from hypothesis import strategies as st

import byokey_types
from byokey_types import ProviderId, UnsupportedProvider

CANONICAL = [
    "claude",
    "codex",
    "gemini",
    "kiro",
    "copilot",
    "antigravity",
    "qwen",
    "kimi",
    "iflow",
    "amp",
]


def test_version() -> None:
    assert byokey_types.__version__ == "0.1.0"


def test_canonical_order_and_names() -> None:
    assert [p.value for p in ProviderId.all()] == CANONICAL
    assert [str(p) for p in ProviderId] == CANONICAL


@pytest.mark.parametrize(
    ("alias", "expected"),
    [
        ("anthropic", ProviderId.CLAUDE),
        ("openai", ProviderId.CODEX),
        ("google", ProviderId.GEMINI),
        ("github", ProviderId.COPILOT),
        ("alibaba", ProviderId.QWEN),
        ("moonshot", ProviderId.KIMI),
        ("zai", ProviderId.IFLOW),
        ("glm", ProviderId.IFLOW),
        ("i_flow", ProviderId.IFLOW),
        ("ampcode", ProviderId.AMP),
        ("  Claude ", ProviderId.CLAUDE),
        ("GITHUB", ProviderId.COPILOT),
    ],
)
def test_aliases(alias: str, expected: ProviderId) -> None:
    assert ProviderId.parse(alias) is expected


@pytest.mark.parametrize("name", CANONICAL)
def test_canonical_parses_to_itself(name: str) -> None:
    assert ProviderId.parse(name).value == name


def test_unknown_provider_is_client_error() -> None:
    with pytest.raises(UnsupportedProvider) as info:
        ProviderId.parse("openrouter")
    err = info.value
    assert str(err) == "unsupported provider: openrouter"
    assert err.status == 400
    assert err.to_openai()["error"]["code"] == "provider_not_found"


def test_display_names() -> None:
    assert {p.value: p.display_name for p in ProviderId} == {
        "claude": "Claude (Anthropic)",
        "codex": "Codex (OpenAI)",
        "gemini": "Gemini (Google)",
        "kiro": "Kiro (AWS)",
        "copilot": "GitHub Copilot",
        "antigravity": "Antigravity",
        "qwen": "Qwen (Alibaba)",
        "kimi": "Kimi (Moonshot)",
        "iflow": "iFlow (Z.ai)",
        "amp": "Amp (AmpCode)",
    }


def test_aliases_listed_and_amp_is_not_a_model_provider() -> None:
    assert set(ProviderId.IFLOW.aliases) == {"zai", "glm", "i_flow"}
    assert ProviderId.KIRO.aliases == ()
    assert not ProviderId.AMP.is_model_provider
    assert all(p.is_model_provider for p in ProviderId if p is not ProviderId.AMP)


@given(st.text(max_size=20))
def test_parse_never_crashes_otherwise(text: str) -> None:
    try:
        p = ProviderId.parse(text)
    except UnsupportedProvider as e:
        assert e.name == text
    else:
        assert text.strip().lower() in {p.value, *p.aliases}
