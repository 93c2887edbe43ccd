"""An ``httpx.AsyncClient`` that is only built, and httpx only imported, on first use.

Why: importing httpx costs ``byokey serve`` ~13 MiB and ~50 ms at start-up (httpcore,
and the rich/pygments/click its command line pulls in when they are installed), yet a
server needs it only for its first token refresh or login — and one serving API keys
alone never does. Everything the flows call (``request``, ``post``, ``stream``…) is
forwarded to the real client; :meth:`aclose` closes it if it was ever built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = ["LazyAsyncClient"]


class LazyAsyncClient:
    """Stands in for ``httpx.AsyncClient(timeout=timeout)`` until an attribute is used."""

    def __init__(self, *, timeout: float) -> None:
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        client = self._client
        if client is None:
            import httpx

            client = self._client = httpx.AsyncClient(timeout=self._timeout)
        return client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()
