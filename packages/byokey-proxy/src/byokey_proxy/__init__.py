"""The byokey HTTP gateway (OpenAI, Anthropic, Responses, Gemini and Amp routes)."""

__version__ = "0.1.0"

__all__ = ["__version__"]
