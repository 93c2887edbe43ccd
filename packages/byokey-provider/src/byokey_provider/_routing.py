"""Which credential of an upstream to try first, and which next.

The router lives as long as its executor (the original rebuilt it per request,
so rotation always restarted at the first key and cooldowns were forgotten):
``round_robin`` starts one further along the list on every request,
``priority`` (fill-first) always starts at the first ready credential,
``weighted`` draws an order at random in proportion to each key's ``weight``.
Credentials cooling down for the model are left out; the caller fails over
along the returned order.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from byokey_config import RoutingStrategy

from ._cooldown import CooldownBook
from ._credentials import Credential

__all__ = ["CredentialRouter", "RoutePlan"]


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """Ready credentials in try order, and what the others are waiting for.

    ``wait`` is the shortest time until a cooling credential becomes ready
    (None when none is cooling); ``rate_limited`` says whether the cooling ones
    are rate limited (as opposed to failing).
    """

    order: tuple[Credential, ...]
    wait: float | None = None
    rate_limited: bool = False


class CredentialRouter:
    """Orders credentials for one request according to a strategy and the cooldowns."""

    def __init__(self, cooldowns: CooldownBook, *, rng: random.Random | None = None) -> None:
        self.cooldowns = cooldowns
        self._rng = rng or random.Random()
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def plan(
        self,
        credentials: Sequence[Credential],
        model: str,
        strategy: RoutingStrategy = RoutingStrategy.ROUND_ROBIN,
    ) -> RoutePlan:
        if not credentials:
            return RoutePlan(())
        ordered = self._order(list(credentials), strategy)
        ready: list[Credential] = []
        waits: list[float] = []
        rate_limited = False
        for cred in ordered:
            wait = self.cooldowns.ready_in(cred.id, model)
            if wait <= 0:
                ready.append(cred)
                continue
            waits.append(wait)
            rate_limited = (
                rate_limited or self.cooldowns.cooling_kind(cred.id, model) == "rate_limit"
            )
        return RoutePlan(tuple(ready), min(waits) if waits else None, rate_limited)

    def _order(self, creds: list[Credential], strategy: RoutingStrategy) -> list[Credential]:
        if strategy is RoutingStrategy.PRIORITY or len(creds) == 1:
            return creds
        if strategy is RoutingStrategy.WEIGHTED:
            return self._weighted(creds)
        with self._lock:
            start = next(self._counter) % len(creds)
        return creds[start:] + creds[:start]

    def _weighted(self, creds: list[Credential]) -> list[Credential]:
        pool = list(creds)
        out: list[Credential] = []
        with self._lock:
            while pool:
                total = sum(max(c.weight, 1) for c in pool)
                pick = self._rng.uniform(0, total)
                acc = 0.0
                chosen = pool[-1]
                for c in pool:
                    acc += max(c.weight, 1)
                    if pick <= acc:
                        chosen = c
                        break
                pool.remove(chosen)
                out.append(chosen)
        return out
