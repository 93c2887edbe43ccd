"""A fake ChatGPT Codex backend: the private Responses endpoint over HTTP and WebSocket.

    fake = CodexFake(server)                 # POST /backend-api/codex/responses (always SSE)
    fake.reply_with(answer(thinking("hmm"), "hi", tool_call("get_weather", {"city": "Paris"})))

    with CodexWebSocketFake() as ws:         # ws://127.0.0.1:PORT/backend-api/codex/ws
        ws.reply_with(answer("hi"))
        ...                                  # ws.handshakes[0] headers, ws.frames[0] JSON

Events follow the real order (response.created, output_item.added, the deltas,
output_item.done, response.completed with usage); reasoning items carry
``encrypted_content`` and summary deltas. ``completed_output = False`` sends
``response.completed`` with an empty ``output`` (clients must gather the items
from ``output_item.done``). The WebSocket fake can also send raw events
(:class:`WsEvents`), rate-limit headers on the upgrade (``response_headers``),
messages fragmented into several frames (``fragment_size``) and keep the socket
open after the answer (``close_after_answer = False``), as the real one does.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import orjson
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from tests.fakes._family import FamilyFake, is_raw_reply
from tests.fakes._recorded import Headers
from tests.fakes._replies import HeaderSpec, Json, Reply, SseEvent
from tests.fakes.content import Answer, IdMaker, TextPart, ThinkingPart, ToolCallPart, answer
from tests.fakes.server import FakeServer, RecordedRequest

CODEX_PREFIX = "/backend-api/codex"
RESPONSES_PATH = "/responses"
WS_PATH = "/backend-api/codex/ws"
ENCRYPTED = "gAAAAfakeEncryptedReasoning=="


def _usage(a: Answer) -> dict[str, Any]:
    return {
        "input_tokens": a.usage.input_tokens,
        "input_tokens_details": {"cached_tokens": a.usage.cache_read_tokens},
        "output_tokens": a.usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": a.usage.total_tokens,
    }


def _items(a: Answer, ids: IdMaker) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in a.parts:
        if isinstance(part, ThinkingPart):
            out.append(
                {
                    "id": ids.next("rs_fake_"),
                    "type": "reasoning",
                    "summary": [{"type": "summary_text", "text": part.thinking}],
                    "encrypted_content": ENCRYPTED,
                }
            )
        elif isinstance(part, TextPart):
            out.append(
                {
                    "id": ids.next("msg_fake_"),
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": part.text, "annotations": []}],
                }
            )
        else:
            out.append(
                {
                    "id": ids.next("fc_fake_"),
                    "type": "function_call",
                    "status": "completed",
                    "call_id": part.id or ids.next("call_fake_"),
                    "name": part.name,
                    "arguments": part.arguments_json(),
                }
            )
    return out


def response_object(
    a: Answer, *, model: str, response_id: str, items: list[dict[str, Any]], status: str
) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": 1_700_000_000,
        "status": status,
        "model": a.model or model,
        "output": items if status == "completed" else [],
        "usage": _usage(a) if status == "completed" else None,
    }


def _started(item: dict[str, Any]) -> dict[str, Any]:
    if item["type"] == "reasoning":
        return {**item, "summary": []}
    if item["type"] == "message":
        return {**item, "status": "in_progress", "content": []}
    return {**item, "status": "in_progress", "arguments": ""}


def response_events(
    a: Answer, *, model: str, response_id: str, ids: IdMaker
) -> list[dict[str, Any]]:
    """The Responses stream for ``a`` as event payloads (each carries its ``type``)."""
    items = _items(a, ids)
    seq = iter(range(1_000_000))

    def ev(kind: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "sequence_number": next(seq), **fields}

    shell = response_object(
        a, model=model, response_id=response_id, items=items, status="in_progress"
    )
    events = [ev("response.created", response=shell), ev("response.in_progress", response=shell)]
    for index, (part, item) in enumerate(zip(a.parts, items, strict=True)):
        events.append(ev("response.output_item.added", output_index=index, item=_started(item)))
        ref = {"item_id": item["id"], "output_index": index}
        if isinstance(part, ThinkingPart):
            events.append(
                ev(
                    "response.reasoning_summary_part.added",
                    **ref,
                    summary_index=0,
                    part={"type": "summary_text", "text": ""},
                )
            )
            events.extend(
                ev("response.reasoning_summary_text.delta", **ref, summary_index=0, delta=p)
                for p in a.pieces(part.thinking)
            )
            events.append(
                ev(
                    "response.reasoning_summary_text.done",
                    **ref,
                    summary_index=0,
                    text=part.thinking,
                )
            )
        elif isinstance(part, TextPart):
            events.append(
                ev(
                    "response.content_part.added",
                    **ref,
                    content_index=0,
                    part={"type": "output_text", "text": "", "annotations": []},
                )
            )
            events.extend(
                ev("response.output_text.delta", **ref, content_index=0, delta=p)
                for p in a.pieces(part.text)
            )
            events.append(ev("response.output_text.done", **ref, content_index=0, text=part.text))
        else:
            assert isinstance(part, ToolCallPart)
            events.extend(
                ev("response.function_call_arguments.delta", **ref, delta=p)
                for p in a.pieces(part.arguments_json())
            )
            events.append(
                ev("response.function_call_arguments.done", **ref, arguments=part.arguments_json())
            )
        events.append(ev("response.output_item.done", output_index=index, item=item))
    done = response_object(a, model=model, response_id=response_id, items=items, status="completed")
    events.append(ev("response.completed", response=done))
    return events


def without_completed_output(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with an empty ``output`` when it is ``response.completed``."""
    if event.get("type") != "response.completed":
        return event
    return {**event, "response": {**event["response"], "output": []}}


