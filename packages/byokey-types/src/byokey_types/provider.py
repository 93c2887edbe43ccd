"""The ten upstream providers byokey speaks to, and the names people call them by.

Canonical names are what the store, the CDN credential files and error messages
use; aliases exist because users type the vendor name (``anthropic``, ``openai``)
as often as the product name.
"""

from __future__ import annotations

from enum import StrEnum

from byokey_types.errors import UnsupportedProvider

__all__ = ["ProviderId"]


class ProviderId(StrEnum):
    """A provider, in the canonical order every "for all providers" listing uses."""

    CLAUDE = "claude"
    CODEX = "codex"
    GEMINI = "gemini"
    KIRO = "kiro"
    COPILOT = "copilot"
    ANTIGRAVITY = "antigravity"
    QWEN = "qwen"
    KIMI = "kimi"
    IFLOW = "iflow"
    AMP = "amp"

    @classmethod
    def all(cls) -> tuple[ProviderId, ...]:
        """Every provider, in canonical order."""
        return tuple(cls)

    @classmethod
    def parse(cls, value: str) -> ProviderId:
        """Parse a canonical name or an alias.

        Matching ignores case and surrounding blanks, and accepts ``i_flow`` (the
        snake_case form the original wrote into config maps) — being stricter
        than that only turns typos of case into confusing errors.
        """
        key = value.strip().lower()
        found = _ALIASES.get(key)
        if found is None:
            raise UnsupportedProvider(value)
        return found

    @property
    def display_name(self) -> str:
        return _DISPLAY_NAMES[self]

    @property
    def aliases(self) -> tuple[str, ...]:
        """Every accepted spelling except the canonical one."""
        return tuple(a for a, p in _ALIASES.items() if p is self and a != self.value)

    @property
    def is_model_provider(self) -> bool:
        """False for Amp: it is an account for the Amp CLI, not a source of models."""
        return self is not ProviderId.AMP


_DISPLAY_NAMES: dict[ProviderId, str] = {
    ProviderId.CLAUDE: "Claude (Anthropic)",
    ProviderId.CODEX: "Codex (OpenAI)",
    ProviderId.GEMINI: "Gemini (Google)",
    ProviderId.KIRO: "Kiro (AWS)",
    ProviderId.COPILOT: "GitHub Copilot",
    ProviderId.ANTIGRAVITY: "Antigravity",
    ProviderId.QWEN: "Qwen (Alibaba)",
    ProviderId.KIMI: "Kimi (Moonshot)",
    ProviderId.IFLOW: "iFlow (Z.ai)",
    ProviderId.AMP: "Amp (AmpCode)",
}

_ALIASES: dict[str, ProviderId] = {
    **{p.value: p for p in ProviderId},
    "anthropic": ProviderId.CLAUDE,
    "openai": ProviderId.CODEX,
    "google": ProviderId.GEMINI,
    "github": ProviderId.COPILOT,
    "alibaba": ProviderId.QWEN,
    "moonshot": ProviderId.KIMI,
    "zai": ProviderId.IFLOW,
    "glm": ProviderId.IFLOW,
    "i_flow": ProviderId.IFLOW,
    "ampcode": ProviderId.AMP,
}
