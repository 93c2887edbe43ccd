"""Thinking / reasoning settings: the model-name suffix and each format's fields.

A client can ask for thinking in the model name (``claude-opus-4-6(high)``,
``gemini-2.5-pro(16384)``, legacy ``model-thinking-8192``) or in its own
format's fields. Both end up as one :class:`ThinkingConfig`, written into the
*upstream* body after translation — the original wrote it into the OpenAI body
first and most translators then dropped it (spec §7.6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from byokey_types.wire.format import WireFormat

__all__ = [
    "BUDGET_CAP",
    "CLAUDE_MIN_BUDGET",
    "DEFAULT_AUTO_BUDGET",
    "ThinkingConfig",
    "apply_thinking",
    "budget_to_effort",
    "has_valid_claude_signature",
    "inject_thinking",
    "level_to_budget",
    "level_to_effort",
    "parse_model_suffix",
    "strip_invalid_thinking_signatures",
]

DEFAULT_AUTO_BUDGET = 10000
BUDGET_CAP = 128000
CLAUDE_MIN_BUDGET = 1024
"""Anthropic rejects ``budget_tokens`` below 1024; smaller budgets are raised to it."""
_U32_MAX = 4294967295
_UINT = re.compile(r"\+?[0-9]+")

_LEVELS = ("minimal", "low", "medium", "high", "xhigh", "max")
_LEVEL_BUDGET = {
    "minimal": 512,
    "low": 1024,
    "medium": 8192,
    "high": 24576,
    "xhigh": 32768,
    "max": 128000,
}
_LEVEL_EFFORT = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "high",
    "max": "high",
}
_CLAUDE_EFFORT = {
    "minimal": "low",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "xhigh": "high",
    "max": "max",
}


@dataclass(frozen=True, slots=True)
class ThinkingConfig:
    """``disabled``, ``auto``, a named ``level`` or a token ``budget``."""

    kind: Literal["disabled", "auto", "level", "budget"]
    level: str | None = None
    budget: int | None = None

    @classmethod
    def disabled(cls) -> ThinkingConfig:
        return cls("disabled")

    @classmethod
    def auto(cls) -> ThinkingConfig:
        return cls("auto")

    @classmethod
    def of_level(cls, level: str) -> ThinkingConfig:
        return cls("level", level=level)

    @classmethod
    def of_budget(cls, budget: int) -> ThinkingConfig:
        return cls("budget", budget=budget)

    def as_budget(self) -> int:
        """Token budget this config stands for (0 when disabled)."""
        if self.kind == "budget":
            return self.budget or 0
        if self.kind == "level":
            return level_to_budget(self.level or "medium")
        if self.kind == "auto":
            return DEFAULT_AUTO_BUDGET
        return 0

    def as_effort(self) -> str:
        """OpenAI-style effort (``low``/``medium``/``high``) this config stands for."""
        if self.kind == "level":
            return level_to_effort(self.level or "medium")
        if self.kind == "budget":
            return budget_to_effort(self.budget or 0)
        return "medium"


def _strict_u32(text: str) -> int | None:
    if _UINT.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= _U32_MAX else None


def _parse_value(value: str) -> ThinkingConfig | None:
    if value == "none":
        return ThinkingConfig.disabled()
    if value in ("auto", "-1"):
        return ThinkingConfig.auto()
    if value in _LEVELS:
        return ThinkingConfig.of_level(value)
    budget = _strict_u32(value)
    return ThinkingConfig.of_budget(budget) if budget is not None else None


def parse_model_suffix(model: str) -> tuple[str, ThinkingConfig | None]:
    """Split ``model(high)`` / ``model(16384)`` / ``model-thinking-8192`` (spec §7.1).

    >>> parse_model_suffix("claude-opus-4-6(high)")
    ('claude-opus-4-6', ThinkingConfig(kind='level', level='high', budget=None))
    >>> parse_model_suffix("gemini-2.5-pro(invalid)")
    ('gemini-2.5-pro(invalid)', None)
    """
    if model.endswith(")") and "(" in model:
        cut = model.rfind("(")
        config = _parse_value(model[cut + 1 : -1])
        if config is not None:
            return model[:cut], config
    marker = model.rfind("-thinking-")
    if marker >= 0:
        budget = _strict_u32(model[marker + len("-thinking-") :])
        if budget is not None:
            return model[:marker], ThinkingConfig.of_budget(budget)
    return model, None


def level_to_budget(level: str) -> int:
    return _LEVEL_BUDGET.get(level, DEFAULT_AUTO_BUDGET)


def level_to_effort(level: str) -> str:
    return _LEVEL_EFFORT.get(level, "medium")


def budget_to_effort(budget: int) -> str:
    if budget <= 1024:
        return "low"
    if budget <= 8192:
        return "medium"
    return "high"


def inject_thinking(body: dict[str, Any], budget: int) -> dict[str, Any]:
    """Claude ``enabled`` thinking, raising ``max_tokens`` above the budget (spec §7.3)."""
    effective = min(budget, BUDGET_CAP)
    headroom = max(effective // 10, 1024)
    current = body.get("max_tokens")
    if not (isinstance(current, int) and not isinstance(current, bool) and current >= 0):
        current = 0
    out = dict(body)
    if min(current, _U32_MAX) <= effective:
        out["max_tokens"] = effective + headroom
    out["thinking"] = {"type": "enabled", "budget_tokens": effective}
    return out


def _without_effort(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` without ``output_config.effort``; the rest of ``output_config``
    (the structured-output ``format``) is kept, and an emptied object removed.

    The original removed ``output_config`` whole (spec §7.4), which predates
    ``output_config.format`` and would silently drop a JSON schema.
    """
    config = body.get("output_config")
    if not isinstance(config, dict):
        return {k: v for k, v in body.items() if k != "output_config"}
    rest = {k: v for k, v in config.items() if k != "effort"}
    out = {k: v for k, v in body.items() if k != "output_config"}
    if rest:
        out["output_config"] = rest
    return out


