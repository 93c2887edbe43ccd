"""HTTP/1.1 by hand over asyncio streams, so the fakes decide every byte on the wire.

A real server framework would normalise exactly the things the tests want to break:
chunk boundaries, truncated bodies, missing terminators, half-written responses.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http import HTTPStatus

from tests.fakes._recorded import Headers
from tests.fakes._replies import Drop, Json, Raw, Reply, Sse, Stall, header_items

MAX_HEAD = 64 * 1024


class ClientGone(Exception):
    """The peer closed the connection (or sent something we cannot read)."""


@dataclass(frozen=True)
class RequestHead:
    method: str
    target: str
    version: str
    headers: Headers

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_head(reader: asyncio.StreamReader) -> RequestHead | None:
    """Read a request line and headers; None on a clean EOF between requests."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise ClientGone("truncated request head") from exc
    except (asyncio.LimitOverrunError, ConnectionError) as exc:
        raise ClientGone(str(exc)) from exc
    lines = raw.decode("latin-1").split("\r\n")
    request_line = lines[0]
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise ClientGone("malformed request line")
    method, target, version = parts
    items: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise ClientGone("malformed header line")
        items.append((name.strip(), value.strip()))
    return RequestHead(method=method, target=target, version=version, headers=Headers(items))


async def read_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: RequestHead
) -> bytes:
    """Read a Content-Length or chunked body, answering ``Expect: 100-continue`` first."""
    if head.headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
    try:
        if "chunked" in head.headers.get("transfer-encoding", "").lower():
            return await _read_chunked(reader)
        length = int(head.headers.get("content-length", "0") or "0")
        return await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
        raise ClientGone("truncated request body") from exc


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            # Trailers (usually none) end with an empty line.
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _status_line(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Status"
    return f"HTTP/1.1 {status} {phrase}\r\n".encode("latin-1")


def _head_bytes(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [_status_line(status)]
    lines.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers)
    lines.append(b"\r\n")
    return b"".join(lines)


def _with_defaults(
    headers: list[tuple[str, str]], defaults: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    present = {name.lower() for name, _ in headers}
    return [item for item in defaults if item[0].lower() not in present] + headers


async def write_reply(writer: asyncio.StreamWriter, reply: Reply, *, keep_alive: bool) -> bool:
    """Put ``reply`` on the wire; returns whether the connection may be reused."""
    if isinstance(reply, Stall):
        await asyncio.sleep(reply.seconds)
        if reply.then is None:
            return False
        return await write_reply(writer, reply.then, keep_alive=keep_alive)
    if isinstance(reply, Drop):
        if reply.partial:
            writer.write(reply.partial)
            await writer.drain()
        return False
    if isinstance(reply, Raw):
        writer.write(reply.data)
        await writer.drain()
        return not reply.close and keep_alive
    if isinstance(reply, Sse):
        return await _write_sse(writer, reply, keep_alive=keep_alive)
    body = reply.encoded()
    content_type = "application/json" if isinstance(reply, Json) else reply.content_type
    connection = "keep-alive" if keep_alive else "close"
    headers = _with_defaults(
        header_items(reply.headers),
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Connection", connection),
        ],
    )
    writer.write(_head_bytes(reply.status, headers) + body)
    await writer.drain()
    return keep_alive


async def _write_sse(writer: asyncio.StreamWriter, reply: Sse, *, keep_alive: bool) -> bool:
    pieces = reply.pieces()
    defaults = [("Content-Type", reply.content_type), ("Cache-Control", "no-cache")]
    reusable = keep_alive and reply.framing != "close" and reply.drop_after is None
    if reply.framing == "chunked":
        defaults.append(("Transfer-Encoding", "chunked"))
    elif reply.framing == "length":
        defaults.append(("Content-Length", str(sum(len(piece) for piece, _ in pieces))))
    defaults.append(("Connection", "keep-alive" if reusable else "close"))
    writer.write(_head_bytes(reply.status, _with_defaults(header_items(reply.headers), defaults)))
    await writer.drain()

    stalled = False
    if reply.stall and reply.stall_after == 0:
        stalled = True
        await asyncio.sleep(reply.stall)
    if reply.drop_after == 0:
        return False
    for index, (piece, completed) in enumerate(pieces):
        if index and reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.framing == "chunked":
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        else:
            writer.write(piece)
        await writer.drain()
        if reply.drop_after is not None and completed >= reply.drop_after:
            return False
        if reply.stall and not stalled and completed >= reply.stall_after:
            stalled = True
            await asyncio.sleep(reply.stall)
    if reply.framing == "chunked":
        writer.write(b"0\r\n\r\n")
        await writer.drain()
    return reusable
