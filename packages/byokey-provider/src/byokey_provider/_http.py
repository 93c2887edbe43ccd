"""Upstream HTTP: pooled connections per upstream, timeouts, SSE reading.

TLS origins, proxies and WebSockets go through curl_cffi (:mod:`._curl_transport`,
loaded on first use), which gives the TLS/HTTP2 fingerprint of a real browser
(``impersonate``); its sessions are keyed by upstream origin and proxy, so
connections are reused across requests and never shared between two proxies.
Plain ``http://`` origins reached without a proxy have no handshake to imitate
and go through the lean keep-alive client of :mod:`._plain_http`, at a fraction
of curl's CPU per request.

Timeouts (seconds, ``0`` = none): *connect*; *first byte* — until the response
headers arrive; *idle* — between two chunks of a streamed body. There is no
total timeout: a long stream that keeps producing is healthy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import orjson

from byokey_config import Settings
from byokey_translate import SSEDecoder
from byokey_types import SSEEvent, TransportError, UpstreamTimeout

from ._errors import upstream_error
from ._plain_http import PlainHttpPool

if TYPE_CHECKING:
    from curl_cffi.requests import AsyncSession, Response

__all__ = ["Timeouts", "UpstreamHttp", "UpstreamResponse", "valid_proxy_url"]

_log = logging.getLogger("byokey.provider.http")

_PROXY_SCHEMES = frozenset({"http", "https", "socks5", "socks5h", "socks4", "socks4a"})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Upstream timeouts in seconds; ``0`` disables one."""

    connect: float = 30.0
    first_byte: float = 600.0
    idle: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        t = settings.timeouts
        return cls(
            connect=t.connect_seconds, first_byte=t.first_byte_seconds, idle=t.stream_idle_seconds
        )