def _without_thinking(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in body.items() if k not in ("thinking", "reasoning", "reasoning_effort")}
    out = _without_effort(out)
    gen = out.get("generationConfig")
    if isinstance(gen, dict) and "thinkingConfig" in gen:
        out["generationConfig"] = {k: v for k, v in gen.items() if k != "thinkingConfig"}
    return out


def _with_gemini_thinking(body: dict[str, Any], config: ThinkingConfig) -> dict[str, Any]:
    gen = body.get("generationConfig")
    gen = dict(gen) if isinstance(gen, dict) else {}
    if config.kind == "disabled":
        gen["thinkingConfig"] = {"thinkingBudget": 0}
    elif config.kind == "auto":
        gen["thinkingConfig"] = {"thinkingBudget": -1, "includeThoughts": True}
    else:
        gen["thinkingConfig"] = {"thinkingBudget": config.as_budget(), "includeThoughts": True}
    return {**body, "generationConfig": gen}


def _with_claude_thinking(
    body: dict[str, Any], config: ThinkingConfig, adaptive: bool
) -> dict[str, Any]:
    if config.kind == "auto":
        if adaptive:
            out = _without_effort(body)
            out["thinking"] = {"type": "adaptive"}
            return out
        return _without_effort(inject_thinking(body, DEFAULT_AUTO_BUDGET))
    if config.kind == "level" and adaptive:
        effort = _CLAUDE_EFFORT.get(config.level or "medium", "medium")
        current = body.get("output_config")
        output_config = {**(current if isinstance(current, dict) else {}), "effort": effort}
        return {**body, "thinking": {"type": "adaptive"}, "output_config": output_config}
    budget = config.as_budget()
    if budget <= 0:
        # Anthropic has no zero budget: ``model(0)`` means "no thinking" there, as on Gemini
        out = _without_thinking(body)
        out["thinking"] = {"type": "disabled"}
        return out
    return inject_thinking(body, max(budget, CLAUDE_MIN_BUDGET))


def apply_thinking(
    body: dict[str, Any],
    config: ThinkingConfig,
    *,
    format: WireFormat,
    adaptive: bool = False,
) -> dict[str, Any]:
    """``body`` (in ``format``) with the thinking ``config`` written in that
    format's own fields, replacing what was there (spec §7.4, applied to the
    upstream body). ``adaptive`` says the Claude model supports adaptive thinking.

    The input is not mutated; a new top-level dict is returned.
    """
    if format is WireFormat.GEMINI_CLOUDCODE:
        inner = body.get("request")
        inner = inner if isinstance(inner, dict) else {"contents": []}
        return {**body, "request": apply_thinking(inner, config, format=WireFormat.GEMINI)}
    if config.kind == "disabled" and format is not WireFormat.GEMINI:
        out = _without_thinking(body)
        if format is WireFormat.ANTHROPIC:
            out["thinking"] = {"type": "disabled"}
        elif format is WireFormat.OPENAI_RESPONSES and isinstance(body.get("reasoning"), dict):
            out["reasoning"] = {"effort": "none"}
        return out
    if format is WireFormat.GEMINI:
        return _with_gemini_thinking(body, config)
    if format is WireFormat.ANTHROPIC:
        return _with_claude_thinking(body, config, adaptive)
    if config.kind == "auto":
        return dict(body)
    if format is WireFormat.OPENAI_RESPONSES:
        reasoning = body.get("reasoning")
        summary = reasoning.get("summary") if isinstance(reasoning, dict) else None
        new: dict[str, Any] = {"effort": config.as_effort(), "summary": summary or "auto"}
        return {**body, "reasoning": new}
    return {**body, "reasoning_effort": config.as_effort()}


def has_valid_claude_signature(signature: str) -> bool:
    """Whether a thinking signature could have come from Anthropic (spec §7.5)."""
    sig = signature.strip()
    if "#" in sig:
        sig = sig.split("#", 1)[1].strip()
    return bool(sig) and sig[0] in ("E", "R")


def strip_invalid_thinking_signatures(body: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic body without ``thinking`` blocks whose signature Anthropic would reject."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return body
    new_messages: list[Any] = []
    changed = False
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            kept = [
                block
                for block in content
                if not (
                    isinstance(block, dict)
                    and block.get("type") == "thinking"
                    and not has_valid_claude_signature(
                        block["signature"] if isinstance(block.get("signature"), str) else ""
                    )
                )
            ]
            if len(kept) != len(content):
                changed = True
                message = {**message, "content": kept}
        new_messages.append(message)
    return {**body, "messages": new_messages} if changed else body
