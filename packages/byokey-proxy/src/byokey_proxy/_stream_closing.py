"""Closing a chain of async iterators from the outside in, deterministically.

A streamed reply is a chain: the client framing wraps the translator, which
wraps the usage tap, which wraps the provider's events (an open upstream HTTP
response). When the client goes away the outermost generator is closed, but
Python only closes the *inner* generators when they are garbage-collected; the
upstream request would linger until then. Each link therefore closes the
iterator it consumes as soon as it stops, whichever way it stops.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

__all__ = ["closing"]

T = TypeVar("T")


@contextlib.asynccontextmanager
async def closing(iterator: AsyncIterator[T]) -> AsyncIterator[AsyncIterator[T]]:
    """``async with closing(it) as it:`` — ``it.aclose()`` on exit, if it has one."""
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
