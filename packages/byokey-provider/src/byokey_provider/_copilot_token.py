"""GitHub token → Copilot API token, exchanged once and kept until shortly before it expires.

A Copilot login stores a long-lived GitHub OAuth token; the chat API only takes
the short-lived (about 30 min) token GitHub's ``copilot_internal/v2/token``
hands out for it, together with the API host that serves the account
(``endpoints.api``: individual, business and enterprise plans live on different
hosts). The original exchanged on every request, because its cache lived in an
executor rebuilt per request; here the cache lives as long as the executor
(the process), keyed by a hash of the GitHub token (never the token itself),
and concurrent requests share one exchange in flight (single flight).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from byokey_types import AuthError, UpstreamError

from ._http import UpstreamHttp

__all__ = [
    "DEFAULT_TOKEN_LIFETIME",
    "REFRESH_MARGIN",
    "CopilotToken",
    "CopilotTokenCache",
    "parse_exchange",
]

DEFAULT_TOKEN_LIFETIME = 1500.0
"""Seconds a token is assumed to live when the answer has no ``expires_at``."""

REFRESH_MARGIN = 300.0
"""Re-exchange this long before ``expires_at`` (at most half the token's lifetime), so
a request never starts with a token about to die."""

_AUTH_STATUSES = frozenset({401, 403, 404})
"""Exchange answers that mean "this GitHub login has no Copilot" (not worth retrying soon)."""


@dataclass(frozen=True, slots=True)
class CopilotToken:
    """One exchanged Copilot API token; ``refresh_at`` is when to exchange again."""

    token: str = field(repr=False)
    expires_at: float
    refresh_at: float
    api_base: str | None = None
    plan: str | None = None

    @property
    def is_pro(self) -> bool:
        """Any plan but ``copilot_free`` (or an unknown one) counts as paid."""
        return self.plan != "copilot_free"


def parse_exchange(body: Any, *, now: float, margin: float = REFRESH_MARGIN) -> CopilotToken:
    """Read the exchange answer ``{"token", "expires_at", "refresh_in", "endpoints": {"api"}}``."""
    if not isinstance(body, dict) or not isinstance(body.get("token"), str) or not body["token"]:
        raise AuthError("missing token in Copilot response")
    expires = body.get("expires_at")
    if isinstance(expires, int | float) and not isinstance(expires, bool) and expires > 0:
        expires_at = float(expires)
    else:
        expires_at = now + DEFAULT_TOKEN_LIFETIME
    lifetime = max(expires_at - now, 0.0)
    refresh_at = expires_at - min(margin, lifetime / 2)
    refresh_in = body.get("refresh_in")
    if isinstance(refresh_in, int | float) and not isinstance(refresh_in, bool) and refresh_in > 0:
        refresh_at = min(refresh_at, now + float(refresh_in))
    endpoints = body.get("endpoints")
    api = endpoints.get("api") if isinstance(endpoints, dict) else None
    plan = body.get("copilot_plan") or body.get("sku")
    return CopilotToken(
        token=body["token"],
        expires_at=expires_at,
        refresh_at=refresh_at,
        api_base=api.rstrip("/") if isinstance(api, str) and api else None,
        plan=plan if isinstance(plan, str) else None,
    )


def _key(github_token: str) -> str:
    return hashlib.sha256(github_token.encode()).hexdigest()


class CopilotTokenCache:
    """Exchanges GitHub tokens for Copilot tokens, caching each until its ``refresh_at``.

    ``url`` and ``headers`` are read per exchange (the exchange URL is a live
    setting); ``clock`` is wall time in Unix seconds (``expires_at`` is).
    """

    def __init__(
        self,
        http: UpstreamHttp,
        *,
        url: Callable[[], str],
        headers: Callable[[], Mapping[str, str]],
        clock: Callable[[], float],
        proxy_url: Callable[[], str | None] = lambda: None,
        margin: float = REFRESH_MARGIN,
    ) -> None:
        self.http = http
        self._url = url
        self._headers = headers
        self._clock = clock
        self._proxy_url = proxy_url
        self.margin = margin
        self._cache: dict[str, CopilotToken] = {}
        self._inflight: dict[str, asyncio.Future[CopilotToken]] = {}
        self.exchanges = 0
        """How many exchanges were sent (for status pages and tests)."""

    async def get(self, github_token: str) -> CopilotToken:
        """A usable Copilot token for ``github_token`` (exchanging when none is fresh)."""
        key = _key(github_token)
        found = self._cache.get(key)
        if found is not None and self._clock() < found.refresh_at:
            return found
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._exchange(github_token))
            self._inflight[key] = pending
            pending.add_done_callback(lambda done: self._settle(key, done))
        # A cancelled caller must not cancel the exchange the others wait for.
        return await asyncio.shield(pending)

    def invalidate(self, github_token: str, stale: CopilotToken | None = None) -> None:
        """Forget the cached token (only ``stale`` when given: a fresher one stays)."""
        key = _key(github_token)
        found = self._cache.get(key)
        if found is not None and (stale is None or found is stale):
            del self._cache[key]

    def cached(self, github_token: str) -> CopilotToken | None:
        return self._cache.get(_key(github_token))

    def _settle(self, key: str, done: asyncio.Future[CopilotToken]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]
        if done.cancelled() or done.exception() is not None:
            return
        self._cache[key] = done.result()

    async def _exchange(self, github_token: str) -> CopilotToken:
        self.exchanges += 1
        headers = {**self._headers(), "authorization": f"token {github_token}"}
        try:
            response = await self.http.send(
                "GET",
                self._url(),
                upstream="copilot",
                headers=headers,
                proxy_url=self._proxy_url(),
                secrets=(github_token,),
            )
        except UpstreamError as err:
            if err.upstream_status in _AUTH_STATUSES:
                raise AuthError(
                    f"Copilot token exchange failed (HTTP {err.upstream_status}): {err.body}"
                ) from None
            raise
        return parse_exchange(await response.json(), now=self._clock(), margin=self.margin)
