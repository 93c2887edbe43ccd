"""A request abandoned before its first body byte closes its upstream connection.

curl_cffi only returns a streamed response after the first body byte; without
``AbandonableSession`` a cancelled or timed-out wait would leave the transfer
running. The upstream here sends headers and then nothing, and reports when the
connection it was holding goes away. Both the curl_cffi path and the lean
plain-http client are checked (``lean`` below).
"""

from __future__ import annotations

import asyncio

import pytest

from byokey_provider import Timeouts, UpstreamHttp
from byokey_types import UpstreamTimeout
from tests.fakes.raw_wire import ScriptedUpstream


async def _silent_first(
    request: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bool:
    """The first request gets headers only, then nothing until the client hangs up."""
    if request.startswith(b"POST /v1/chat/completions?first"):
        writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        await writer.drain()
        while await reader.read(1024):  # bounded by the client closing
            pass
        return False
    writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
    await writer.drain()
    return True


async def _send(http: UpstreamHttp, url: str) -> bytes:
    response = await http.send(
        "POST", url, upstream="lab", headers={"content-type": "application/json"}, json={}
    )
    return await response.read()


lean = pytest.mark.parametrize("lean", [False, True], ids=["curl", "lean-plain-http"])


@lean
async def test_cancelled_wait_closes_the_connection_and_the_pool_still_works(lean: bool) -> None:
    timeouts = Timeouts(connect=5, first_byte=0, idle=0)
    http = UpstreamHttp(impersonate=None, timeouts=timeouts, lean_plain_http=lean)
    try:
        async with ScriptedUpstream(_silent_first) as upstream:
            first = f"{upstream.url}/v1/chat/completions?first"
            waiting = asyncio.ensure_future(_send(http, first))
            await asyncio.wait_for(upstream.received.wait(), 5)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await asyncio.wait_for(upstream.closed.wait(), 5)
            later = f"{upstream.url}/v1/chat/completions"
            assert await asyncio.wait_for(_send(http, later), 5) == b"ok"
    finally:
        await http.aclose()


@lean
async def test_first_byte_timeout_closes_the_connection(lean: bool) -> None:
    timeouts = Timeouts(connect=0.2, first_byte=0.2, idle=0)
    http = UpstreamHttp(impersonate=None, timeouts=timeouts, lean_plain_http=lean)
    try:
        async with ScriptedUpstream(_silent_first) as upstream:
            first = f"{upstream.url}/v1/chat/completions?first"
            with pytest.raises(UpstreamTimeout):
                await asyncio.wait_for(_send(http, first), 10)
            await asyncio.wait_for(upstream.closed.wait(), 5)
    finally:
        await http.aclose()
