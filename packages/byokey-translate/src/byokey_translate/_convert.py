"""Whole requests and responses from any format to any other."""

from __future__ import annotations

from typing import Any

from byokey_translate._codecs import codec
from byokey_translate._fields import require_dict
from byokey_types.wire.format import WireFormat

__all__ = ["convert_request", "convert_response"]


def convert_request(
    body: dict[str, Any], *, source: WireFormat | str, target: WireFormat | str
) -> dict[str, Any]:
    """``body``, a request in ``source`` format, as a request in ``target`` format.

    The input is never mutated. The same format in and out returns ``body``
    itself: re-encoding would only lose what the reader does not model.
    Malformed input raises :class:`~byokey_types.errors.InvalidRequest` naming the field.
    """
    src, dst = WireFormat(source), WireFormat(target)
    require_dict(body, "body")
    if src is dst:
        return body
    return codec(dst).write_request(codec(src).read_request(body))


def convert_response(
    body: dict[str, Any], *, source: WireFormat | str, target: WireFormat | str
) -> dict[str, Any]:
    """``body``, a complete (non-streamed) response in ``source`` format, in ``target`` format."""
    src, dst = WireFormat(source), WireFormat(target)
    require_dict(body, "body")
    if src is dst:
        return body
    return codec(dst).write_response(codec(src).read_response(body))
