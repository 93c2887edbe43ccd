"""Which executor class serves each built-in provider.

The gateway builds one executor per provider from this table (lazily, on first
use). Each provider module adds **one import and one entry** here; a provider
without an entry is reported as unavailable (503), never half-served. The
values are :class:`~byokey_provider.ExecutorFactory`s — an ``Executor``
subclass itself is one.

Import executor classes from their private module (``byokey_provider._claude``),
never from the package ``__init__`` (that would be an import cycle).
"""

from __future__ import annotations

from byokey_types import ProviderId

# --- helper B: claude, codex, copilot (one import line each, below) ---
# --- helper C: gemini, antigravity, kiro, qwen, kimi, iflow (one import line each, below) ---
from ._antigravity import AntigravityExecutor
from ._claude import ClaudeExecutor
from ._codex import CodexExecutor
from ._copilot import CopilotExecutor
from ._executor import ExecutorFactory
from ._gemini import GeminiExecutor
from ._iflow import IFlowExecutor
from ._kimi import KimiExecutor
from ._kiro import KiroExecutor
from ._qwen import QwenExecutor

__all__ = ["EXECUTORS"]

EXECUTORS: dict[ProviderId, ExecutorFactory] = {
    # --- helper B: one entry each, e.g. ProviderId.CLAUDE: ClaudeExecutor, ---
    # --- helper C: one entry each, e.g. ProviderId.GEMINI: GeminiExecutor, ---
    ProviderId.CLAUDE: ClaudeExecutor,
    ProviderId.CODEX: CodexExecutor,
    ProviderId.COPILOT: CopilotExecutor,
    ProviderId.GEMINI: GeminiExecutor,
    ProviderId.KIRO: KiroExecutor,
    ProviderId.ANTIGRAVITY: AntigravityExecutor,
    ProviderId.QWEN: QwenExecutor,
    ProviderId.KIMI: KimiExecutor,
    ProviderId.IFLOW: IFlowExecutor,
}
"""Provider -> executor factory. Amp has none: it is not a model provider."""
