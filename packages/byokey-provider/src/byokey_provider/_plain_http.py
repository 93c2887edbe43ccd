"""A lean HTTP/1.1 client for plain ``http://`` upstreams, without a proxy.

A plain connection (a local Ollama, vLLM, LM Studio, llama.cpp server, a test
fake) has no TLS handshake whose fingerprint would need imitating, and there
curl_cffi's fixed cost per request — a handle taken from the pool, options set
again, a hop through its multi-socket loop, a task per streamed transfer — was
about a third of the gateway's CPU per request. This client speaks the part of
HTTP/1.1 such upstreams answer with, on asyncio's own transports:

* bodies framed by ``Content-Length``, ``Transfer-Encoding: chunked`` or the
  connection closing; ``1xx`` interim answers skipped; no body for ``HEAD``,
  ``204`` and ``304``;
* keep-alive connections kept per origin (at most ``max_idle`` idle ones) and
  reused; a reused connection the server had closed before answering is
  retried once on a fresh one, as curl does;
* nothing is decoded or added behind the caller's back: no compression asked
  for, no browser headers, only ``Host``, ``Content-Length`` and curl's
  ``Accept: */*`` when the caller did not send them.

A transfer that is abandoned — the caller is cancelled, a timeout fires, the
body is not read to its end — closes its connection, so an upstream stops
generating for nobody. Failures are raised as ``TransportError`` /
``UpstreamTimeout`` naming the upstream, never the URL.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
from collections.abc import Mapping
from typing import cast
from urllib.parse import unquote, urlsplit

from byokey_types import TransportError, UpstreamTimeout

from ._errors import transport_error

__all__ = ["PlainHttpPool", "PlainResponse"]

_MAX_HEAD = 64 * 1024
_PAUSE_AT = 1024 * 1024  # buffered bytes at which reading from the socket pauses
_RESUME_AT = 256 * 1024
_NO_BODY_STATUS = frozenset({204, 304})
_CALLER_FRAMING = frozenset({"host", "content-length", "transfer-encoding"})

# body framings
_LENGTH, _CHUNKED, _TO_CLOSE, _NONE = 0, 1, 2, 3
# chunked parser states
_SIZE, _DATA, _DATA_END, _TRAILER = 0, 1, 2, 3


class _Stale(Exception):
    """A reused connection ended before the first byte of an answer."""


@functools.lru_cache(maxsize=512)
def _split(url: str) -> tuple[str, int, str, str, str | None]:
    """(host, port, request target, Host header, Basic credentials) of an ``http://`` URL.

    ``http://user:pass@host/`` sends ``Authorization: Basic …`` as curl does (unless
    the caller sets an ``Authorization`` header itself).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    authority = parts.netloc.rsplit("@", 1)[-1]
    basic = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        basic = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return host, port, target, authority, basic


