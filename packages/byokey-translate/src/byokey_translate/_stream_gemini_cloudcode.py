"""Gemini Code Assist (``cloudcode-pa``) streams, as Gemini CLI and Antigravity get them.

The events are Gemini stream chunks inside an envelope,
``{"response": {GenerateContentResponse}, "traceId": …}``; everything else
is :mod:`byokey_translate._stream_gemini`. The reader also accepts unwrapped
chunks (some Code Assist deployments and proxies send them) and reads an
envelope-level ``{"error": …}`` like a chunk-level one.
"""

from __future__ import annotations

from typing import Any

from byokey_translate import _stream_gemini
from byokey_translate._fields import as_dict

__all__ = ["StreamReader", "StreamWriter"]


class StreamReader(_stream_gemini.StreamReader):
    __slots__ = ()

    def unwrap(self, data: dict[str, Any]) -> dict[str, Any]:
        inner = as_dict(data.get("response"))
        return inner if inner is not None else data


class StreamWriter(_stream_gemini.StreamWriter):
    __slots__ = ()

    def wrap(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {"response": payload}
