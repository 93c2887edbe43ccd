"""The fused stream path: usage tap, translation and framing in one generator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from byokey_proxy._chat_flow import _client_frames
from byokey_proxy._usage_extract import TokenCounts
from byokey_types import SSEEvent, WireFormat

_Frames = list[tuple[str | None, dict[str, Any] | str]]


async def _events(*items: SSEEvent) -> AsyncIterator[SSEEvent]:
    for item in items:
        yield item


async def _collect(frames: AsyncIterator[bytes]) -> list[bytes]:
    return [frame async for frame in frames]


class _Doubler:
    """Two client events per upstream event; ``finish`` adds a closing one."""

    def feed(self, event: str | None, data: dict[str, Any]) -> _Frames:
        return [("a", {"n": data["n"]}), ("b", {"n": data["n"]})]

    def finish(self) -> _Frames:
        return [("end", {"done": True})]


_OPENAI_USAGE = {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 5}}


async def test_same_format_events_pass_with_usage_and_one_done() -> None:
    counts = TokenCounts()
    frames = await _collect(
        _client_frames(
            _events(
                SSEEvent(None, {"n": 1}), SSEEvent(None, _OPENAI_USAGE), SSEEvent(None, "[DONE]")
            ),
            WireFormat.OPENAI,
            counts,
            None,
            WireFormat.OPENAI,
        )
    )
    assert frames[0] == b'data: {"n":1}\n\n'
    assert frames[-1] == b"data: [DONE]\n\n"
    assert b"".join(frames).count(b"[DONE]") == 1
    assert (counts.input_tokens, counts.output_tokens) == (3, 5)


async def test_openai_clients_get_done_even_if_the_upstream_omits_it() -> None:
    frames = await _collect(
        _client_frames(
            _events(SSEEvent(None, {"n": 1})),
            WireFormat.OPENAI,
            TokenCounts(),
            None,
            WireFormat.OPENAI,
        )
    )
    assert frames == [b'data: {"n":1}\n\n', b"data: [DONE]\n\n"]


async def test_translated_event_frames_go_out_together_and_upstream_done_is_dropped() -> None:
    counts = TokenCounts()
    frames = await _collect(
        _client_frames(
            _events(
                SSEEvent(None, {"n": 1}),
                SSEEvent(None, _OPENAI_USAGE | {"n": 2}),
                SSEEvent(None, "[DONE]"),
            ),
            WireFormat.OPENAI,
            counts,
            _Doubler(),
            WireFormat.ANTHROPIC,
        )
    )
    assert frames == [
        b'event: a\ndata: {"n":1}\n\nevent: b\ndata: {"n":1}\n\n',
        b'event: a\ndata: {"n":2}\n\nevent: b\ndata: {"n":2}\n\n',
        b'event: end\ndata: {"done":true}\n\n',
    ]
    assert (counts.input_tokens, counts.output_tokens) == (3, 5)


async def test_closing_the_frames_closes_the_provider_events() -> None:
    closed: list[bool] = []

    async def endless() -> AsyncIterator[SSEEvent]:
        try:
            for n in range(1000):
                yield SSEEvent(None, {"n": n})
        finally:
            closed.append(True)

    frames = _client_frames(endless(), WireFormat.OPENAI, TokenCounts(), None, WireFormat.OPENAI)
    assert await anext(frames) == b'data: {"n":0}\n\n'
    await frames.aclose()
    assert closed == [True]
