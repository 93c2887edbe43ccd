"""Usage out of raw SSE bytes, decoding only the events that can carry it.

A passthrough stream is forwarded as the upstream's bytes; decoding every
event just to find the one or two that report tokens would cost most of what
forwarding saves. Every format names its usage field ``usage`` or
``usageMetadata``, so a region of whole events without ``"usage`` has none,
and one whose every ``"usage`` is ``"usage":null`` (OpenAI's chunks with
``stream_options.include_usage``, Responses' ``response.created``) has none
either. Only the rest is decoded. A false positive (the word inside a string)
costs a decode, never a wrong count: the counting itself is
:mod:`._usage_extract`'s, on decoded events.
"""

from __future__ import annotations

from byokey_translate import SSEDecoder
from byokey_types import WireFormat

from ._usage_extract import TokenCounts, usage_from_event

__all__ = ["event_boundary", "sniff_usage"]

_MARK = b'"usage'
_NULL = b'"usage":null'
_NULL_SPACED = b'"usage": null'


def event_boundary(data: bytes) -> int:
    """Where the last complete event of ``data`` ends (0: none is complete).

    An event ends at a blank line; lines end in ``\\n``, ``\\r\\n`` or ``\\r``.
    """
    cut = 0
    lf = data.rfind(b"\n\n")
    if lf >= 0:
        cut = lf + 2
    crlf = data.rfind(b"\r\n\r\n")
    if crlf >= 0 and crlf + 4 > cut:
        cut = crlf + 4
    cr = data.rfind(b"\r\r")
    if cr >= 0 and cr + 2 > cut:
        cut = cr + 2
    return cut


def sniff_usage(counts: TokenCounts, events: bytes, fmt: WireFormat) -> None:
    """Fold the usage in ``events`` (whole SSE events in ``fmt``) into ``counts``."""
    marks = events.count(_MARK)
    if not marks or marks == events.count(_NULL) + events.count(_NULL_SPACED):
        return
    decoder = SSEDecoder()
    for event in (*decoder.feed(events), *decoder.finish()):
        if isinstance(event.data, dict):
            usage_from_event(counts, event.event, event.data, fmt)
