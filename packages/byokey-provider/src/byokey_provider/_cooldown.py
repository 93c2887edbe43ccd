"""Per-(credential, model) cooldowns: how long a credential sits out after a failure.

A rate limit is usually per model (a key hitting Opus limits still serves
Haiku), so 429s and server errors cool the (credential, model) pair; an
authentication failure (401/403, an unusable OAuth token) is about the
credential itself and cools it for every model, for longer. Repeated 429s back
off exponentially (1 s, 2 s, 4 s … up to 30 min) unless the upstream said how
long to wait (``Retry-After``, reset headers, the body's own hint), which wins.
A success clears the strike count. The clock is injectable so tests never sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from byokey_config import Settings
from byokey_types import AuthError, ByokError, TokenExpired, TokenNotFound, UpstreamError

__all__ = ["CooldownBook", "CooldownPolicy", "FailureKind", "classify"]

Clock = Callable[[], float]

FailureKind = Literal["rate_limit", "auth", "server", "missing", "fatal"]
"""``fatal``: the request's fault (no cooldown, no failover); ``missing``: no usable
token for that account (failover without cooldown, so a later login works at once)."""


@dataclass(frozen=True, slots=True)
class CooldownPolicy:
    """Cooldown lengths in seconds."""

    rate_limit_base: float = 1.0
    rate_limit_max: float = 1800.0
    error_seconds: float = 30.0
    error_max: float = 300.0
    auth_seconds: float = 600.0
    auth_max: float = 1800.0
    hint_max: float = 86400.0
    """Upper bound on an upstream's own wait hint (a garbage header must not bench a key for years)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> CooldownPolicy:
        r = settings.routing
        return cls(error_seconds=r.cooldown_seconds, error_max=max(r.max_cooldown_seconds, 0.0))


def classify(err: ByokError) -> FailureKind:
    """What a failure says about the credential that got it."""
    if isinstance(err, TokenNotFound | TokenExpired):
        return "missing"
    if isinstance(err, AuthError):
        return "auth"
    if isinstance(err, UpstreamError):
        status = err.upstream_status
        if status == 429:
            return "rate_limit"
        if status in (401, 403):
            return "auth"
        return "server" if err.is_retryable() else "fatal"
    return "server" if err.is_retryable() else "fatal"


@dataclass(slots=True)
class _Entry:
    until: float = 0.0
    strikes: int = 0
    kind: FailureKind | None = None


_ANY_MODEL = "*"


class CooldownBook:
    """Cooldown state of one upstream's credentials."""

    def __init__(
        self,
        policy: CooldownPolicy | Callable[[], CooldownPolicy] | None = None,
        clock: Clock | None = None,
    ) -> None:
        fixed = policy or CooldownPolicy()
        self._policy: Callable[[], CooldownPolicy] = fixed if callable(fixed) else (lambda: fixed)
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}

    @property
    def policy(self) -> CooldownPolicy:
        """The current policy (a callable policy follows settings reloads)."""
        return self._policy()

    def now(self) -> float:
        return self._clock()

    def ready_in(self, credential: str, model: str) -> float:
        """Seconds until ``credential`` may serve ``model`` again (0 when ready)."""
        now = self._clock()
        with self._lock:
            waits = [
                e.until - now
                for key in ((credential, model), (credential, _ANY_MODEL))
                if (e := self._entries.get(key)) is not None
            ]
        return max([0.0, *waits])

    def is_ready(self, credential: str, model: str) -> bool:
        return self.ready_in(credential, model) <= 0

    def cooling_kind(self, credential: str, model: str) -> FailureKind | None:
        """Why the credential is cooling for ``model``, or None when it is ready."""
        now = self._clock()
        with self._lock:
            for key in ((credential, _ANY_MODEL), (credential, model)):
                e = self._entries.get(key)
                if e is not None and e.until > now:
                    return e.kind
        return None

    def record_failure(self, credential: str, model: str, err: ByokError) -> float:
        """Cool the credential down after ``err``; returns the cooldown in seconds."""
        kind = classify(err)
        if kind in ("fatal", "missing"):
            return 0.0
        p = self.policy
        key = (credential, _ANY_MODEL if kind == "auth" else model)
        with self._lock:
            entry = self._entries.setdefault(key, _Entry())
            entry.strikes = entry.strikes + 1 if entry.kind == kind else 1
            entry.kind = kind
            hint = err.retry_after
            if hint is not None:
                delay = min(hint, p.hint_max)
            elif kind == "rate_limit":
                delay = min(p.rate_limit_base * 2 ** (entry.strikes - 1), p.rate_limit_max)
            elif kind == "auth":
                delay = min(p.auth_seconds * 2 ** (entry.strikes - 1), p.auth_max)
            else:
                delay = min(p.error_seconds * 2 ** (entry.strikes - 1), p.error_max)
            entry.until = self._clock() + delay
        return delay

    def record_success(self, credential: str, model: str) -> None:
        """The credential works again for ``model``: forget its strikes."""
        with self._lock:
            self._entries.pop((credential, model), None)
            wide = self._entries.get((credential, _ANY_MODEL))
            if wide is not None and wide.until <= self._clock():
                del self._entries[(credential, _ANY_MODEL)]

    def reset(self) -> int:
        """Make every credential ready again; returns how many were cooling."""
        now = self._clock()
        with self._lock:
            cooling = {c for (c, _), e in self._entries.items() if e.until > now}
            self._entries.clear()
        return len(cooling)

    def cooling(self) -> dict[str, float]:
        """Credential id -> seconds until its longest cooldown ends (only cooling ones)."""
        now = self._clock()
        out: dict[str, float] = {}
        with self._lock:
            for (cred, _), e in self._entries.items():
                if e.until > now:
                    out[cred] = max(out.get(cred, 0.0), e.until - now)
        return out
