"""The static model table: which built-in provider serves which model id.

Order is significant twice: table order is listing order, and the order of
providers within an entry is resolution priority ("first wins"). Configuration
adds to it (``model_alias``, ``excluded_models``, ``openai_compatible``); that
part lives in :class:`~byokey_provider.ModelCatalog`, this module is the pure table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from byokey_translate import ThinkingConfig, parse_model_suffix
from byokey_types import ProviderId, UnsupportedProvider

__all__ = [
    "COPILOT_FREE_MODELS",
    "MODELS",
    "ModelEntry",
    "ThinkingCapability",
    "ThinkingSupport",
    "all_models",
    "is_copilot_free_model",
    "models_for_provider",
    "multi_provider_models",
    "parse_qualified_model",
    "resolve_provider",
    "resolve_provider_with",
    "split_model",
    "thinking_capability",
    "thinking_support",
]

ThinkingCapability = Literal["hybrid", "level_only", "budget_only"]


@dataclass(frozen=True, slots=True)
class ThinkingSupport:
    """Thinking metadata of a model (only ``claude-opus-4-6`` has any)."""

    min_budget: int | None = None
    max_budget: int | None = None
    levels: tuple[str, ...] = ()
    zero_allowed: bool = False

    @property
    def capability(self) -> ThinkingCapability:
        has_range = self.min_budget is not None and self.max_budget is not None
        if has_range and self.levels:
            return "hybrid"
        if self.levels:
            return "level_only"
        return "budget_only"


@dataclass(frozen=True, slots=True)
class ModelEntry:
    id: str
    providers: tuple[ProviderId, ...]
    thinking: ThinkingSupport | None = None


_C = ProviderId.CLAUDE
_X = ProviderId.CODEX
_G = ProviderId.GEMINI
_K = ProviderId.KIRO
_P = ProviderId.COPILOT
_A = ProviderId.ANTIGRAVITY
_Q = ProviderId.QWEN
_M = ProviderId.KIMI
_I = ProviderId.IFLOW

_OPUS_46_THINKING = ThinkingSupport(
    min_budget=1024, max_budget=128000, levels=("low", "medium", "high", "max")
)

MODELS: tuple[ModelEntry, ...] = (
    ModelEntry("o3", (_X,)),
    ModelEntry("o4-mini", (_X,)),
    ModelEntry("gpt-4-turbo", (_X,)),
    ModelEntry("gpt-4", (_X,)),
    ModelEntry("gpt-5.4", (_X, _P)),
    ModelEntry("gpt-5.4-mini", (_X, _P)),
    ModelEntry("gpt-5.4-nano", (_X,)),
    ModelEntry("gpt-5.3-codex", (_X, _P)),
    ModelEntry("gpt-5.3-codex-spark", (_X,)),
    ModelEntry("gpt-5.2-codex", (_X, _P)),
    ModelEntry("gpt-5.2", (_X, _P)),
    ModelEntry("gpt-5.1-codex-max", (_X, _P)),
    ModelEntry("gpt-5.1-codex", (_X, _P)),
    ModelEntry("gpt-5.1-codex-mini", (_X, _P)),
    ModelEntry("gpt-5.1", (_X, _P)),
    ModelEntry("gpt-5-codex", (_X,)),
    ModelEntry("gpt-5-codex-mini", (_X,)),
    ModelEntry("gpt-5", (_X, _P)),
    ModelEntry("gpt-4o", (_P,)),
    ModelEntry("gpt-4.1", (_P,)),
    ModelEntry("gpt-5-mini", (_P,)),
    ModelEntry("raptor-mini", (_P,)),
    ModelEntry("goldeneye", (_P,)),
    ModelEntry("grok-code-fast-1", (_P,)),
    ModelEntry("claude-opus-4-6", (_C,), _OPUS_46_THINKING),
    ModelEntry("claude-opus-4-5", (_C,)),
    ModelEntry("claude-sonnet-4-5", (_C, _A)),
    ModelEntry("claude-haiku-4-5-20251001", (_C,)),
    ModelEntry("claude-opus-4.6", (_P,)),
    ModelEntry("claude-opus-4.5", (_P,)),
    ModelEntry("claude-sonnet-4.6", (_P,)),
    ModelEntry("claude-sonnet-4.5", (_P,)),
    ModelEntry("claude-sonnet-4", (_P,)),
    ModelEntry("claude-haiku-4.5", (_P,)),
    ModelEntry("gemini-2.0-flash", (_G,)),
    ModelEntry("gemini-2.0-flash-lite", (_G,)),
    ModelEntry("gemini-1.5-pro", (_G,)),
    ModelEntry("gemini-1.5-flash", (_G,)),
    ModelEntry("gemini-2.5-pro", (_P,)),
    ModelEntry("gemini-3-flash", (_P,)),
    ModelEntry("gemini-3-pro", (_P,)),
    ModelEntry("gemini-3.1-pro", (_P,)),
    ModelEntry("kiro-default", (_K,)),
    ModelEntry("ag-gemini-2.5-flash", (_A,)),
    ModelEntry("ag-gemini-2.5-pro", (_A,)),
    ModelEntry("ag-claude-sonnet-4-5", (_A,)),
    ModelEntry("qwen3-coder-plus", (_Q,)),
    ModelEntry("qwen3-235b-a22b", (_Q,)),
    ModelEntry("qwen3-32b", (_Q,)),
    ModelEntry("qwen3-14b", (_Q,)),
    ModelEntry("qwen3-8b", (_Q,)),
    ModelEntry("qwen3-max", (_Q,)),
    ModelEntry("qwen-plus", (_Q,)),
    ModelEntry("qwen-turbo", (_Q,)),
    ModelEntry("kimi-k2-0711", (_M,)),
    ModelEntry("glm-4.5", (_I,)),
    ModelEntry("glm-4.5-air", (_I,)),
    ModelEntry("glm-z1-flash", (_I,)),
    ModelEntry("kimi-k2", (_I,)),
)

_BY_ID: dict[str, ModelEntry] = {m.id: m for m in MODELS}

COPILOT_FREE_MODELS: frozenset[str] = frozenset(
    {"gpt-4o", "gpt-4.1", "gpt-5-mini", "claude-haiku-4.5", "raptor-mini", "goldeneye"}
)


def all_models() -> tuple[ModelEntry, ...]:
    return MODELS


def models_for_provider(provider: ProviderId) -> list[str]:
    """Ids of the entries listing ``provider``, in table order."""
    return [m.id for m in MODELS if provider in m.providers]


def resolve_provider_with(model: str, accept: Callable[[ProviderId], bool]) -> ProviderId | None:
    """The first provider of ``model``'s entry that ``accept`` takes, else None."""
    entry = _BY_ID.get(model)
    if entry is None:
        return None
    return next((p for p in entry.providers if accept(p)), None)