def valid_proxy_url(url: str | None) -> str | None:
    """``url`` when it is a usable proxy URL (http/https/socks), else None (logged)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
        _ = parts.port
    except ValueError:
        scheme, host = "", None
    if scheme in _PROXY_SCHEMES and host:
        return url
    _log.warning("ignoring invalid proxy_url (scheme %r); connecting directly", scheme or "?")
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def _limit(seconds: float) -> float | None:
    return seconds if seconds > 0 else None


class _IdleWatch:
    """The idle timeout of one body read: one timer per stream, not one per chunk.

    ``arm`` (before awaiting a chunk) and ``disarm`` (after) only store a
    deadline and the reading task. The timer, created lazily, cancels the task
    only if it is still inside a read when the deadline passes, and otherwise
    re-arms itself for the current deadline. ``asyncio.timeout`` around every
    read costs a Timeout object and a timer per chunk (~9 µs); this ~0.5 µs.
    """

    __slots__ = ("_deadline", "_handle", "_idle", "_loop", "_task", "fired")

    def __init__(self, idle: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle = idle
        self._deadline = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None
        self.fired = False

    def arm(self) -> None:
        self._deadline = self._loop.time() + self._idle
        self._task = asyncio.current_task()
        if self._handle is None:
            self._handle = self._loop.call_at(self._deadline, self._check)

    def disarm(self) -> None:
        self._task = None

    def _check(self) -> None:
        self._handle = None
        task = self._task
        if task is None:
            return  # between reads: the next ``arm`` starts a timer again
        if self._loop.time() >= self._deadline:
            self.fired = True
            task.cancel()
        else:
            self._handle = self._loop.call_at(self._deadline, self._check)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._task = None


class _Body(Protocol):
    """What a transport hands back: status, lower-cased headers, the body in pieces.

    ``next`` returns at least one byte, or ``b""`` at the end; it raises
    ``TransportError`` for a broken transfer. ``aclose`` aborts it.
    """

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> dict[str, str]: ...

    async def next(self) -> bytes: ...

    async def aclose(self) -> None: ...


class UpstreamResponse:
    """A 2xx upstream response whose body has not been read yet.

    Read it once: :meth:`read` / :meth:`json` for a whole body, :meth:`chunks`
    for raw bytes, :meth:`events` for decoded SSE. Every read applies the idle
    timeout and maps transport failures to ``TransportError``; breaking out of
    an iteration early (or :meth:`aclose`) aborts the transfer.
    """

    def __init__(self, body: _Body, *, upstream: str, idle: float) -> None:
        self._body = body
        self.upstream = upstream
        self.status: int = body.status
        self.headers: dict[str, str] = body.headers
        self._idle = idle
        self._done = False

    async def chunks(self) -> AsyncIterator[bytes]:
        next_piece = self._body.next
        watch = _IdleWatch(self._idle) if self._idle > 0 else None
        try:
            while True:
                try:
                    if watch is not None:
                        watch.arm()
                    try:
                        chunk = await next_piece()
                    finally:
                        if watch is not None:
                            watch.disarm()
                    if not chunk:
                        self._done = True
                        return
                except asyncio.CancelledError:
                    task = asyncio.current_task()
                    # ours alone (uncancel() == 0), not also a caller's cancel: a timeout
                    if (
                        watch is not None
                        and watch.fired
                        and task is not None
                        and not task.uncancel()
                    ):
                        raise UpstreamTimeout(
                            f"{self.upstream}: no data for {self._idle:g}s mid-stream"
                        ) from None
                    raise
                yield chunk
        finally:
            if watch is not None:
                watch.close()
            if not self._done:
                await self.aclose()

    async def read(self) -> bytes:
        return b"".join([c async for c in self.chunks()])

    async def json(self) -> Any:
        body = await self.read()
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise TransportError(f"{self.upstream}: response is not valid JSON") from None

    async def events(self) -> AsyncIterator[SSEEvent]:
        """Decoded server-sent events, whatever the byte splits on the wire."""
        decoder = SSEDecoder()
        async for chunk in self.chunks():
            for event in decoder.feed(chunk):
                yield event
        for event in decoder.finish():
            yield event

    async def aclose(self) -> None:
        """Abort the transfer (a no-op once the body was read to the end)."""
        self._done = True
        await self._body.aclose()


class UpstreamHttp:
    """The pool of upstream connections, built once and shared by every executor.

    ``impersonate`` is a curl_cffi target (``"chrome"``) or None for curl's own
    fingerprint; ``proxy_url`` (http or socks5) applies to every request unless
    a request passes its own. ``lean_plain_http`` (default on) sends plain
    ``http://`` requests that use no proxy through :mod:`._plain_http` instead
    of curl. Use :meth:`from_settings` in applications.
    """

    def __init__(
        self,
        *,
        impersonate: str | None = "chrome",
        proxy_url: str | None = None,
        timeouts: Timeouts | None = None,
        max_clients: int = 32,
        verify: bool = True,
        clock: Callable[[], float] | None = None,
        lean_plain_http: bool = True,
    ) -> None:
        self.impersonate = impersonate or None
        self.proxy_url = valid_proxy_url(proxy_url)
        self._max_clients = max_clients
        self._verify = verify
        self._clock = clock or time.time
        self._sessions: dict[tuple[str, str | None], AsyncSession[Response]] = {}
        self._plain = PlainHttpPool(max_idle=max_clients) if lean_plain_http else None
        self.timeouts = timeouts or Timeouts()

    @property
    def timeouts(self) -> Timeouts:
        return self._timeouts

    @timeouts.setter
    def timeouts(self, value: Timeouts) -> None:
        """Settings reloads swap the timeouts in place; the derived limits follow."""
        self._timeouts = value
        self._first_byte_limit = _limit(
            value.first_byte + value.connect if value.first_byte > 0 else 0
        )
        if self._plain is not None:
            self._plain.connect_timeout = value.connect

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> UpstreamHttp:
        return cls(
            impersonate=settings.http.impersonate,
            proxy_url=settings.proxy_url,
            timeouts=Timeouts.from_settings(settings),
            **kwargs,
        )

    def session(self, url: str, proxy: str | None = None) -> AsyncSession[Response]:
        """The shared curl_cffi session for ``url``'s origin (created on first use).

        A plain ``http://`` / ``ws://`` origin (a local Ollama, vLLM, a test fake)
        has no TLS handshake to imitate, so it gets no ``impersonate`` target:
        curl_cffi re-applies one on every request, which costs a few hundred
        microseconds of CPU for nothing.
        """
        origin = _origin(url)
        key = (origin, proxy)
        found = self._sessions.get(key)
        if found is None:
            from ._curl_transport import new_session

            plain = origin.startswith(("http://", "ws://"))
            found = new_session(
                connect=self.timeouts.connect,
                max_clients=self._max_clients,
                impersonate=None if plain else self.impersonate,
                proxy=proxy,
                verify=self._verify,
            )
            self._sessions[key] = found
        return found

    @property
    def session_count(self) -> int:
        """Connection pools opened: curl_cffi sessions and plain-http origins."""
        plain = self._plain.origin_count if self._plain is not None else 0
        return len(self._sessions) + plain

    async def send(
        self,
        method: str,
        url: str,
        *,
        upstream: str,
        headers: Mapping[str, str],
        json: Any = None,
        content: bytes | None = None,
        proxy_url: str | None = None,
        secrets: Iterable[str] = (),
        on_headers: Callable[[Mapping[str, str]], None] | None = None,
        raise_for_status: bool = True,
    ) -> UpstreamResponse:
        """Send one request; returns once the response headers arrived.

        Non-2xx answers are read whole and raised as ``UpstreamError`` (the body
        scrubbed of ``secrets``) unless ``raise_for_status`` is false.
        ``on_headers`` sees every response's lower-cased headers first (rate
        limits are captured for errors too).
        """
        proxy = valid_proxy_url(proxy_url) if proxy_url else self.proxy_url
        body = (
            content if content is not None else (orjson.dumps(json) if json is not None else None)
        )
        t = self.timeouts
        try:
            async with asyncio.timeout(self._first_byte_limit):
                if proxy is None and self._plain is not None and url.startswith("http://"):
                    answer: _Body = await self._plain.request(
                        method, url, headers=headers, body=body, upstream=upstream
                    )
                else:
                    from ._curl_transport import curl_request

                    answer = await curl_request(
                        self.session(url, proxy),
                        method,
                        url,
                        headers=headers,
                        body=body,
                        upstream=upstream,
                    )
        except TimeoutError as exc:
            raise UpstreamTimeout(f"{upstream}: no response within {t.first_byte:g}s") from exc
        response = UpstreamResponse(answer, upstream=upstream, idle=t.idle)
        if on_headers is not None:
            on_headers(response.headers)
        if raise_for_status and not 200 <= response.status < 300:
            try:
                data = await response.read()
            except TransportError:
                data = b""
            raise upstream_error(
                response.status, data, response.headers, secrets=secrets, now=self._clock()
            )
        return response

    async def aclose(self) -> None:
        if self._plain is not None:
            self._plain.close()
        sessions, self._sessions = list(self._sessions.values()), {}
        if sessions:
            from ._curl_transport import close_session

            for session in sessions:
                await close_session(session)
