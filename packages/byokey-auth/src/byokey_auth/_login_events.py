"""The login as an async iterator of prompts, for callers that prefer ``async for``.

    async for event in login_events("copilot", store=store):
        if isinstance(event, DeviceCodePrompt):
            show(event.verification_uri, event.user_code)
        elif isinstance(event, LoginFinished):
            token = event.token

Errors of the login are raised from the iteration; leaving the loop early
cancels the login.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from byokey_auth._login import login
from byokey_auth._prompts import LoginPrompt
from byokey_types.provider import ProviderId
from byokey_types.token import OAuthToken

__all__ = ["LoginEvent", "LoginFinished", "login_events"]


@dataclass(frozen=True, slots=True)
class LoginFinished:
    """The last event: the token was obtained and saved."""

    provider: ProviderId
    token: OAuthToken


LoginEvent = LoginPrompt | LoginFinished


async def login_events(provider: ProviderId | str, **kwargs: Any) -> AsyncIterator[LoginEvent]:
    """``login(provider, **kwargs)`` yielding each prompt, then :class:`LoginFinished`."""
    queue: asyncio.Queue[LoginPrompt] = asyncio.Queue()
    task = asyncio.create_task(login(provider, on_prompt=queue.put_nowait, **kwargs))
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield getter.result()
                continue
            getter.cancel()
            while not queue.empty():
                yield queue.get_nowait()
            token = task.result()
            pid = provider if isinstance(provider, ProviderId) else ProviderId.parse(provider)
            yield LoginFinished(pid, token)
            return
    finally:
        if not task.done():
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
