"""The latest rate-limit headers per (upstream, credential), for management and status.

The original filed everything under the account ``"active"``; here each
snapshot belongs to the credential that received it (an API key's label or
``key-N``, an OAuth account id), so two keys of one provider are told apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from byokey_types import RateLimitSnapshot

__all__ = ["RateLimitBook"]


class RateLimitBook:
    """Thread-safe map of snapshots; a response without rate-limit headers keeps the old one."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._snapshots: dict[str, dict[str, RateLimitSnapshot]] = {}

    def capture(self, upstream: str, account: str, headers: Mapping[str, str]) -> bool:
        """Record the rate-limit headers among ``headers``; True when there were any."""
        snapshot = RateLimitSnapshot.from_headers(headers, now=int(self._clock()))
        if not snapshot.headers:
            return False
        self.update(upstream, account, snapshot)
        return True

    def update(self, upstream: str, account: str, snapshot: RateLimitSnapshot) -> None:
        with self._lock:
            self._snapshots.setdefault(upstream, {})[account] = snapshot

    def get(self, upstream: str, account: str) -> RateLimitSnapshot | None:
        with self._lock:
            return self._snapshots.get(upstream, {}).get(account)

    def all(self) -> dict[str, dict[str, RateLimitSnapshot]]:
        """A copy: upstream -> account -> snapshot."""
        with self._lock:
            return {up: dict(accounts) for up, accounts in self._snapshots.items()}
