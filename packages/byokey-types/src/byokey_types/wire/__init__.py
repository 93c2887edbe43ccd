"""Typed shapes of the wire formats byokey speaks.

Bodies stay plain ``dict``s on the hot path; these ``TypedDict``s only tell the
type checker (and the reader) what keys to expect. Every shape is ``total=False``
except where the provider rejects a body without the key, because real traffic
omits almost everything.
"""

from byokey_types.wire import anthropic, gemini, openai_chat, openai_responses
from byokey_types.wire.format import WireFormat

__all__ = ["WireFormat", "anthropic", "gemini", "openai_chat", "openai_responses"]
