"""Which Copilot account to use first: the one with the most premium-request quota left.

Copilot meters "premium interactions" per GitHub account
(``copilot_internal/user`` → ``quota_snapshots.premium_interactions``). With
several accounts logged in, requests go to the best one — unlimited first, then
the highest ``percent_remaining``, accounts whose quota could not be read in the
middle (score 50) — and stay there for ``ttl`` seconds (sticky, so a burst of
requests does not hop between accounts); quotas older than ``ttl`` are fetched
again, concurrently, when the ranking is redone. A failure on the current
account ends its stickiness at once (:meth:`QuotaBalancer.invalidate`), and the
executor's routing fails over along the ranking, so the "next account" really
is the next one (the original re-selected and usually hit the same account).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from byokey_types import ByokError

from ._credentials import Credential

__all__ = ["QUOTA_TTL", "UNKNOWN_SCORE", "UNLIMITED_SCORE", "Quota", "QuotaBalancer", "parse_quota"]

_log = logging.getLogger("byokey.provider.copilot")

QUOTA_TTL = 300.0
UNKNOWN_SCORE = 50.0
UNLIMITED_SCORE = 101.0


@dataclass(frozen=True, slots=True)
class Quota:
    """One account's premium-interaction quota as last read."""

    percent_remaining: float
    unlimited: bool
    fetched_at: float

    @property
    def score(self) -> float:
        """``percent_remaining``; unlimited ranks above even a full 100 % (which drains)."""
        return UNLIMITED_SCORE if self.unlimited else self.percent_remaining


def parse_quota(body: Any, *, now: float) -> Quota | None:
    """``quota_snapshots.premium_interactions`` of a ``copilot_internal/user`` answer."""
    if not isinstance(body, dict):
        return None
    snapshots = body.get("quota_snapshots")
    premium = snapshots.get("premium_interactions") if isinstance(snapshots, dict) else None
    if not isinstance(premium, dict):
        return None
    percent = premium.get("percent_remaining")
    if not isinstance(percent, int | float) or isinstance(percent, bool):
        percent = 0.0
    return Quota(float(percent), premium.get("unlimited") is True, now)


FetchQuota = Callable[[Credential], Awaitable[Quota | None]]


class QuotaBalancer:
    """Ranks a provider's OAuth accounts by quota; state is shared by all its requests."""

    def __init__(
        self, fetch: FetchQuota, *, clock: Callable[[], float], ttl: float = QUOTA_TTL
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self.ttl = ttl
        self._quotas: dict[str, Quota] = {}
        self.current: str | None = None
        self._rebalanced_at: float | None = None
        self._lock = asyncio.Lock()

    def score(self, account_id: str) -> float:
        found = self._quotas.get(account_id)
        return found.score if found is not None else UNKNOWN_SCORE

    def quota(self, account_id: str) -> Quota | None:
        return self._quotas.get(account_id)

    async def rank(self, creds: Sequence[Credential]) -> list[Credential]:
        """``creds`` best first: the sticky current account, then by score (ties keep
        the given order, i.e. the user's account order)."""
        async with self._lock:
            ids = {c.id for c in creds}
            now = self._clock()
            sticky = (
                self.current in ids
                and self._rebalanced_at is not None
                and now - self._rebalanced_at < self.ttl
            )
            if not sticky:
                await self._refresh_stale(creds, now)
                best = max(creds, key=lambda c: self.score(c.id), default=None)
                self.current = best.id if best is not None else None
                self._rebalanced_at = now
            by_score = sorted(creds, key=lambda c: -self.score(c.id))
            return sorted(by_score, key=lambda c: c.id != self.current)

    def invalidate(self, account_id: str | None = None, *, forget_quota: bool = False) -> None:
        """Redo the ranking next time; ``forget_quota`` also drops the account's quota
        (a 429 says the cached percentage is out of date)."""
        self._rebalanced_at = None
        if forget_quota and account_id is not None:
            self._quotas.pop(account_id, None)

    async def _refresh_stale(self, creds: Sequence[Credential], now: float) -> None:
        stale = [
            c
            for c in creds
            if (q := self._quotas.get(c.id)) is None or now - q.fetched_at >= self.ttl
        ]
        if not stale:
            return
        results = await asyncio.gather(*(self._safe_fetch(c) for c in stale))
        for cred, quota in zip(stale, results, strict=True):
            if quota is not None:
                self._quotas[cred.id] = quota

    async def _safe_fetch(self, cred: Credential) -> Quota | None:
        try:
            return await self._fetch(cred)
        except ByokError as err:
            # A failed read keeps the last known quota (or none: the middle score).
            _log.info("copilot quota of %s not read (%s)", cred.id, type(err).__name__)
            return None
