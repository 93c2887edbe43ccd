"""A bounded HTTP/1.1 load generator for loopback servers.

``concurrency`` keep-alive connections, each sending one request after the
other (closed loop), until ``count`` requests were sent or ``duration``
seconds passed, whichever comes first; a request that takes longer than
``request_timeout`` is an error and its connection is replaced. The client is a raw
``asyncio.Protocol`` (no HTTP library between us and the socket), so on this
machine it drives the fake upstream at well over 10,000 req/s and is never
what a proxy measurement is limited by.

Recorded per request: latency (request written -> last body byte), time to
first token (-> first ``data:`` of an SSE body, or the first body byte of a
JSON one), status and whether the body holds ``expect``. Only loopback hosts
are accepted: this is a benchmark, not a load-testing tool for other people's
servers.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

__all__ = ["LoadResult", "Target", "build_request", "probe", "run_load", "wait_ready"]

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True, slots=True)
class Target:
    """Where to send, and the raw request bytes sent every time."""

    host: str
    port: int
    raw: bytes
    expect: bytes | None = None

    def __post_init__(self) -> None:
        if self.host not in _LOOPBACK:
            raise ValueError(f"bench load is loopback only, not {self.host!r}")


def build_request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    expect: bytes | None = None,
) -> Target:
    lines = [f"{method} {path} HTTP/1.1", f"host: {host}:{port}", "accept: */*"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append("content-type: application/json")
        lines.append(f"content-length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
    return Target(host, port, raw, expect)


@dataclass(slots=True)
class LoadResult:
    """What one load run measured (latencies in seconds, sorted)."""

    concurrency: int
    sent: int = 0
    ok: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    ttfts: list[float] = field(default_factory=list)
    bytes_in: int = 0

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, p: float, *, of: str = "latency") -> float | None:
        """Nearest-rank percentile ``p`` (0-100) of latency or ``ttft``, None when empty."""
        values = self.latencies if of == "latency" else self.ttfts
        if not values:
            return None
        rank = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
        return values[rank]

    def summary(self) -> dict[str, Any]:
        def ms(v: float | None) -> float | None:
            return None if v is None else round(v * 1000, 3)

        return {
            "concurrency": self.concurrency,
            "sent": self.sent,
            "ok": self.ok,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "elapsed_s": round(self.elapsed, 3),
            "rps": round(self.throughput, 1),
            "p50_ms": ms(self.percentile(50)),
            "p90_ms": ms(self.percentile(90)),
            "p99_ms": ms(self.percentile(99)),
            "ttft_p50_ms": ms(self.percentile(50, of="ttft")),
            "ttft_p99_ms": ms(self.percentile(99, of="ttft")),
            "bytes_in": self.bytes_in,
        }


class _Answer:
    __slots__ = ("body", "done", "size", "status", "t_first")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.status = 0
        self.t_first = 0.0
        self.size = 0
        self.body: list[bytes] = []
        self.done: asyncio.Future[None] = loop.create_future()


class _Connection(asyncio.Protocol):
    """Parses one response at a time: status, Content-Length or chunked body."""

    def __init__(self, loop: asyncio.AbstractEventLoop, keep_body: bool) -> None:
        self.loop = loop
        self.keep_body = keep_body
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.answer: _Answer | None = None
        self.reset()

    def reset(self) -> None:
        self.in_body = False
        self.length = -1  # -1: chunked
        self.chunk_left = 0  # bytes of the current chunk still to come (+2 for its CRLF)
        self.closed = False
        self.sse = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def send(self, raw: bytes) -> _Answer:
        assert self.transport is not None
        self.answer = _Answer(self.loop)
        self.reset()
        self.transport.write(raw)
        return self.answer

    def data_received(self, data: bytes) -> None:
        answer = self.answer
        if answer is None:
            return
        self.buf += data
        if not self.in_body:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).split(b"\r\n")
            del self.buf[: end + 4]
            answer.status = int(head[0].split(b" ", 2)[1])
            self.length = 0
            for line in head[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    self.length = int(value)
                elif name == b"transfer-encoding" and b"chunked" in value.lower():
                    self.length = -1
                elif name == b"content-type" and b"event-stream" in value:
                    self.sse = True
                elif name == b"connection" and value.strip().lower() == b"close":
                    self.closed = True
            self.in_body = True
        if self.length >= 0:
            self._body_fixed(answer)
        else:
            self._body_chunked(answer)

    def _mark_first(self, answer: _Answer, piece: bytes) -> None:
        if not answer.t_first and (not self.sse or b"data:" in piece):
            answer.t_first = time.perf_counter()

    def _body_fixed(self, answer: _Answer) -> None:
        if self.buf and not answer.t_first:
            self._mark_first(answer, bytes(self.buf[:4096]))
        if len(self.buf) >= self.length:
            piece = bytes(self.buf[: self.length])
            del self.buf[: self.length]
            self._keep(answer, piece)
            self._finish(answer)

    def _body_chunked(self, answer: _Answer) -> None:
        buf = self.buf
        while True:
            if self.chunk_left:
                take = min(self.chunk_left, len(buf))
                if take == 0:
                    return
                piece = bytes(buf[:take])
                del buf[:take]
                self.chunk_left -= take
                self._mark_first(answer, piece)
                self._keep(answer, piece)
                continue
            eol = buf.find(b"\r\n")
            if eol < 0:
                return
            line = bytes(buf[:eol])
            if not line:  # the CRLF that ends a chunk
                del buf[:2]
                continue
            size = int(line.split(b";")[0], 16)
            if size == 0:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                del buf[: end + 4]
                self._finish(answer)
                return
            del buf[: eol + 2]
            self.chunk_left = size

    def _keep(self, answer: _Answer, piece: bytes) -> None:
        answer.size += len(piece)
        if self.keep_body:
            answer.body.append(piece)

    def _finish(self, answer: _Answer) -> None:
        self.answer = None
        if not answer.done.done():
            answer.done.set_result(None)
        if self.closed and self.transport is not None:
            self.transport.close()
            self.transport = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        answer, self.answer = self.answer, None
        if answer is not None and not answer.done.done():
            answer.done.set_exception(ConnectionError("connection closed mid-response"))


async def _connect(target: Target, keep_body: bool) -> _Connection:
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(
        lambda: _Connection(loop, keep_body), target.host, target.port
    )
    return proto


async def run_load(
    target: Target,
    *,
    concurrency: int,
    count: int,
    duration: float,
    request_timeout: float = 60.0,
) -> LoadResult:
    """Closed-loop load; stops at ``count`` requests or ``duration`` seconds."""
    if count <= 0 or duration <= 0 or concurrency <= 0:
        raise ValueError("count, duration and concurrency must be positive")
    result = LoadResult(concurrency=concurrency)
    issued = 0
    keep_body = target.expect is not None
    start = time.perf_counter()
    deadline = start + duration

    async def worker() -> None:
        nonlocal issued
        conn: _Connection | None = None
        while issued < count and time.perf_counter() < deadline:
            issued += 1
            try:
                if conn is None or conn.transport is None:
                    conn = await asyncio.wait_for(_connect(target, keep_body), request_timeout)
                t0 = time.perf_counter()
                answer = conn.send(target.raw)
                await asyncio.wait_for(answer.done, request_timeout)
                t1 = time.perf_counter()
            except TimeoutError:
                result.errors["timeout"] += 1
                _drop(conn)
                conn = None
                continue
            except OSError as exc:
                result.errors[type(exc).__name__] += 1
                _drop(conn)
                conn = None
                await asyncio.sleep(0.01)  # a refused connect must not spin
                continue
            result.sent += 1
            result.bytes_in += answer.size
            if answer.status != 200:
                result.errors[f"http {answer.status}"] += 1
                continue
            if target.expect is not None and target.expect not in b"".join(answer.body):
                result.errors["unexpected body"] += 1
                continue
            result.ok += 1
            result.latencies.append(t1 - t0)
            result.ttfts.append((answer.t_first or t1) - t0)
        _drop(conn)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    result.latencies.sort()
    result.ttfts.sort()
    return result


def _drop(conn: _Connection | None) -> None:
    if conn is not None and conn.transport is not None:
        conn.transport.close()
        conn.transport = None


async def probe(target: Target, *, limit: float = 2.0) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body); (0, b"") when refused."""
    try:
        conn = await asyncio.wait_for(_connect(target, True), limit)
    except (OSError, TimeoutError):
        return 0, b""
    try:
        answer = conn.send(target.raw)
        await asyncio.wait_for(answer.done, limit)
        return answer.status, b"".join(answer.body)
    except (OSError, TimeoutError):
        return 0, b""
    finally:
        _drop(conn)


async def wait_ready(target: Target, *, since: float, limit: float = 60.0) -> float:
    """Seconds from ``since`` (a ``perf_counter``) to the first 200 on ``target``.

    Polls every 10 ms; raises ``TimeoutError`` after ``limit`` seconds.
    """
    deadline = since + limit
    while time.perf_counter() < deadline:
        status, _ = await probe(target, limit=1.0)
        if status == 200:
            return time.perf_counter() - since
        await asyncio.sleep(0.01)
    raise TimeoutError(f"no 200 from {target.host}:{target.port} within {limit:g}s")
