"""Upstream HTTP: one pooled curl_cffi session per upstream, timeouts, SSE reading.

curl_cffi gives the TLS/HTTP2 fingerprint of a real browser (``impersonate``);
``default_headers=False`` keeps it from adding browser headers
(``User-Agent: Mozilla…``, ``sec-ch-ua…``) that would contradict the CLI
identities executors send. Sessions are keyed by upstream origin and proxy, so
connections are reused across requests and never shared between two proxies.

Timeouts (seconds, ``0`` = none): *connect*; *first byte* — until the response
headers arrive; *idle* — between two chunks of a streamed body. There is no
total timeout: a long stream that keeps producing is healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from curl_cffi import CurlOpt
from curl_cffi.requests import AsyncSession, Response
from curl_cffi.requests.exceptions import RequestException
from curl_cffi.requests.exceptions import Timeout as CurlTimeout

from byokey_config import Settings
from byokey_translate import SSEDecoder
from byokey_types import SSEEvent, TransportError, UpstreamTimeout

from ._curl_session import AbandonableSession, abandoned
from ._errors import transport_error, upstream_error

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


class UpstreamResponse:
    """A 2xx upstream response whose body has not been read yet.

    Read it once: :meth:`read` / :meth:`json` for a whole body, :meth:`chunks`
    for raw bytes, :meth:`events` for decoded SSE. Every read applies the idle
    timeout and maps transport failures to ``TransportError``; breaking out of
    an iteration early (or :meth:`aclose`) aborts the transfer.
    """

    def __init__(self, raw: Response, *, upstream: str, idle: float) -> None:
        self._raw = raw
        self.upstream = upstream
        self.status: int = raw.status_code
        self.headers: dict[str, str] = {k.lower(): v for k, v in raw.headers.items() if v}
        self._idle = idle
        self._done = False

    async def chunks(self) -> AsyncIterator[bytes]:
        it = self._raw.aiter_content().__aiter__()  # type: ignore[no-untyped-call]
        watch = _IdleWatch(self._idle) if self._idle > 0 else None
        try:
            while True:
                try:
                    if watch is not None:
                        watch.arm()
                    try:
                        chunk = await it.__anext__()
                    finally:
                        if watch is not None:
                            watch.disarm()
                except StopAsyncIteration:
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
                except CurlTimeout as exc:
                    raise transport_error(exc, upstream=self.upstream, timeout=True) from None
                except RequestException as exc:
                    raise transport_error(exc, upstream=self.upstream) from None
                if chunk:
                    yield bytes(chunk)
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
        task = getattr(self._raw, "astream_task", None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


class UpstreamHttp:
    """The pool of upstream sessions, built once and shared by every executor.

    ``impersonate`` is a curl_cffi target (``"chrome"``) or None for curl's own
    fingerprint; ``proxy_url`` (http or socks5) applies to every request unless
    a request passes its own. Use :meth:`from_settings` in applications.
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
    ) -> None:
        self.impersonate = impersonate or None
        self.proxy_url = valid_proxy_url(proxy_url)
        self.timeouts = timeouts or Timeouts()
        self._max_clients = max_clients
        self._verify = verify
        self._clock = clock or time.time
        self._sessions: dict[tuple[str, str | None], AsyncSession[Response]] = {}

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> UpstreamHttp:
        return cls(
            impersonate=settings.http.impersonate,
            proxy_url=settings.proxy_url,
            timeouts=Timeouts.from_settings(settings),
            **kwargs,
        )

    def session(self, url: str, proxy: str | None = None) -> AsyncSession[Response]:
        """The shared session for ``url``'s origin (created on first use).

        A plain ``http://`` / ``ws://`` origin (a local Ollama, vLLM, a test fake)
        has no TLS handshake to imitate, so it gets no ``impersonate`` target:
        curl_cffi re-applies one on every request, which costs a few hundred
        microseconds of CPU for nothing.
        """
        origin = _origin(url)
        key = (origin, proxy)
        found = self._sessions.get(key)
        if found is None:
            connect_ms = int(self.timeouts.connect * 1000)
            plain = origin.startswith(("http://", "ws://"))
            found = AbandonableSession(
                curl_options={CurlOpt.CONNECTTIMEOUT_MS: connect_ms} if connect_ms else None,
                max_clients=self._max_clients,
                impersonate=None if plain else self.impersonate,
                default_headers=False,
                proxy=proxy,
                verify=self._verify,
                trust_env=False,
                allow_redirects=False,
            )
            self._sessions[key] = found
        return found

    @property
    def session_count(self) -> int:
        return len(self._sessions)

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
        session = self.session(url, proxy)
        try:
            async with asyncio.timeout(_limit(t.first_byte + t.connect if t.first_byte > 0 else 0)):
                with abandoned(session):
                    raw = await session.request(
                        method,  # type: ignore[arg-type]
                        url,
                        headers=dict(headers),
                        content=body,
                        stream=True,
                        timeout=None,
                        accept_encoding=None,
                        default_headers=False,
                    )
        except TimeoutError as exc:
            raise UpstreamTimeout(f"{upstream}: no response within {t.first_byte:g}s") from exc
        except CurlTimeout as exc:
            raise transport_error(exc, upstream=upstream, timeout=True) from None
        except RequestException as exc:
            raise transport_error(exc, upstream=upstream) from None
        response = UpstreamResponse(raw, upstream=upstream, idle=t.idle)
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
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            with contextlib.suppress(Exception):
                await session.close()
