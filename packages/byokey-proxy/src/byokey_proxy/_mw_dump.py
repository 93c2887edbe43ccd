"""Debug capture: with ``BYOKEY_DUMP=<dir>`` every exchange is written to a JSON file.

Read per request, so it can be switched on in a running server's environment
by a restart-free ``launchctl setenv``-style change in tests. Unlike the
original, secrets are redacted: credential headers are replaced and bodies pass
through :func:`byokey_types.redact`, because dumps get attached to bug reports.
Streaming responses are not buffered (``"__streaming__"``); files are written
in a worker thread, fire-and-forget.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from byokey_types import redact

__all__ = ["DUMP_ENV", "DumpMiddleware", "dump_file_name"]

_log = logging.getLogger("byokey.proxy.dump")

DUMP_ENV = "BYOKEY_DUMP"
_SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "x-goog-api-key",
        "cookie",
        "set-cookie",
    }
)
_REDACTED = "[REDACTED]"
_pending: set[asyncio.Task[None]] = set()


def dump_file_name(now_ms: int, method: str, target: str) -> str:
    cleaned = target.lstrip("/").replace("/", "_").replace("?", "_q_")[:80]
    return f"{now_ms}_{method}_{cleaned}.json"


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name_b, value_b in raw:
        name = name_b.decode("latin-1").lower()
        try:
            value = value_b.decode("utf-8")
        except UnicodeDecodeError:
            value = "<binary>"
        if name in _SECRET_HEADERS:
            value = _REDACTED
        if name in out:
            previous = out[name]
            out[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[name] = value
    return out


def _body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"__binary_length": len(raw)}
    cleaned = redact(text)
    try:
        return orjson.loads(cleaned)
    except orjson.JSONDecodeError:
        return cleaned


def _write(path: Path, document: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))


class DumpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        directory = os.environ.get(DUMP_ENV)
        if scope["type"] != "http" or not directory:
            await self.app(scope, receive, send)
            return
        folder = Path(directory)
        try:
            await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            _log.warning("cannot create dump directory: %s", exc)
            await self.app(scope, receive, send)
            return
        target = scope["path"] + (
            "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
        )
        request_doc: dict[str, Any] = {
            "method": scope["method"],
            "uri": target,
            "headers": _headers(list(scope["headers"])),
        }
        request_body = bytearray()
        response_doc: dict[str, Any] = {}
        response_body = bytearray()
        streaming = False

        async def tapped_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                request_body.extend(message.get("body", b""))
            return message

        async def tapped_send(message: Message) -> None:
            nonlocal streaming
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                response_doc["status"] = message["status"]
                response_doc["headers"] = _headers(headers)
                streaming = any(
                    n.lower() == b"content-type" and b"text/event-stream" in v for n, v in headers
                )
            elif message["type"] == "http.response.body" and not streaming:
                response_body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, tapped_receive, tapped_send)
        finally:
            request_doc["body"] = _body(bytes(request_body))
            response_doc["body"] = "__streaming__" if streaming else _body(bytes(response_body))
            name = dump_file_name(int(time.time() * 1000), scope["method"], target)
            task = asyncio.create_task(
                asyncio.to_thread(
                    _write, folder / name, {"request": request_doc, "response": response_doc}
                )
            )
            _pending.add(task)
            task.add_done_callback(_finished)


def _finished(task: asyncio.Task[None]) -> None:
    _pending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        _log.warning("dump write failed: %s", task.exception())
