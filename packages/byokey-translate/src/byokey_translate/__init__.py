"""Pure conversion between OpenAI, Anthropic, Responses and Gemini wire formats."""

__version__ = "0.1.0"

__all__ = ["__version__"]
