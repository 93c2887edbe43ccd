"""Thinking settings written into each format: the model-name suffix, Anthropic's
1024-token minimum budget, ``model(0)`` as "no thinking", and removing
``output_config.effort`` without losing the structured-output ``format``."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from byokey_translate import Format, convert_request
from byokey_translate._thinking import (
    BUDGET_CAP,
    CLAUDE_MIN_BUDGET,
    ThinkingConfig,
    apply_thinking,
    parse_model_suffix,
)

REQUEST = TypeAdapter(MessageCreateParamsNonStreaming)
FORMAT = {"type": "json_schema", "schema": {"type": "object"}}


def claude(**extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-opus-4-6",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "Hi"}],
        **extra,
    }


def on_claude(
    config: ThinkingConfig, body: dict[str, Any], adaptive: bool = False
) -> dict[str, Any]:
    out = apply_thinking(body, config, format=Format.ANTHROPIC, adaptive=adaptive)
    REQUEST.validate_python(out)
    return out


# --- suffix grammar ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "base", "config"),
    [
        ("claude-opus-4-6(high)", "claude-opus-4-6", ThinkingConfig.of_level("high")),
        ("gemini-2.5-pro(16384)", "gemini-2.5-pro", ThinkingConfig.of_budget(16384)),
        ("m(0)", "m", ThinkingConfig.of_budget(0)),
        ("m(+8)", "m", ThinkingConfig.of_budget(8)),
        ("m(none)", "m", ThinkingConfig.disabled()),
        ("m(-1)", "m", ThinkingConfig.auto()),
        ("m(auto)", "m", ThinkingConfig.auto()),
        ("a(b)(max)", "a(b)", ThinkingConfig.of_level("max")),
        ("m-thinking-8192", "m", ThinkingConfig.of_budget(8192)),
        ("m(HIGH)", "m(HIGH)", None),
        ("m()", "m()", None),
        ("m( 5)", "m( 5)", None),
        ("m(4294967296)", "m(4294967296)", None),
        ("m(1_000)", "m(1_000)", None),
    ],
)
def test_suffix_grammar(model: str, base: str, config: ThinkingConfig | None) -> None:
    assert parse_model_suffix(model) == (base, config)


# --- Anthropic's minimum budget and model(0) ------------------------------------------


@given(st.integers(1, CLAUDE_MIN_BUDGET - 1))
def test_budgets_below_anthropics_minimum_are_raised_to_it(budget: int) -> None:
    out = on_claude(ThinkingConfig.of_budget(budget), claude())
    assert out["thinking"] == {"type": "enabled", "budget_tokens": CLAUDE_MIN_BUDGET}
    assert out["max_tokens"] > CLAUDE_MIN_BUDGET


@given(st.integers(CLAUDE_MIN_BUDGET, 10 * BUDGET_CAP))
def test_budgets_from_the_minimum_up_are_kept_up_to_the_cap(budget: int) -> None:
    out = on_claude(ThinkingConfig.of_budget(budget), claude())
    assert out["thinking"]["budget_tokens"] == min(budget, BUDGET_CAP)
    assert out["max_tokens"] > out["thinking"]["budget_tokens"]


def test_the_minimal_level_is_raised_to_the_minimum_too() -> None:
    out = on_claude(ThinkingConfig.of_level("minimal"), claude())
    assert out["thinking"]["budget_tokens"] == CLAUDE_MIN_BUDGET


def test_budget_zero_disables_thinking_on_anthropic() -> None:
    body = claude(
        thinking={"type": "enabled", "budget_tokens": 4000}, output_config={"effort": "high"}
    )
    out = on_claude(ThinkingConfig.of_budget(0), body)
    assert out["thinking"] == {"type": "disabled"}
    assert "output_config" not in out
    assert out["max_tokens"] == 100  # no headroom added for a budget that is not there
    assert body["thinking"]["type"] == "enabled"  # input not mutated


def test_model_zero_suffix_through_the_codec_sends_no_thinking() -> None:
    _, config = parse_model_suffix("claude-opus-4-6(0)")
    assert config is not None
    out = on_claude(config, claude())
    assert out["thinking"] == {"type": "disabled"}
    # the same budget means the same thing on Gemini
    gemini = apply_thinking({"contents": []}, config, format=Format.GEMINI)
    assert gemini["generationConfig"]["thinkingConfig"]["thinkingBudget"] == 0


def test_a_gemini_budget_below_the_minimum_reaches_anthropic_raised() -> None:
    body = {
        "model": "gemini-2.5-pro",
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "generationConfig": {"thinkingConfig": {"thinkingBudget": 512}},
    }
    out = convert_request(body, source=Format.GEMINI, target=Format.ANTHROPIC)
    REQUEST.validate_python(out)
    assert out["thinking"] == {"type": "enabled", "budget_tokens": CLAUDE_MIN_BUDGET}
    zero = {**body, "generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}}
    off = convert_request(zero, source=Format.GEMINI, target=Format.ANTHROPIC)
    assert off["thinking"] == {"type": "disabled"}


# --- output_config: effort removed, format kept --------------------------------------


@pytest.mark.parametrize(
    ("config", "adaptive", "thinking"),
    [
        (ThinkingConfig.auto(), True, {"type": "adaptive"}),
        (ThinkingConfig.auto(), False, {"type": "enabled", "budget_tokens": 10000}),
        (ThinkingConfig.disabled(), False, {"type": "disabled"}),
        (ThinkingConfig.of_budget(0), False, {"type": "disabled"}),
    ],
    ids=["auto-adaptive", "auto-budget", "disabled", "budget-0"],
)
def test_removing_the_effort_keeps_the_output_format(
    config: ThinkingConfig, adaptive: bool, thinking: dict[str, Any]
) -> None:
    body = claude(output_config={"effort": "max", "format": FORMAT})
    out = on_claude(config, body, adaptive)
    assert out["thinking"] == thinking
    assert out["output_config"] == {"format": FORMAT}
    assert body["output_config"] == {"effort": "max", "format": FORMAT}  # not mutated
    # an output_config holding only the effort goes away entirely
    alone = on_claude(config, claude(output_config={"effort": "max"}), adaptive)
    assert "output_config" not in alone


def test_an_adaptive_level_sets_the_effort_beside_the_format() -> None:
    out = on_claude(
        ThinkingConfig.of_level("xhigh"), claude(output_config={"format": FORMAT}), True
    )
    assert out["thinking"] == {"type": "adaptive"}
    assert out["output_config"] == {"format": FORMAT, "effort": "high"}


def test_disabling_thinking_elsewhere_also_keeps_a_format() -> None:
    body = {
        "model": "gpt-5",
        "reasoning_effort": "high",
        "output_config": {"effort": "x", "format": FORMAT},
    }
    out = apply_thinking(body, ThinkingConfig.disabled(), format=Format.OPENAI)
    assert "reasoning_effort" not in out
    assert out["output_config"] == {"format": FORMAT}
