"""A curl_cffi session whose request can be abandoned while it waits for its answer.

curl_cffi runs a streamed transfer in a task of its own and only returns the
response once the first body byte arrived. Cancelling the await (the client
left, or the first-byte timeout fired) leaves that task and its connection
running for nobody — an upstream that is slow to start would keep generating,
and keep billing, a reply no one reads. The session below records which curl
handle the current task's request took from the pool (a context variable, so
concurrent requests never see each other's handles), and :func:`abandoned`
removes that handle from curl's multi handle when the request is cancelled:
the connection closes and curl_cffi's own clean-up returns the handle to the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from curl_cffi import Curl
from curl_cffi.requests import AsyncSession, Response

__all__ = ["AbandonableSession", "abandoned"]

_TAKEN: ContextVar[list[Curl] | None] = ContextVar("byokey_curl_taken", default=None)


class AbandonableSession(AsyncSession[Response]):
    """``AsyncSession`` that tells :func:`abandoned` which handle a request took."""

    async def pop_curl(self) -> Curl:
        curl: Curl = await super().pop_curl()
        taken = _TAKEN.get()
        if taken is not None:
            taken.append(curl)
        return curl


@contextlib.contextmanager
def abandoned(session: AsyncSession[Any]) -> Iterator[None]:
    """Around one ``await session.request(...)``: a cancellation aborts its transfer.

    Only a cancellation aborts: when ``request`` raises anything else curl_cffi
    has already released the handle itself.
    """
    taken: list[Curl] = []
    token = _TAKEN.set(taken)
    try:
        yield
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            for curl in taken:
                with contextlib.suppress(Exception):
                    session.acurl.remove_handle(curl)
        raise
    finally:
        _TAKEN.reset(token)
