"""Pure conversion between OpenAI, Anthropic, Responses and Gemini wire formats.

>>> from byokey_translate import Format, convert_request
>>> body = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hi"}]}
>>> out = convert_request(body, source=Format.OPENAI, target=Format.ANTHROPIC)
>>> out["messages"]
[{'role': 'user', 'content': 'Hi'}]
"""

from byokey_translate._anthropic import inject_cache_control
from byokey_translate._convert import convert_request, convert_response
from byokey_translate._sse import SSEDecoder, encode_sse
from byokey_translate._stream import StreamConverter
from byokey_translate._thinking import (
    ThinkingConfig,
    apply_thinking,
    parse_model_suffix,
    strip_invalid_thinking_signatures,
)
from byokey_types.wire.format import WireFormat as Format

__version__ = "0.1.0"

__all__ = [
    "Format",
    "SSEDecoder",
    "StreamConverter",
    "ThinkingConfig",
    "__version__",
    "apply_thinking",
    "convert_request",
    "convert_response",
    "encode_sse",
    "inject_cache_control",
    "parse_model_suffix",
    "strip_invalid_thinking_signatures",
]