class _Connection(asyncio.Protocol):
    """One upstream socket: bytes buffered as they arrive, one waiter at a time."""

    __slots__ = ("_loop", "_paused", "_waiter", "buf", "closed", "error", "transport")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.closed = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    # -- protocol callbacks (event loop) --------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a stream transport (uvloop's is not an ``asyncio.Transport`` subclass)
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if len(self.buf) >= _PAUSE_AT and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if exc is not None and self.error is None:
            self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by the request / body readers -----------------------------------------
    async def fill(self) -> None:
        """Wait until more bytes arrived or the connection ended."""
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        waiter = self._loop.create_future()
        self._waiter = waiter
        try:
            await waiter
        finally:
            self._waiter = None

    def take(self, count: int) -> bytes:
        buf = self.buf
        if count >= len(buf):
            data = bytes(buf)
            buf.clear()
        else:
            data = bytes(buf[:count])
            del buf[:count]
        if self._paused and len(buf) < _RESUME_AT and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    @property
    def reusable(self) -> bool:
        transport = self.transport
        return not self.closed and transport is not None and not transport.is_closing()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _encode_head(
    method: str,
    target: str,
    authority: str,
    headers: Mapping[str, str],
    length: int | None,
    basic: str | None = None,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {headers.get('host') or authority}"]
    has_accept = False
    for name, value in headers.items():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError("a header name or value holds a line break")
        lower = name.lower()
        if lower in _CALLER_FRAMING:
            continue  # Host is placed first; the body's framing is ours to state
        if lower == "accept":
            has_accept = True
        elif lower == "authorization":
            basic = None
        lines.append(f"{name}: {value}")
    if not has_accept:
        lines.append("Accept: */*")
    if basic is not None:
        lines.append(f"Authorization: {basic}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("\r\n")
    return "\r\n".join(lines).encode()


def _parse_head(raw: bytes, upstream: str) -> tuple[int, bytes, dict[str, str]]:
    """(status, HTTP version, lower-cased headers; repeated ones joined with ", ")."""
    lines = raw.split(b"\r\n")
    status_line = lines[0].split(b" ", 2)
    try:
        version = status_line[0]
        status = int(status_line[1])
        if not version.startswith(b"HTTP/1.") or not 100 <= status <= 999:
            raise ValueError
    except (IndexError, ValueError):
        raise TransportError(f"{upstream}: the response is not HTTP/1.x") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue  # an obsolete line fold or garbage: nothing a caller reads
        key = name.strip().lower().decode("latin-1")
        text = value.strip().decode("latin-1")
        if not text:
            continue
        seen = headers.get(key)
        headers[key] = text if seen is None else f"{seen}, {text}"
    return status, version, headers


class PlainResponse:
    """Status and headers of one answer, and its body read piece by piece.

    :meth:`next` returns the bytes available (at least one) or ``b""`` at the
    end; once the body ended cleanly the connection goes back to the pool.
    """

    __slots__ = (
        "_chunk_left",
        "_conn",
        "_framing",
        "_keep",
        "_left",
        "_pool",
        "_state",
        "done",
        "headers",
        "key",
        "status",
        "upstream",
    )

    def __init__(
        self,
        pool: PlainHttpPool,
        key: tuple[str, int],
        conn: _Connection,
        *,
        status: int,
        version: bytes,
        headers: dict[str, str],
        method: str,
        upstream: str,
    ) -> None:
        self._pool = pool
        self.key = key
        self._conn = conn
        self.status = status
        self.headers = headers
        self.upstream = upstream
        self.done = False
        self._left = 0
        self._chunk_left = 0
        self._state = _SIZE
        connection = headers.get("connection", "").lower()
        self._keep = (
            "close" not in connection if version == b"HTTP/1.1" else "keep-alive" in connection
        )
        coding = headers.get("transfer-encoding", "").lower()
        if method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            self._framing = _NONE
        elif coding:
            if coding.rsplit(",", 1)[-1].strip() == "chunked":
                self._framing = _CHUNKED
            else:
                self._framing, self._keep = _TO_CLOSE, False
        elif "content-length" in headers:
            try:
                self._left = int(headers["content-length"])
                if self._left < 0:
                    raise ValueError
            except ValueError:
                conn.abort()
                raise TransportError(f"{upstream}: invalid Content-Length") from None
            self._framing = _LENGTH
        else:
            self._framing, self._keep = _TO_CLOSE, False
        if self._framing == _NONE or (self._framing == _LENGTH and self._left == 0):
            self._finish()

    async def next(self) -> bytes:
        conn = self._conn
        while not self.done:
            framing = self._framing
            if framing == _LENGTH:
                if conn.buf:
                    data = conn.take(self._left)
                    self._left -= len(data)
                    if not self._left:
                        self._finish()
                    return data
            elif framing == _CHUNKED:
                data = self._parse_chunks()
                if data or self.done:
                    return data
            elif conn.buf:  # _TO_CLOSE
                return conn.take(len(conn.buf))
            if conn.closed:
                if framing == _TO_CLOSE:
                    self._finish()
                    return b""
                self.abort()
                raise transport_error(
                    conn.error or ConnectionError("the connection closed mid-body"),
                    upstream=self.upstream,
                )
            await conn.fill()
        return b""

    def _parse_chunks(self) -> bytes:
        """Every chunk byte already buffered (joined), advancing the parser."""
        buf = self._conn.buf
        pieces: list[bytes] = []
        while True:
            state = self._state
            if state == _DATA:
                if not buf:
                    break
                data = self._conn.take(self._chunk_left)
                self._chunk_left -= len(data)
                pieces.append(data)
                if not self._chunk_left:
                    self._state = _DATA_END
                continue
            end = buf.find(b"\r\n")
            if end < 0:
                if len(buf) > _MAX_HEAD:
                    self.abort()
                    raise TransportError(f"{self.upstream}: malformed chunked body")
                break
            line = self._conn.take(end + 2)[:-2]
            if state == _SIZE:
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                    if size < 0:
                        raise ValueError
                except ValueError:
                    self.abort()
                    raise TransportError(f"{self.upstream}: malformed chunked body") from None
                if size:
                    self._chunk_left, self._state = size, _DATA
                else:
                    self._state = _TRAILER
            elif state == _DATA_END:
                if line:
                    self.abort()
                    raise TransportError(f"{self.upstream}: malformed chunked body")
                self._state = _SIZE
            elif not line:  # _TRAILER: the empty line ends the body
                self._finish()
                break
        return b"".join(pieces) if len(pieces) != 1 else pieces[0]

    def _finish(self) -> None:
        self.done = True
        conn = self._conn
        if self._keep and not conn.buf and conn.reusable:
            self._pool.release(self.key, conn)
        else:
            conn.abort()

    def abort(self) -> None:
        """Give up on the body: the connection closes (a no-op once it ended)."""
        if not self.done:
            self.done = True
            self._conn.abort()

    async def aclose(self) -> None:
        self.abort()


class PlainHttpPool:
    """Keep-alive connections per ``(host, port)``, shared by every request.

    ``connect_timeout`` is in seconds, ``0`` for none.
    """

    def __init__(self, *, connect_timeout: float = 30.0, max_idle: int = 32) -> None:
        self.connect_timeout = connect_timeout
        self._max_idle = max_idle
        self._idle: dict[tuple[str, int], list[_Connection]] = {}

    @property
    def origin_count(self) -> int:
        return len(self._idle)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None,
        upstream: str,
    ) -> PlainResponse:
        """Send one request; returns once the answer's first body byte arrived."""
        host, port, target, authority, basic = _split(url)
        key = (host, port)
        try:
            length = len(body) if body is not None else None
            head = _encode_head(method, target, authority, headers, length, basic)
        except ValueError as exc:
            raise TransportError(f"{upstream}: {exc}") from None
        for fresh in (False, True):
            conn, reused = await self._acquire(key, upstream, fresh=fresh)
            try:
                transport = conn.transport
                assert transport is not None
                if body:
                    transport.writelines((head, body))
                else:
                    transport.write(head)
                while True:
                    status, version, response_headers = await self._read_head(
                        conn, reused, upstream
                    )
                    if status >= 200:
                        break
                    if status == 101:
                        raise TransportError(f"{upstream}: unexpected protocol switch")
                    reused = False  # an interim answer came: it is not a stale connection
                response = PlainResponse(
                    self,
                    key,
                    conn,
                    status=status,
                    version=version,
                    headers=response_headers,
                    method=method,
                    upstream=upstream,
                )
                # like curl, return at the first body byte: an upstream that sends
                # its headers at once and then thinks is still inside first_byte
                while not response.done and not conn.buf and not conn.closed:
                    await conn.fill()
            except _Stale:
                conn.abort()
                continue
            except BaseException:
                conn.abort()
                raise
            return response
        raise TransportError(f"{upstream}: the connection closed before an answer")

    async def _acquire(
        self, key: tuple[str, int], upstream: str, *, fresh: bool
    ) -> tuple[_Connection, bool]:
        idle = self._idle.get(key)
        if idle is None:
            idle = self._idle[key] = []  # the origin counts as one pool from now on
        elif fresh:
            idle = None
        while idle:
            conn = idle.pop()
            if conn.reusable:
                return conn, True
            conn.abort()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout or None):
                _, protocol = await loop.create_connection(lambda: _Connection(loop), *key)
        except TimeoutError:
            raise UpstreamTimeout(f"{upstream}: connect timed out") from None
        except OSError as exc:
            raise transport_error(exc, upstream=upstream) from None
        return protocol, False

    @staticmethod
    async def _read_head(
        conn: _Connection, reused: bool, upstream: str
    ) -> tuple[int, bytes, dict[str, str]]:
        buf = conn.buf
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                raw = conn.take(end + 4)[:-4]
                return _parse_head(raw, upstream)
            if len(buf) > _MAX_HEAD:
                raise TransportError(f"{upstream}: response headers too large")
            if conn.closed:
                if reused and not buf:
                    raise _Stale
                raise transport_error(
                    conn.error or ConnectionError("the connection closed before an answer"),
                    upstream=upstream,
                )
            await conn.fill()

    def release(self, key: tuple[str, int], conn: _Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) < self._max_idle:
            idle.append(conn)
        else:
            conn.abort()

    def close(self) -> None:
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                with contextlib.suppress(Exception):
                    conn.abort()
