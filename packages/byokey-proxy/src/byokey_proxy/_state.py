"""What every handler of both listeners shares, built once per server."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from byokey_config import Settings
from byokey_types import TokenStore

from ._gateway import Gateway
from ._usage_recorder import UsageRecorder

if TYPE_CHECKING:  # the Amp client is built on first use
    import httpx

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ProxyState", "is_loopback_host"]

DEFAULT_MAX_BODY_BYTES = 200 * 1024 * 1024


def is_loopback_host(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    bare = host.strip("[]")
    if bare == "localhost":
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


@dataclass(slots=True)
class ProxyState:
    """Shared state; ``settings`` is called per request so hot reloads apply at once.

    ``listen_host`` is the address actually bound (CLI overrides included); it
    decides whether the management API demands a key. ``reload`` re-reads the
    settings file (``ConfigWatcher.reload``) for ``POST /v0/management/reload``.
    ``keepalive_seconds`` overrides ``streaming.keepalive_seconds`` (the setting
    is whole seconds; embedders and tests may want a shorter, fractional beat).
    """

    gateway: Gateway
    settings: Callable[[], Settings]
    tokens: TokenStore | None = None
    usage: UsageRecorder = field(default_factory=UsageRecorder)
    reload: Callable[[], object] | None = None
    listen_host: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    threads_dir: Path | None = None
    amp_http: httpx.AsyncClient | None = None
    keepalive_seconds: float | None = None

    def keepalive_interval(self) -> float:
        """Seconds between SSE keep-alive comments (0 = none), read per stream."""
        if self.keepalive_seconds is not None:
            return self.keepalive_seconds
        return float(self.settings().streaming.keepalive_seconds)

    @property
    def exposed(self) -> bool:
        """True when the server listens beyond loopback."""
        host = self.listen_host if self.listen_host is not None else self.settings().host
        return not is_loopback_host(host)

    def amp_client(self) -> httpx.AsyncClient:
        """The one pooled client for the ampcode.com forward (created on first use)."""
        if self.amp_http is None:
            import httpx

            self.amp_http = httpx.AsyncClient(
                timeout=httpx.Timeout(600.0, connect=30.0), follow_redirects=False
            )
        return self.amp_http

    async def aclose(self) -> None:
        client, self.amp_http = self.amp_http, None
        if client is not None:
            await client.aclose()