def usage_limit_body(resets_in_seconds: int = 300) -> dict[str, Any]:
    """ChatGPT's 429 body when the plan's usage window is spent."""
    return {
        "error": {
            "type": "usage_limit_reached",
            "message": "The usage limit has been reached",
            "plan_type": "plus",
            "resets_in_seconds": resets_in_seconds,
        }
    }


class CodexFake(FamilyFake):
    """``POST {prefix}/responses``: Bearer auth, ``stream: true`` required, SSE answers."""

    def __init__(
        self, server: FakeServer, *, prefix: str = CODEX_PREFIX, answer: Answer | None = None
    ) -> None:
        super().__init__(server, default=answer)
        self.prefix = prefix.rstrip("/")
        self.paths = (self.prefix + RESPONSES_PATH,)
        #: False: ``response.completed`` lists no output items (only the ``.done`` events do).
        self.completed_output = True
        server.route("POST", self.prefix + RESPONSES_PATH, self._responses)

    @property
    def base_url(self) -> str:
        return self.server.url + self.prefix

    @property
    def bodies(self) -> list[Any]:
        return [r.json() for r in self.requests]

    def error_reply(
        self,
        status: int,
        message: str,
        *,
        error_type: str | None = None,
        headers: HeaderSpec | None = None,
    ) -> Reply:
        body = {"error": {"type": error_type or "invalid_request_error", "message": message}}
        return Json(status, body, headers=self.with_headers(headers))

    def _responses(self, request: RecordedRequest) -> Reply:
        if not self.credential_ok(request.bearer()):
            return self.error_reply(401, "Invalid bearer token", error_type="invalid_token")
        try:
            body = request.json()
        except orjson.JSONDecodeError:
            return self.error_reply(400, "body is not JSON")
        if not isinstance(body, dict) or "model" not in body:
            return self.error_reply(400, "model: Field required")
        if body.get("stream") is not True:
            return self.error_reply(400, "Stream must be set to true")
        item = self.next_item()
        if is_raw_reply(item):
            return item  # type: ignore[return-value]
        assert isinstance(item, Answer)
        events = response_events(
            item, model=str(body["model"]), response_id=self.ids.next("resp_fake_"), ids=self.ids
        )
        if not self.completed_output:
            events = [without_completed_output(e) for e in events]
        sse = [SseEvent(e, event=e["type"]) for e in events]
        return self.stream_shape.sse(sse, headers=self.with_headers())


