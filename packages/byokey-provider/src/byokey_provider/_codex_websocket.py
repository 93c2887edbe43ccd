"""The Codex Responses-over-WebSocket transport (``providers.codex.websocket: true``).

Codex CLI can talk to ChatGPT over one WebSocket instead of an SSE POST: the
client sends one ``response.create`` text frame (the Responses body plus
``type``) and the server answers with the same events the SSE stream carries,
one JSON text frame each. The socket stays open after ``response.completed``
(Codex reuses it for the next turn), so reading stops at the terminal event.

The connection goes through the shared curl_cffi session of the WebSocket's
origin (same TLS fingerprint and proxy as HTTP), one connection per request.
The upgrade response's headers are read from curl's header buffer, so rate
limits (``x-codex-*``) are captured and a refused upgrade keeps its status
and ``Retry-After``. Failures map like HTTP ones: a refused upgrade is an
``UpstreamError`` with its status, a connection failure a ``TransportError``,
silence beyond the first-byte / idle timeouts an ``UpstreamTimeout``.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from curl_cffi import CurlECode, CurlError, CurlHttpVersion, CurlOpt, CurlWsFlag
from curl_cffi.requests import AsyncSession, Response
from curl_cffi.requests.websockets import AsyncWebSocket, WebSocketClosed, WebSocketTimeout

from byokey_types import SSEEvent, TransportError, UpstreamTimeout

from ._codex_events import TERMINAL_EVENTS
from ._errors import scrub, upstream_error
from ._http import Timeouts

__all__ = ["UpgradeHead", "open_response_socket", "parse_upgrade_head"]

_log = logging.getLogger("byokey.provider.codex")

_CLOSE_TIMEOUT = 2.0


@dataclass(slots=True)
class UpgradeHead:
    """Status and lower-cased headers of the (last) HTTP response to the upgrade."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


def parse_upgrade_head(raw: bytes) -> UpgradeHead:
    """Read curl's header buffer; with a proxy there may be several blocks, the last wins."""
    head = UpgradeHead()
    for line in raw.decode("latin-1").split("\r\n"):
        if line.startswith("HTTP/"):
            parts = line.split(" ", 2)
            head = UpgradeHead(status=int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0)
        elif ":" in line:
            name, _, value = line.partition(":")
            head.headers[name.strip().lower()] = value.strip()
    return head


def _limit(seconds: float) -> float | None:
    return seconds if seconds > 0 else None


def _handshake_timeout(t: Timeouts) -> float | tuple[float, float] | None:
    if t.connect > 0 and t.first_byte > 0:
        return (t.connect, t.first_byte)
    return _limit(t.connect) or _limit(t.first_byte)


def _detail(exc: BaseException, secrets: Iterable[str]) -> str:
    return scrub(str(exc), secrets)[:300]


async def open_response_socket(
    session: AsyncSession[Response],
    url: str,
    *,
    upstream: str,
    headers: Mapping[str, str],
    frame: Mapping[str, Any],
    timeouts: Timeouts,
    proxy: str | None = None,
    secrets: Iterable[str] = (),
    on_headers: Callable[[Mapping[str, str]], None] | None = None,
    now: Callable[[], float],
) -> AsyncIterator[SSEEvent]:
    """Connect, send ``frame`` and return the response's events.

    Raises before returning when the upgrade is refused or the connection or
    the send fails. The returned iterator ends after the terminal event (or a
    close frame), raises ``TransportError`` when the connection breaks or
    closes before the response is complete, and always closes the socket.
    """
    secrets = tuple(secrets)
    buffer = io.BytesIO()
    try:
        ws = await session.ws_connect(
            url,
            headers=dict(headers),
            timeout=_handshake_timeout(timeouts),
            proxy=proxy,
            accept_encoding=None,
            default_headers=False,
            # WebSockets are HTTP/1.1 upgrades; an impersonated h2 ALPN must not win.
            http_version=CurlHttpVersion.V1_1,
            curl_options=cast(dict[CurlOpt, str], {CurlOpt.HEADERDATA: buffer}),
        )
    except CurlError as exc:
        head = parse_upgrade_head(buffer.getvalue())
        if on_headers is not None and head.headers:
            on_headers(head.headers)
        if head.status >= 400:
            body = orjson.dumps({"error": {"message": "WebSocket upgrade refused"}})
            raise upstream_error(
                head.status, body, head.headers, secrets=secrets, now=now()
            ) from None
        if getattr(exc, "code", None) == CurlECode.OPERATION_TIMEDOUT:
            raise UpstreamTimeout(f"{upstream}: WebSocket connect timed out") from None
        raise TransportError(
            f"{upstream}: WebSocket connect failed: {_detail(exc, secrets)}"
        ) from None
    if on_headers is not None:
        on_headers(parse_upgrade_head(buffer.getvalue()).headers)
    try:
        await ws.send_str(orjson.dumps(frame).decode())
    except CurlError as exc:
        await _shut(ws)
        raise TransportError(
            f"{upstream}: WebSocket send failed: {_detail(exc, secrets)}"
        ) from None
    return _events(ws, upstream=upstream, timeouts=timeouts, secrets=secrets)


async def _events(
    ws: AsyncWebSocket, *, upstream: str, timeouts: Timeouts, secrets: tuple[str, ...]
) -> AsyncIterator[SSEEvent]:
    wait = timeouts.first_byte
    try:
        while True:
            try:
                data, flags = await ws.recv(timeout=_limit(wait))
            except WebSocketTimeout:
                raise UpstreamTimeout(f"{upstream}: no WebSocket message for {wait:g}s") from None
            except WebSocketClosed:
                break
            except CurlError as exc:
                raise TransportError(
                    f"{upstream}: WebSocket recv error: {_detail(exc, secrets)}"
                ) from None
            wait = timeouts.idle
            if flags & CurlWsFlag.CLOSE:
                break
            if not flags & CurlWsFlag.TEXT:
                continue
            try:
                payload = orjson.loads(data)
            except orjson.JSONDecodeError:
                _log.debug("%s: ignoring a WebSocket text frame that is not JSON", upstream)
                continue
            if not isinstance(payload, dict):
                continue
            kind = payload.get("type")
            yield SSEEvent(kind if isinstance(kind, str) else None, payload)
            if kind in TERMINAL_EVENTS:
                return
        code = ws.close_code
        why = f" (close code {code}: {scrub(ws.close_reason or '', secrets)[:120]})" if code else ""
        raise TransportError(f"{upstream}: WebSocket closed before the response completed{why}")
    finally:
        await _shut(ws)


async def _shut(ws: AsyncWebSocket) -> None:
    with contextlib.suppress(Exception):
        await ws.close(timeout=_CLOSE_TIMEOUT)
