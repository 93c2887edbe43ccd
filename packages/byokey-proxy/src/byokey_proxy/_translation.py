"""Bringing a provider's answer into the client's wire format.

Same format: nothing to do, the body or events pass through untouched (the hot
path — no conversion, no copy). Different formats: ``byokey_translate`` does
the work. It is looked up when first needed rather than imported at module
load, so the gateway keeps serving same-format traffic even in a build whose
translator lacks a pair; a missing pair is an ``UnsupportedTranslation``.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, cast

from byokey_types import UnsupportedTranslation, WireFormat

__all__ = ["StreamTranslator", "stream_translator", "translate_body"]

_Frames = list[tuple[str | None, dict[str, Any] | str]]


class StreamTranslator(Protocol):
    def feed(self, event: str | None, data: dict[str, Any]) -> _Frames: ...

    def finish(self) -> _Frames: ...


def _translator_attr(name: str, source: WireFormat, target: WireFormat, what: str) -> Any:
    try:
        module = importlib.import_module("byokey_translate")
    except ImportError:
        raise UnsupportedTranslation(source, target, what) from None
    attr = getattr(module, name, None)
    if attr is None:
        raise UnsupportedTranslation(source, target, what)
    return attr


def translate_body(body: dict[str, Any], source: WireFormat, target: WireFormat) -> dict[str, Any]:
    """A complete response body in ``target`` format."""
    if source is target:
        return body
    convert = _translator_attr("convert_response", source, target, "response")
    return cast(dict[str, Any], convert(body, source=source, target=target))


def stream_translator(source: WireFormat, target: WireFormat) -> StreamTranslator:
    factory = _translator_attr("StreamConverter", source, target, "stream")
    return cast(StreamTranslator, factory(source, target))