# --------------------------------------------------------------------------- WebSocket


@dataclass(frozen=True)
class WsReject:
    """Refuse the upgrade with an HTTP status (e.g. 401) and a JSON body."""

    status: int
    body: dict[str, Any] = field(default_factory=lambda: {"error": {"message": "rejected"}})
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WsDrop:
    """Accept, send ``after`` events of the answer, then cut the TCP connection."""

    answer: Answer
    after: int = 2


@dataclass(frozen=True)
class WsEvents:
    """Accept and send these raw event payloads (one text frame each), e.g. an ``error``."""

    events: tuple[dict[str, Any], ...]


WsScripted = Answer | WsReject | WsDrop | WsEvents


@dataclass(frozen=True)
class WsHandshake:
    target: str
    headers: Headers


class CodexWebSocketFake:
    """The Codex Responses-over-WebSocket transport on ``ws://127.0.0.1:PORT``.

    Records every upgrade request (:attr:`handshakes`) and every text frame the
    client sent (:attr:`frames`, parsed JSON); answers each ``response.create``
    frame with the scripted answer's events, one text frame each, then closes.
    """

    def __init__(self, default: Answer | None = None) -> None:
        self.default: Answer = default or answer("Hello from the fake.")
        self.ids = IdMaker()
        self.handshakes: list[WsHandshake] = []
        self.frames: list[Any] = []
        #: Extra headers on every accepted upgrade (``x-codex-primary-used-percent``…).
        self.response_headers: dict[str, str] = {}
        #: Split every text message into frames of this many characters (continuations).
        self.fragment_size: int | None = None
        #: False: keep the socket open after an answer, as ChatGPT does between turns.
        self.close_after_answer = True
        self._queue: deque[WsScripted] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._port = 0

    def reply_with(self, *items: WsScripted | str) -> CodexWebSocketFake:
        with self._lock:
            self._queue.extend(answer(i) if isinstance(i, str) else i for i in items)
        return self

    def _next(self) -> WsScripted:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}{WS_PATH}"

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> CodexWebSocketFake:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", 0)
            )
            self._port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="CodexWebSocketFake", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("websocket fake did not start")
        return self

    def close(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or self._thread is None:
            return

        async def stop() -> None:
            server.close()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        self._thread = None

    def __enter__(self) -> CodexWebSocketFake:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ serving

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        text: list[str] = []
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        if not await self._handshake(ws, writer, event):
                            return
                    elif isinstance(event, Ping):
                        writer.write(ws.send(event.response()))
                    elif isinstance(event, TextMessage):
                        text.append(event.data)
                        if event.message_finished:
                            frame = orjson.loads("".join(text))
                            text.clear()
                            with self._lock:
                                self.frames.append(frame)
                            if not await self._answer(ws, writer, frame):
                                return
                    elif isinstance(event, CloseConnection):
                        writer.write(ws.send(event.response()))
                        return
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.transport.abort()

    async def _handshake(
        self, ws: WSConnection, writer: asyncio.StreamWriter, event: Request
    ) -> bool:
        headers = Headers(
            [("host", event.host)]
            + [(k.decode("latin-1"), v.decode("latin-1")) for k, v in event.extra_headers]
        )
        with self._lock:
            self.handshakes.append(WsHandshake(target=event.target, headers=headers))
            head = self._queue[0] if self._queue else None
        if isinstance(head, WsReject):
            self._next()
            body = orjson.dumps(head.body)
            writer.write(
                ws.send(
                    RejectConnection(
                        status_code=head.status,
                        headers=[
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *((k.encode(), v.encode()) for k, v in head.headers),
                        ],
                        has_body=True,
                    )
                )
            )
            writer.write(ws.send(RejectData(data=body)))
            await writer.drain()
            return False
        extra = [(k.encode(), v.encode()) for k, v in self.response_headers.items()]
        writer.write(ws.send(AcceptConnection(extra_headers=extra)))
        await writer.drain()
        return True

    def _text(self, ws: WSConnection, payload: Any) -> bytes:
        data = orjson.dumps(payload).decode()
        size = self.fragment_size
        if not size or len(data) <= size:
            return ws.send(TextMessage(data=data))
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        return b"".join(
            ws.send(TextMessage(data=p, message_finished=n == len(pieces) - 1))
            for n, p in enumerate(pieces)
        )

    async def _answer(self, ws: WSConnection, writer: asyncio.StreamWriter, frame: Any) -> bool:
        if not isinstance(frame, dict) or frame.get("type") != "response.create":
            error = {"type": "error", "error": {"message": "expected response.create"}}
            writer.write(ws.send(TextMessage(data=orjson.dumps(error).decode())))
            return True
        item = self._next()
        drop_after: int | None = None
        if isinstance(item, WsDrop):
            drop_after = item.after
            item = item.answer
        if isinstance(item, WsEvents):
            events = list(item.events)
        else:
            assert isinstance(item, Answer)
            events = response_events(
                item,
                model=str(frame.get("model")),
                response_id=self.ids.next("resp_ws_"),
                ids=self.ids,
            )
        for count, event in enumerate(events):
            if drop_after is not None and count >= drop_after:
                await writer.drain()
                return False
            writer.write(self._text(ws, event))
            await writer.drain()
        if not self.close_after_answer:
            return True
        writer.write(ws.send(CloseConnection(code=1000, reason="done")))
        await writer.drain()
        return False


# ------------------------------------------------------------------ reading answers back


@dataclass(frozen=True)
class Said:
    """What an answer says, whatever its wire shape: for "streamed == unstreamed" checks."""

    text: str
    reasoning: str
    tools: tuple[tuple[str, Any], ...]
    """(name, parsed arguments) of each tool call, in order."""
    finish: str | None
    total_tokens: int | None


def said_in_chat_stream(payloads: Iterable[Any]) -> Said:
    """Read a ``chat.completion.chunk`` stream (payloads; ``"[DONE]"`` and non-dicts skipped)."""
    text, reasoning, finish, total = "", "", None, None
    calls: dict[int, list[str]] = {}
    for data in payloads:
        if not isinstance(data, dict):
            continue
        usage = data.get("usage")
        if isinstance(usage, dict):
            total = usage.get("total_tokens", total)
        for choice in data.get("choices", []):
            delta = choice.get("delta", {})
            text += delta.get("content") or ""
            reasoning += delta.get("reasoning_content") or ""
            finish = choice.get("finish_reason") or finish
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], ["", ""])
                function = call.get("function", {})
                slot[0] += function.get("name") or ""
                slot[1] += function.get("arguments") or ""
    tools = tuple((name, orjson.loads(args)) for _, (name, args) in sorted(calls.items()))
    return Said(text, reasoning, tools, finish, total)