def resolve_provider(model: str) -> ProviderId | None:
    return resolve_provider_with(model, lambda _: True)


def parse_qualified_model(name: str) -> tuple[ProviderId | None, str]:
    """``copilot/gpt-5.1`` -> (copilot, ``gpt-5.1``); anything else -> (None, name).

    Split at the first ``/``; the head may be an alias (``github/…``).
    """
    head, sep, tail = name.partition("/")
    if not sep or not tail:
        return None, name
    try:
        return ProviderId.parse(head), tail
    except UnsupportedProvider:
        return None, name


def split_model(name: str) -> tuple[ProviderId | None, str, ThinkingConfig | None]:
    """Qualifier, bare model and thinking suffix of a client's model name.

    ``copilot/claude-opus-4.6(high)`` -> (copilot, ``claude-opus-4.6``, level high).
    """
    hint, bare = parse_qualified_model(name)
    clean, thinking = parse_model_suffix(bare)
    return hint, clean, thinking


def multi_provider_models() -> list[ModelEntry]:
    return [m for m in MODELS if len(m.providers) > 1]


def thinking_support(model: str) -> ThinkingSupport | None:
    entry = _BY_ID.get(model)
    return entry.thinking if entry else None


def thinking_capability(model: str) -> ThinkingCapability | None:
    support = thinking_support(model)
    return support.capability if support else None


def is_copilot_free_model(model: str) -> bool:
    return model in COPILOT_FREE_MODELS
