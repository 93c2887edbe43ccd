"""Making an Anthropic Messages body acceptable to Anthropic before it is sent.

Clients (Claude Code, the ``anthropic`` SDK, translated OpenAI requests) send
bodies Anthropic would refuse: an empty system prompt, ``thinking`` with a
forced tool, the made-up ``thinking: {"type": "auto"}``, thinking blocks whose
signature another provider wrote, a temperature other than 1 while thinking.
These rules fix each one; the beta names a client asks for (header or the
body's non-standard ``betas``) are merged into the ``anthropic-beta`` header.
Every function returns a new top-level dict and never mutates its input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from byokey_translate import strip_invalid_thinking_signatures

__all__ = [
    "AUTO_THINKING_BUDGET",
    "merge_betas",
    "normalize_temperature",
    "sanitize_body",
    "sanitize_system",
    "sanitize_thinking",
]

AUTO_THINKING_BUDGET: Final = 10_000
"""Budget ``thinking: auto`` becomes on models without adaptive thinking."""

_THINKING_ON: Final = frozenset({"enabled", "adaptive", "auto"})


def _empty_text(block: Any) -> bool:
    return isinstance(block, dict) and block.get("text") == ""


def sanitize_system(body: dict[str, Any]) -> dict[str, Any]:
    """No empty system prompt: ``""`` or all-empty blocks remove ``system``; other
    empty-text blocks are dropped (blocks without ``text`` are kept)."""
    system = body.get("system")
    if system == "" or (isinstance(system, list) and all(_empty_text(b) for b in system)):
        return {k: v for k, v in body.items() if k != "system"}
    if isinstance(system, list) and any(_empty_text(b) for b in system):
        return {**body, "system": [b for b in system if not _empty_text(b)]}
    return body


def _without_effort(body: dict[str, Any]) -> dict[str, Any]:
    """``output_config`` without ``effort``; a structured-output ``format`` stays."""
    config = body.get("output_config")
    if not isinstance(config, dict) or "effort" not in config:
        return body
    out = dict(body)
    rest = {k: v for k, v in config.items() if k != "effort"}
    if rest:
        out["output_config"] = rest
    else:
        del out["output_config"]
    return out


def _thinking_type(body: dict[str, Any]) -> Any:
    thinking = body.get("thinking")
    return thinking.get("type") if isinstance(thinking, dict) else None


def sanitize_thinking(body: dict[str, Any], capability: str | None) -> dict[str, Any]:
    """Thinking Anthropic accepts for this model (``capability`` from the registry).

    A forced tool (``tool_choice`` ``any``/``tool``) and thinking do not mix: thinking
    and the effort go. ``auto`` (not an Anthropic value) becomes adaptive on
    ``hybrid`` models, a 10 000-token budget on other thinking models, and nothing
    on models without thinking.
    """
    choice = body.get("tool_choice")
    forced = isinstance(choice, dict) and choice.get("type") in ("any", "tool")
    kind = _thinking_type(body)
    if forced:
        return _without_effort({k: v for k, v in body.items() if k != "thinking"})
    if kind != "auto":
        return body
    if capability == "hybrid":
        return {**_without_effort(body), "thinking": {"type": "adaptive"}}
    if capability is not None:
        return {**body, "thinking": {"type": "enabled", "budget_tokens": AUTO_THINKING_BUDGET}}
    return _without_effort({k: v for k, v in body.items() if k != "thinking"})


def normalize_temperature(body: dict[str, Any]) -> dict[str, Any]:
    """Temperature 1 while thinking (Anthropic refuses anything else); absent stays absent."""
    if _thinking_type(body) in _THINKING_ON and "temperature" in body:
        value = body["temperature"]
        if isinstance(value, bool) or value != 1:
            return {**body, "temperature": 1}
    return body


def sanitize_body(body: dict[str, Any], *, capability: str | None) -> dict[str, Any]:
    """All the rules, in the order the original applied them."""
    out = sanitize_system(body)
    out = sanitize_thinking(out, capability)
    out = strip_invalid_thinking_signatures(out)
    return normalize_temperature(out)


def _tokens(values: Iterable[Any]) -> list[str]:
    return [t.strip() for v in values if isinstance(v, str) for t in v.split(",") if t.strip()]


def merge_betas(
    base: Iterable[str], client_header: str | None, body: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The ``anthropic-beta`` value and the body without its ``betas`` member.

    ``base`` first, then the client's header tokens, then the body's ``betas``;
    each name once. The original skipped a name when it occurred as a *substring*
    of what it had so far (so ``oauth`` was lost next to ``oauth-2025-04-20``);
    here names are compared whole.
    """
    merged: list[str] = []
    seen: set[str] = set()
    betas = body.get("betas")
    extra = betas if isinstance(betas, list) else []
    for name in [*_tokens(base), *_tokens([client_header]), *_tokens(extra)]:
        if name not in seen:
            seen.add(name)
            merged.append(name)
    out = {k: v for k, v in body.items() if k != "betas"} if "betas" in body else body
    return ",".join(merged), out
