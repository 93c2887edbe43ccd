"""Which module reads and writes each format.

Every format module exposes the same four pure functions over the canonical
form (``read_request``, ``write_request``, ``read_response``,
``write_response``); every stream module exposes ``StreamReader`` and
``StreamWriter`` classes over :mod:`byokey_translate._stream_ir`. Any ordered
pair is then reader-of-source plus writer-of-target: five of each, twenty
pairs, no pair-specific code path to forget.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Any, Protocol

from byokey_translate._ir import RequestIR, ResponseIR
from byokey_translate._stream_ir import StreamEvent
from byokey_types.wire.format import WireFormat

__all__ = ["Codec", "StreamReader", "StreamWriter", "codec", "stream_module"]

Frames = list[tuple[str | None, dict[str, Any] | str]]

_CODEC_MODULES = {
    WireFormat.OPENAI: "byokey_translate._openai_chat",
    WireFormat.ANTHROPIC: "byokey_translate._anthropic",
    WireFormat.OPENAI_RESPONSES: "byokey_translate._openai_responses",
    WireFormat.GEMINI: "byokey_translate._gemini",
    WireFormat.GEMINI_CLOUDCODE: "byokey_translate._gemini_cloudcode",
}
_STREAM_MODULES = {
    WireFormat.OPENAI: "byokey_translate._stream_openai_chat",
    WireFormat.ANTHROPIC: "byokey_translate._stream_anthropic",
    WireFormat.OPENAI_RESPONSES: "byokey_translate._stream_openai_responses",
    WireFormat.GEMINI: "byokey_translate._stream_gemini",
    WireFormat.GEMINI_CLOUDCODE: "byokey_translate._stream_gemini_cloudcode",
}


class Codec(Protocol):
    def read_request(self, body: dict[str, Any]) -> RequestIR: ...
    def write_request(self, ir: RequestIR) -> dict[str, Any]: ...
    def read_response(self, body: dict[str, Any]) -> ResponseIR: ...
    def write_response(self, ir: ResponseIR) -> dict[str, Any]: ...


class StreamReader(Protocol):
    """One format's SSE events in, canonical events out. ``data`` may be the
    string ``"[DONE]"`` (OpenAI's terminator), which a reader treats as the end."""

    def feed(self, event: str | None, data: dict[str, Any] | str) -> list[StreamEvent]: ...
    def finish(self) -> list[StreamEvent]: ...


class StreamWriter(Protocol):
    """Canonical events in, one format's SSE events out (``"[DONE]"`` payload for OpenAI)."""

    def feed(self, event: StreamEvent) -> Frames: ...
    def finish(self) -> Frames: ...


@cache
def codec(fmt: WireFormat) -> Codec:
    module: Any = importlib.import_module(_CODEC_MODULES[fmt])
    return module  # type: ignore[no-any-return]


@cache
def stream_module(fmt: WireFormat) -> ModuleType:
    """The module holding ``StreamReader`` and ``StreamWriter`` classes for ``fmt``."""
    return importlib.import_module(_STREAM_MODULES[fmt])
