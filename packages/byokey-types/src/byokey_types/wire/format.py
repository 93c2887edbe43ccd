"""The wire formats, named once for the whole workspace.

``byokey_translate.Format`` is this enum: executors and the proxy describe
bodies with it without importing the translator.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["WireFormat"]


class WireFormat(StrEnum):
    OPENAI = "openai"
    """OpenAI Chat Completions (``/v1/chat/completions``)."""
    OPENAI_RESPONSES = "openai_responses"
    """OpenAI Responses (``/v1/responses``), also spoken by Codex."""
    ANTHROPIC = "anthropic"
    """Anthropic Messages (``/v1/messages``)."""
    GEMINI = "gemini"
    """Gemini native ``generateContent``."""
    GEMINI_CLOUDCODE = "gemini_cloudcode"
    """The Code Assist envelope used by Gemini CLI and Antigravity."""
