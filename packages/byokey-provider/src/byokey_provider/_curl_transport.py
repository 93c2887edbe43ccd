"""The curl_cffi side of the upstream pool: TLS origins, proxies and WebSockets.

Imported on first use, so a gateway whose upstreams are all plain ``http://``
(served by :mod:`._plain_http`) never loads libcurl. ``default_headers=False``
keeps curl_cffi from adding browser headers (``User-Agent: Mozilla…``,
``sec-ch-ua…``) that would contradict the CLI identities executors send.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from curl_cffi import CurlOpt
from curl_cffi.requests import AsyncSession, Response
from curl_cffi.requests.exceptions import RequestException
from curl_cffi.requests.exceptions import Timeout as CurlTimeout

from ._curl_session import AbandonableSession, abandoned
from ._errors import transport_error

__all__ = ["CurlBody", "close_session", "curl_request", "new_session"]


def new_session(
    *,
    connect: float,
    max_clients: int,
    impersonate: str | None,
    proxy: str | None,
    verify: bool,
) -> AsyncSession[Response]:
    connect_ms = int(connect * 1000)
    return AbandonableSession(
        curl_options={CurlOpt.CONNECTTIMEOUT_MS: connect_ms} if connect_ms else None,
        max_clients=max_clients,
        impersonate=impersonate,
        default_headers=False,
        proxy=proxy,
        verify=verify,
        trust_env=False,
        allow_redirects=False,
    )


class CurlBody:
    """A streamed curl_cffi response read piece by piece (``b""`` at the end)."""

    __slots__ = ("_it", "_raw", "headers", "status", "upstream")

    def __init__(self, raw: Response, upstream: str) -> None:
        self._raw = raw
        self.upstream = upstream
        self.status: int = raw.status_code
        self.headers: dict[str, str] = {k.lower(): v for k, v in raw.headers.items() if v}
        self._it = raw.aiter_content().__aiter__()  # type: ignore[no-untyped-call]

    async def next(self) -> bytes:
        while True:
            try:
                chunk = await self._it.__anext__()
            except StopAsyncIteration:
                return b""
            except CurlTimeout as exc:
                raise transport_error(exc, upstream=self.upstream, timeout=True) from None
            except RequestException as exc:
                raise transport_error(exc, upstream=self.upstream) from None
            if chunk:
                return bytes(chunk)

    async def aclose(self) -> None:
        task = getattr(self._raw, "astream_task", None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def curl_request(
    session: AsyncSession[Any],
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None,
    upstream: str,
) -> CurlBody:
    try:
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
    except CurlTimeout as exc:
        raise transport_error(exc, upstream=upstream, timeout=True) from None
    except RequestException as exc:
        raise transport_error(exc, upstream=upstream) from None
    return CurlBody(raw, upstream)


async def close_session(session: AsyncSession[Any]) -> None:
    with contextlib.suppress(Exception):
        await session.close()
