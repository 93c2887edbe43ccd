"""A fast fake upstream for benchmarks: OpenAI chat, Responses, Anthropic, Gemini.

It must never be what limits a measurement, so it is a bare ``asyncio.Protocol``
HTTP/1.1 server (uvloop when installed): keep-alive, Content-Length or chunked
request bodies, and answers built once per (route, model, stream) and then only
written. The test fakes in ``tests/fakes`` record and script; this one only
answers fast. Streams are ``--chunks`` content deltas (default 20) sent as
separate chunked-encoding writes, optionally ``--chunk-delay-ms`` apart.

Routes (the path prefix is free, so any ``base_url`` works):

* ``POST …/chat/completions`` — OpenAI chat, JSON or SSE (``"stream": true``);
* ``POST …/responses`` — OpenAI Responses, JSON or SSE;
* ``POST …/messages`` — Anthropic Messages, JSON or SSE; ``…/count_tokens``;
* ``POST …/models/<m>:generateContent`` / ``:streamGenerateContent`` — Gemini;
* ``GET …/models`` — an OpenAI model list; ``GET /_stats`` — requests served.

Run ``python -m bench.fake_upstream --port 0``: it prints ``READY <port>`` once
listening and serves until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import orjson

__all__ = ["FakeUpstream", "main", "serve"]

_MAX_HEAD = 64 * 1024
_CACHE_LIMIT = 512
_CREATED = 1_700_000_000
_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found"}


def _json_head(status: int, length: int, close: bool) -> bytes:
    conn = b"connection: close\r\n" if close else b""
    return b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n" % (
        status,
        _REASONS.get(status, b"OK"),
        length,
        conn,
    )


def _sse_head(close: bool) -> bytes:
    conn = b"connection: close\r\n" if close else b""
    return (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
        b"transfer-encoding: chunked\r\n%s\r\n" % conn
    )


def _chunk(frame: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(frame), frame)


def _data(payload: Any, event: str | None = None) -> bytes:
    head = b"event: %s\n" % event.encode() if event else b""
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return head + b"data: " + body + b"\n\n"


def _tokens(n: int) -> list[str]:
    return [f"tok{i} " for i in range(n)]


# --- answers, one builder per wire format --------------------------------------------


def _openai(model: str, stream: bool, n: int) -> list[bytes]:
    text = _tokens(n)
    usage = {"prompt_tokens": 12, "completion_tokens": n, "total_tokens": 12 + n}
    if not stream:
        return [
            orjson.dumps(
                {
                    "id": "chatcmpl-bench",
                    "object": "chat.completion",
                    "created": _CREATED,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(text)},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": usage,
                }
            )
        ]

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        return _data(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion.chunk",
                "created": _CREATED,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **extra,
            }
        )

    frames = [chunk({"role": "assistant", "content": ""})]
    frames += [chunk({"content": t}) for t in text]
    frames.append(chunk({}, "stop", usage=usage))
    frames.append(b"data: [DONE]\n\n")
    return frames


def _anthropic(model: str, stream: bool, n: int) -> list[bytes]:
    text = _tokens(n)
    if not stream:
        return [
            orjson.dumps(
                {
                    "id": "msg_bench",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": "".join(text)}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {"input_tokens": 12, "output_tokens": n},
                }
            )
        ]
    start = {
        "type": "message_start",
        "message": {
            "id": "msg_bench",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 1},
        },
    }
    frames = [
        _data(start, "message_start"),
        _data(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        ),
    ]
    frames += [
        _data(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}},
            "content_block_delta",
        )
        for t in text
    ]
    frames += [
        _data({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _data(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": n},
            },
            "message_delta",
        ),
        _data({"type": "message_stop"}, "message_stop"),
    ]
    return frames


def _responses(model: str, stream: bool, n: int) -> list[bytes]:
    text = _tokens(n)
    full = "".join(text)
    part = {"type": "output_text", "text": full, "annotations": []}
    item = {
        "type": "message",
        "id": "msg_bench",
        "status": "completed",
        "role": "assistant",
        "content": [part],
    }
    done = {
        "id": "resp_bench",
        "object": "response",
        "created_at": _CREATED,
        "status": "completed",
        "model": model,
        "output": [item],
        "usage": {"input_tokens": 12, "output_tokens": n, "total_tokens": 12 + n},
    }
    if not stream:
        return [orjson.dumps(done)]
    seq = iter(range(1_000_000))

    def ev(kind: str, **fields: Any) -> bytes:
        return _data({"type": kind, "sequence_number": next(seq), **fields}, kind)

    created = {**done, "status": "in_progress", "output": [], "usage": None}
    empty_item = {**item, "status": "in_progress", "content": []}
    ids = {"item_id": "msg_bench", "output_index": 0, "content_index": 0}
    frames = [
        ev("response.created", response=created),
        ev("response.output_item.added", output_index=0, item=empty_item),
        ev("response.content_part.added", part={**part, "text": ""}, **ids),
    ]
    frames += [ev("response.output_text.delta", delta=t, **ids) for t in text]
    frames += [
        ev("response.output_text.done", text=full, **ids),
        ev("response.content_part.done", part=part, **ids),
        ev("response.output_item.done", output_index=0, item=item),
        ev("response.completed", response=done),
    ]
    return frames


def _gemini(model: str, stream: bool, n: int) -> list[bytes]:
    text = _tokens(n)
    usage = {"promptTokenCount": 12, "candidatesTokenCount": n, "totalTokenCount": 12 + n}

    def answer(part: str, last: bool) -> dict[str, Any]:
        cand: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": part}]}, "index": 0}
        body: dict[str, Any] = {"candidates": [cand], "modelVersion": model}
        if last:
            cand["finishReason"] = "STOP"
            body["usageMetadata"] = usage
        return body

    if not stream:
        return [orjson.dumps(answer("".join(text), True))]
    return [_data(answer(t, i == n - 1)) for i, t in enumerate(text)]


_BUILDERS: dict[str, Callable[[str, bool, int], list[bytes]]] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "responses": _responses,
    "gemini": _gemini,
}


@dataclass(slots=True)
class FakeUpstream:
    """What every connection shares: stream length, pacing, the answer cache, counters."""

    chunks: int = 20
    chunk_delay: float = 0.0
    requests: int = 0
    bytes_in: int = 0
    _cache: dict[tuple[str, str, bool], tuple[bytes, ...]] = field(default_factory=dict)

    def answer(self, kind: str, model: str, stream: bool) -> tuple[bytes, ...]:
        """Body frames for one answer: one JSON body, or SSE frames in chunked framing."""
        key = (kind, model, stream)
        found = self._cache.get(key)
        if found is None:
            frames = _BUILDERS[kind](model, stream, self.chunks)
            found = (*(_chunk(f) for f in frames), b"0\r\n\r\n") if stream else tuple(frames)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        return found

    def stats(self) -> dict[str, int]:
        return {"requests": self.requests, "bytes_in": self.bytes_in}


def _route(method: bytes, path: str) -> str | None:
    if method == b"POST":
        if path.endswith("/chat/completions"):
            return "openai"
        if path.endswith("/responses"):
            return "responses"
        if path.endswith("/messages/count_tokens"):
            return "count_tokens"
        if path.endswith("/messages"):
            return "anthropic"
        if ":generateContent" in path or ":streamGenerateContent" in path:
            return "gemini"
    elif method == b"GET":
        if path == "/_stats":
            return "stats"
        if path.endswith("/models"):
            return "models"
    return None


class _Connection(asyncio.Protocol):
    """One keep-alive client connection; requests are handled in arrival order."""

    def __init__(self, app: FakeUpstream) -> None:
        self.app = app
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.head: tuple[bytes, str, int, bool, bool] | None = (
            None  # method, target, len, chunked, close
        )
        self.busy = False  # a paced stream is still being written

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self.app.bytes_in += len(data)
        if not self.busy:
            self._drain()

    def _drain(self) -> None:
        while self.transport is not None and not self.busy:
            if self.head is None and not self._parse_head():
                return
            assert self.head is not None
            method, target, length, chunked, close = self.head
            if chunked:
                body = self._take_chunked()
                if body is None:
                    return
            else:
                if len(self.buf) < length:
                    return
                body = bytes(self.buf[:length])
                del self.buf[:length]
            self.head = None
            self._handle(method, target, body, close)

    def _parse_head(self) -> bool:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > _MAX_HEAD and self.transport is not None:
                self.transport.close()
            return False
        lines = bytes(self.buf[:end]).split(b"\r\n")
        del self.buf[: end + 4]
        parts = lines[0].split(b" ")
        if len(parts) != 3:
            if self.transport is not None:
                self.transport.close()
            return False
        method, target, version = parts
        length, chunked, close = 0, False, version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        self.head = (method, target.decode("latin-1"), length, chunked, close)
        return True

    def _take_chunked(self) -> bytes | None:
        """The whole chunked body once it has arrived (then consumed), else None."""
        pos, parts = 0, list[bytes]()
        buf = self.buf
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
            start = eol + 2
            if size == 0:  # the last chunk, then optional trailers, then an empty line
                if buf[start : start + 2] == b"\r\n":
                    del buf[: start + 2]
                    return b"".join(parts)
                end = buf.find(b"\r\n\r\n", start)
                if end < 0:
                    return None
                del buf[: end + 4]
                return b"".join(parts)
            if len(buf) < start + size + 2:
                return None
            parts.append(bytes(buf[start : start + size]))
            pos = start + size + 2

    def _handle(self, method: bytes, target: str, body: bytes, close: bool) -> None:
        app, transport = self.app, self.transport
        assert transport is not None
        app.requests += 1
        path = target.split("?", 1)[0]
        kind = _route(method, path)
        if kind in ("openai", "anthropic", "responses", "gemini", "count_tokens"):
            try:
                parsed = orjson.loads(body) if body else {}
            except orjson.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, dict):
                self._json(400, {"error": {"message": "body is not a JSON object"}}, close)
                return
            if kind == "count_tokens":
                self._json(200, {"input_tokens": max(1, len(body) // 4)}, close)
                return
            if kind == "gemini":
                tail = path.rsplit("/", 1)[-1]
                model, _, verb = tail.partition(":")
                stream = verb == "streamGenerateContent"
            else:
                model = str(parsed.get("model") or "bench-model")
                stream = parsed.get("stream") is True
            frames = app.answer(kind, model, stream)
            if not stream:
                transport.write(_json_head(200, len(frames[0]), close) + frames[0])
                if close:
                    transport.close()
                return
            transport.write(_sse_head(close))
            if app.chunk_delay <= 0:
                for frame in frames:
                    transport.write(frame)
                if close:
                    transport.close()
                return
            self.busy = True
            asyncio.get_running_loop().create_task(self._trickle(frames, close))
        elif kind == "models":
            data = [{"id": m, "object": "model", "owned_by": "bench"} for m in ("bench-gpt",)]
            self._json(200, {"object": "list", "data": data}, close)
        elif kind == "stats":
            self._json(200, app.stats(), close)
        else:
            self._json(404, {"error": {"message": f"no route {method.decode()} {path}"}}, close)

    async def _trickle(self, frames: tuple[bytes, ...], close: bool) -> None:
        try:
            for frame in frames:
                if self.transport is None or self.transport.is_closing():
                    return
                self.transport.write(frame)
                await asyncio.sleep(self.app.chunk_delay)
            if close and self.transport is not None:
                self.transport.close()
        finally:
            self.busy = False
            if self.buf:
                self._drain()

    def _json(self, status: int, payload: Any, close: bool) -> None:
        assert self.transport is not None
        body = orjson.dumps(payload)
        self.transport.write(_json_head(status, len(body), close) + body)
        if close:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(
    host: str,
    port: int,
    app: FakeUpstream,
    *,
    ready: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve ``app`` until ``stop`` is set (or forever); ``ready`` gets the bound port."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(app), host, port, backlog=1024)
    bound = int(server.sockets[0].getsockname()[1])
    if ready is not None:
        ready(bound)
    stop = stop or asyncio.Event()
    try:
        await stop.wait()
    finally:
        server.close()


def _run(coro_factory: Callable[[], Any]) -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the lock on Linux
        asyncio.run(coro_factory())
    else:
        uvloop.run(coro_factory())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=20, help="content deltas per stream")
    parser.add_argument("--chunk-delay-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the fake upstream listens on loopback only")
    app = FakeUpstream(chunks=max(1, args.chunks), chunk_delay=args.chunk_delay_ms / 1000)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

        def ready(port: int) -> None:
            print(f"READY {port}", flush=True)

        await serve(args.host, args.port, app, ready=ready, stop=stop)

    _run(run)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