def said_in_chat_completion(body: dict[str, Any]) -> Said:
    """Read a ``chat.completion``."""
    choice = body["choices"][0]
    message = choice["message"]
    tools = tuple(
        (c["function"]["name"], orjson.loads(c["function"]["arguments"]))
        for c in message.get("tool_calls") or []
    )
    return Said(
        message.get("content") or "",
        message.get("reasoning_content") or "",
        tools,
        choice.get("finish_reason"),
        body.get("usage", {}).get("total_tokens"),
    )


def said_by(a: Answer) -> Said:
    """What ``a`` should read as through Chat Completions."""
    reasoning = "".join(p.thinking for p in a.parts if isinstance(p, ThinkingPart))
    tools = tuple((c.name, c.arguments) for c in a.tool_calls)
    finish = "tool_calls" if a.tool_calls else "stop"
    return Said(a.text, reasoning, tools, finish, a.usage.total_tokens)


__all__ = [
    "CODEX_PREFIX",
    "ENCRYPTED",
    "RESPONSES_PATH",
    "WS_PATH",
    "CodexFake",
    "CodexWebSocketFake",
    "Said",
    "WsDrop",
    "WsEvents",
    "WsHandshake",
    "WsReject",
    "response_events",
    "response_object",
    "said_by",
    "said_in_chat_completion",
    "said_in_chat_stream",
    "usage_limit_body",
    "without_completed_output",
]
