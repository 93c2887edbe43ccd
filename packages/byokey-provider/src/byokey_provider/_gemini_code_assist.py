"""Google Cloud Code Assist (``v1internal``): the envelope Gemini CLI and Antigravity speak.

A Code Assist call is a native ``generateContent`` body wrapped as
``{"model", "project", …, "request": body}`` and POSTed to
``{base}/v1internal:generateContent`` (or ``:streamGenerateContent?alt=sse``);
answers come wrapped as ``{"response": …}``. A Gemini CLI account only works
inside its Code Assist project, which the account does not know by heart:
:class:`ProjectResolver` asks ``loadCodeAssist`` once (onboarding the free tier
when the account has none yet, as Gemini CLI does on first use) and keeps the
answer per credential for the executor's lifetime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from byokey_types import AuthError

__all__ = [
    "CODE_ASSIST_METADATA",
    "ProjectResolver",
    "code_assist_url",
    "split_native_body",
]

_log = logging.getLogger("byokey.provider.gemini")

CODE_ASSIST_METADATA = {
    "ideType": "IDE_UNSPECIFIED",
    "platform": "PLATFORM_UNSPECIFIED",
    "pluginType": "GEMINI",
}

_ONBOARD_POLLS = 5
_FREE_TIER = "free-tier"

PostJson = Callable[[str, dict[str, Any]], Awaitable[Any]]
"""POST a JSON body to a URL and return the decoded JSON answer."""


def code_assist_url(base: str, method: str, *, stream: bool = False) -> str:
    """``{base}/v1internal:{method}``; the streaming variant asks for SSE."""
    url = f"{base.rstrip('/')}/v1internal:{method}"
    return f"{url}?alt=sse" if stream else url


def split_native_body(body: dict[str, Any]) -> dict[str, Any]:
    """A native Gemini body without the gateway's own ``model`` / ``stream`` keys.

    ``byokey_translate`` carries them at the top level; Google puts the model in
    the URL (or the envelope) and rejects unknown fields.
    """
    return {k: v for k, v in body.items() if k not in ("model", "stream")}


def _project_of(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, dict):
        ident = value.get("id")
        if isinstance(ident, str) and ident:
            return ident
    return None


def _onboard_tier(load: dict[str, Any]) -> str:
    current = load.get("currentTier")
    if isinstance(current, dict) and isinstance(current.get("id"), str):
        return str(current["id"])
    for tier in load.get("allowedTiers") or []:
        if isinstance(tier, dict) and tier.get("isDefault") and isinstance(tier.get("id"), str):
            return str(tier["id"])
    return _FREE_TIER


class ProjectResolver:
    """The Code Assist project of each credential, discovered once and remembered.

    ``configured`` (a project named in the settings) wins and is never looked up.
    Concurrent first requests of one credential share one discovery.
    """

    def __init__(
        self, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, poll_interval: float = 2
    ) -> None:
        self._projects: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._sleep = sleep
        self._poll_interval = poll_interval

    def known(self, credential_id: str) -> str | None:
        return self._projects.get(credential_id)

    def forget(self, credential_id: str) -> None:
        """Drop a remembered project (the upstream said it is no longer valid)."""
        self._projects.pop(credential_id, None)

    async def resolve(
        self, credential_id: str, base: str, post: PostJson, *, configured: str | None = None
    ) -> str:
        if configured:
            return configured
        found = self._projects.get(credential_id)
        if found is not None:
            return found
        lock = self._locks.setdefault(credential_id, asyncio.Lock())
        async with lock:
            found = self._projects.get(credential_id)
            if found is None:
                found = await self._discover(base, post)
                self._projects[credential_id] = found
            return found

    async def _discover(self, base: str, post: PostJson) -> str:
        load = await post(
            code_assist_url(base, "loadCodeAssist"), {"metadata": CODE_ASSIST_METADATA}
        )
        if not isinstance(load, dict):
            load = {}
        project = _project_of(load.get("cloudaicompanionProject"))
        if project is not None:
            return project
        tier = _onboard_tier(load)
        _log.info("gemini: onboarding the account to Code Assist (tier %s)", tier)
        request = {"tierId": tier, "metadata": CODE_ASSIST_METADATA}
        for attempt in range(_ONBOARD_POLLS):
            operation = await post(code_assist_url(base, "onboardUser"), request)
            if isinstance(operation, dict) and operation.get("done"):
                response = operation.get("response")
                project = _project_of(
                    response.get("cloudaicompanionProject") if isinstance(response, dict) else None
                )
                if project is not None:
                    return project
                break
            if attempt + 1 < _ONBOARD_POLLS:
                await self._sleep(self._poll_interval)
        raise AuthError(
            "gemini: this Google account has no Gemini Code Assist project "
            "(set up Gemini CLI once, or use an API key)"
        )
