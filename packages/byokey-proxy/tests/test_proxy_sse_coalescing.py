"""SSEResponse batching: frames already queued go out as one body message.

Driven with an in-memory ASGI ``send``/``receive`` pair, so what is counted is
exactly the messages the server (and every middleware) would see.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.types import Message

from byokey_proxy._sse_response import SSEResponse, StreamOutcome
from byokey_types import WireFormat


async def _run(
    frames: AsyncIterator[bytes], receive_gone: asyncio.Event | None = None
) -> tuple[list[Message], list[StreamOutcome]]:
    sent: list[Message] = []
    outcomes: list[StreamOutcome] = []
    gone = receive_gone or asyncio.Event()

    async def receive() -> Message:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    response = SSEResponse(
        frames,
        client_format=WireFormat.OPENAI,
        keepalive_seconds=0,
        on_finish=outcomes.append,
    )
    await asyncio.wait_for(response({"type": "http"}, receive, send), 10)
    return sent, outcomes


def _bodies(sent: list[Message]) -> list[Message]:
    return [m for m in sent if m["type"] == "http.response.body"]


async def test_a_burst_of_frames_is_one_body_message() -> None:
    async def burst() -> AsyncIterator[bytes]:
        for i in range(5):
            yield f"data: {i}\n\n".encode()

    sent, outcomes = await _run(burst())
    assert sent[0]["type"] == "http.response.start"
    bodies = _bodies(sent)
    assert b"".join(m["body"] for m in bodies) == b"".join(
        f"data: {i}\n\n".encode() for i in range(5)
    )
    assert len(bodies) == 1
    assert bodies[-1]["more_body"] is False
    assert outcomes[0].completed and outcomes[0].status == 200


async def test_frames_separated_by_waits_are_not_held_back() -> None:
    async def paced() -> AsyncIterator[bytes]:
        for i in range(3):
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            yield f"data: {i}\n\n".encode()

    sent, _ = await _run(paced())
    bodies = [m["body"] for m in _bodies(sent) if m["body"]]
    assert bodies == [f"data: {i}\n\n".encode() for i in range(3)]


async def test_large_bursts_are_split_near_the_high_water_mark() -> None:
    frame = b"data: " + b"x" * 40_000 + b"\n\n"

    async def big() -> AsyncIterator[bytes]:
        for _ in range(6):
            yield frame

    sent, _ = await _run(big())
    bodies = _bodies(sent)
    assert b"".join(m["body"] for m in bodies) == frame * 6
    assert len(bodies) >= 3
    assert all(len(m["body"]) <= 2 * len(frame) for m in bodies)


async def test_a_client_that_leaves_mid_stream_closes_the_frames() -> None:
    gone = asyncio.Event()
    release = asyncio.Event()
    closed: list[bool] = []

    async def stalls() -> AsyncIterator[bytes]:
        try:
            yield b"data: first\n\n"
            gone.set()
            await release.wait()
            yield b"data: never\n\n"
        finally:
            closed.append(True)

    sent, outcomes = await _run(stalls(), gone)
    assert b"never" not in b"".join(m["body"] for m in _bodies(sent))
    assert closed == [True]
    assert outcomes[0].disconnected and outcomes[0].status == 499
