"""A byte-level fake upstream: each request answered by a coroutine that owns the socket.

``FakeServer`` speaks well-formed HTTP from declarative replies; an HTTP client's
own tests need answers it would never produce — headers then silence, bodies cut
short, garbage status lines, a keep-alive connection closed under the client —
so here the test writes the bytes itself, on the test's own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

__all__ = ["Answer", "ScriptedUpstream", "replies"]

Answer = Callable[[bytes, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]


class ScriptedUpstream:
    """Answers each request with ``answer(request_bytes, reader, writer)``.

    ``answer`` returns whether the connection stays open for another request.
    Every request (head and body) and every connection is recorded.
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed = asyncio.Event()
        self.received = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> ScriptedUpstream:
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
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                self.received.set()
                if not await self.answer(request, reader, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.closed.set()
            writer.close()


def replies(*raw: bytes, keep: bool = True) -> Answer:
    """Answer with these bytes, written piece by piece."""

    async def answer(_: bytes, __: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        for piece in raw:
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.001)
        return keep

    return answer
