"""Same-format streams leave as the upstream's own bytes (``ChatStream.raw``).

Unit level: whatever the byte splits, ``_raw_frames`` forwards exactly the
upstream's bytes, each piece ending at an event boundary, and the usage it
sniffs equals what decoding every event would have counted. End to end: what
an OpenAI or Anthropic client receives from a same-format upstream is byte for
byte what the upstream sent (comments and ``id:`` lines included, which the
decoding path would drop), and usage is still recorded.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import httpx
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from real_gateway import CLAUDE_MODEL, LAB_MODEL, Live

from byokey_proxy._chat_flow import _raw_frames
from byokey_proxy._usage_extract import TokenCounts, usage_from_event
from byokey_proxy._usage_sniffer import event_boundary, sniff_usage
from byokey_translate import SSEDecoder
from byokey_types import WireFormat
from tests.fakes._replies import Sse


def _chunk(text: str, usage: object = None) -> dict[str, object]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
        "usage": usage,
    }


_OPENAI_BODY = (
    b": warming up\n\n"
    + b"".join(b"data: " + orjson.dumps(_chunk(w)) + b"\n\n" for w in ("a", "b", "c"))
    + b"data: "
    + orjson.dumps(_chunk("", {"prompt_tokens": 11, "completion_tokens": 3}))
    + b"\n\ndata: [DONE]\n\n"
)

_ANTHROPIC_BODY = b"".join(
    b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"
    for name, data in [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {"usage": {"input_tokens": 9, "cache_read_input_tokens": 4}},
            },
        ),
        ("ping", {"type": "ping"}),
        (
            "content_block_delta",
            {"type": "content_block_delta", "delta": {"type": "text_delta", "text": '"usage'}},
        ),
        ("message_delta", {"type": "message_delta", "usage": {"output_tokens": 7}}),
        ("message_stop", {"type": "message_stop"}),
    ]
)


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts} | {0, len(body)})
    return [body[a:b] for a, b in itertools.pairwise(points) if b > a]


async def _pieces(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _decoded_counts(body: bytes, fmt: WireFormat) -> TokenCounts:
    counts = TokenCounts()
    decoder = SSEDecoder()
    for event in (*decoder.feed(body), *decoder.finish()):
        if isinstance(event.data, dict):
            usage_from_event(counts, event.event, event.data, fmt)
    return counts


async def _forward(chunks: list[bytes], fmt: WireFormat) -> tuple[list[bytes], TokenCounts]:
    counts = TokenCounts()
    out = [piece async for piece in _raw_frames(_pieces(chunks), fmt, counts, fmt)]
    return out, counts


@settings(max_examples=150, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=0, max_value=5000), max_size=30),
    fmt=st.sampled_from([WireFormat.OPENAI, WireFormat.ANTHROPIC]),
)
async def test_any_split_forwards_the_same_bytes_cut_at_event_ends(
    cuts: list[int], fmt: WireFormat
) -> None:
    body = _OPENAI_BODY if fmt is WireFormat.OPENAI else _ANTHROPIC_BODY
    out, counts = await _forward(_split(body, cuts), fmt)
    assert b"".join(out) == body
    assert all(piece.endswith(b"\n\n") for piece in out)
    assert counts == _decoded_counts(body, fmt)


async def test_usage_counted_from_the_raw_bytes() -> None:
    _, openai_counts = await _forward([_OPENAI_BODY], WireFormat.OPENAI)
    assert (openai_counts.input_tokens, openai_counts.output_tokens) == (11, 3)
    _, claude_counts = await _forward([_ANTHROPIC_BODY], WireFormat.ANTHROPIC)
    assert (claude_counts.input_tokens, claude_counts.output_tokens) == (9, 7)
    assert claude_counts.cache_read_tokens == 4


async def test_an_openai_stream_without_done_gets_one_and_a_cut_off_event_is_ended() -> None:
    out, _ = await _forward([b'data: {"a":1}\n\ndata: {"b":', b"2}"], WireFormat.OPENAI)
    assert b"".join(out) == b'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n'


async def test_anthropic_streams_get_no_done() -> None:
    out, _ = await _forward([_ANTHROPIC_BODY], WireFormat.ANTHROPIC)
    assert b"[DONE]" not in b"".join(out)


async def test_done_inside_content_is_not_taken_for_the_end() -> None:
    body = b"data: " + orjson.dumps(_chunk("[DONE]")) + b"\n\n"
    out, _ = await _forward([body], WireFormat.OPENAI)
    assert out[-1] == b"data: [DONE]\n\n"


def test_event_boundary_for_every_line_ending() -> None:
    assert event_boundary(b"data: 1\n\ndata: 2") == 9
    assert event_boundary(b"data: 1\r\n\r\ndata: 2") == 11
    assert event_boundary(b"data: 1\r\rdata: 2") == 9
    assert event_boundary(b"data: 1\ndata: 2\n") == 0


def test_null_usage_is_not_decoded_but_real_usage_is() -> None:
    counts = TokenCounts()
    sniff_usage(counts, b'data: {"usage":null}\n\ndata: {"usage": null}\n\n', WireFormat.OPENAI)
    assert counts == TokenCounts()
    sniff_usage(
        counts,
        b'data: {"usage":null}\n\ndata: {"usage":{"prompt_tokens":2,"completion_tokens":1}}\n\n',
        WireFormat.OPENAI,
    )
    assert (counts.input_tokens, counts.output_tokens) == (2, 1)


# ------------------------------------------------------------------ end to end


def _raw_sse(body: bytes) -> Sse:
    """The body as the upstream's exact bytes, cut into small HTTP chunks."""
    return Sse([body], chunk_sizes=[7, 31, 3])


async def _post_stream(live: Live, path: str, payload: dict[str, object]) -> bytes:
    async with httpx.AsyncClient(timeout=20) as client:
        reply = await client.post(f"{live.url}{path}", json=payload)
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/event-stream")
    return reply.content


async def test_openai_client_receives_the_upstream_bytes_verbatim(live: Live) -> None:
    body = _OPENAI_BODY.replace(b"data: {", b"id: 7\ndata: {", 1)
    live.up.lab.reply_with(_raw_sse(body))
    got = await _post_stream(
        live,
        "/v1/chat/completions",
        {"model": LAB_MODEL, "stream": True, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert got == body
    [record] = await live.records()
    assert (record.input_tokens, record.output_tokens, record.success) == (11, 3, True)


async def test_anthropic_client_receives_the_claude_bytes_verbatim(live: Live) -> None:
    body = b": upstream comment\n\n" + _ANTHROPIC_BODY
    live.up.claude.reply_with(_raw_sse(body))
    got = await _post_stream(
        live,
        "/v1/messages",
        {
            "model": CLAUDE_MODEL,
            "max_tokens": 16,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        },
    )
    assert got == body
    [record] = await live.records()
    assert (record.input_tokens, record.output_tokens, record.cache_read_tokens) == (9, 7, 4)


async def test_sdk_reads_a_passthrough_stream(live: Live) -> None:
    live.up.lab.reply_with(_raw_sse(_OPENAI_BODY))
    async with live.openai() as client:
        stream = await client.chat.completions.create(
            model=LAB_MODEL, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "abc"
