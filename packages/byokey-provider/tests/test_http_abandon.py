"""A request abandoned before its first body byte closes its upstream connection.

curl_cffi only returns a streamed response after the first body byte; without
``AbandonableSession`` a cancelled or timed-out wait would leave the transfer
running. The upstream here sends headers and then nothing, and reports when the
connection it was holding goes away.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from byokey_provider import Timeouts, UpstreamHttp
from byokey_types import UpstreamTimeout


class SilentUpstream:
    """Answers the first request's headers only; later requests get a whole reply."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()
        self.received = asyncio.Event()
        self.requests = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> SilentUpstream:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1/chat/completions"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.requests += 1
                self.received.set()
                if self.requests == 1:
                    writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
                    await writer.drain()
                    while await reader.read(1024):  # bounded by the client closing
                        pass
                    self.closed.set()
                    return
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            self.closed.set()
        finally:
            writer.close()


async def _send(http: UpstreamHttp, url: str) -> bytes:
    response = await http.send(
        "POST", url, upstream="lab", headers={"content-type": "application/json"}, json={}
    )
    return await response.read()


async def test_cancelled_wait_closes_the_connection_and_the_pool_still_works() -> None:
    http = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=5, first_byte=0, idle=0))
    try:
        async with SilentUpstream() as upstream:
            waiting = asyncio.ensure_future(_send(http, upstream.url))
            await asyncio.wait_for(upstream.received.wait(), 5)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await asyncio.wait_for(upstream.closed.wait(), 5)
            assert await asyncio.wait_for(_send(http, upstream.url), 5) == b"ok"
    finally:
        await http.aclose()


async def test_first_byte_timeout_closes_the_connection() -> None:
    http = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=0.2, first_byte=0.2, idle=0))
    try:
        async with SilentUpstream() as upstream:
            with pytest.raises(UpstreamTimeout):
                await asyncio.wait_for(_send(http, upstream.url), 10)
            await asyncio.wait_for(upstream.closed.wait(), 5)
    finally:
        await http.aclose()
