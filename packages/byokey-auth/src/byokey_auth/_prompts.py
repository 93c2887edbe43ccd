"""What a login asks the user to do, handed to the caller instead of printed.

The library never writes to a terminal: the CLI (or a desktop app, or a test
acting as the browser) receives these values through ``on_prompt`` and decides
how to show them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from byokey_types.provider import ProviderId

__all__ = [
    "BrowserPrompt",
    "DeviceCodePrompt",
    "LoginPrompt",
    "ProgressPrompt",
    "PromptHandler",
    "emit",
]


@dataclass(frozen=True, slots=True)
class BrowserPrompt:
    """Open ``url`` in a browser; the login finishes when it redirects back to us."""

    provider: ProviderId
    url: str
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class DeviceCodePrompt:
    """Visit ``verification_uri`` and type ``user_code`` (or open the complete URI)."""

    provider: ProviderId
    verification_uri: str
    user_code: str
    verification_uri_complete: str | None
    expires_in: int


@dataclass(frozen=True, slots=True)
class ProgressPrompt:
    """A step finished or started; for a status line, never required reading."""

    provider: ProviderId
    message: str


LoginPrompt = BrowserPrompt | DeviceCodePrompt | ProgressPrompt
PromptHandler = Callable[[LoginPrompt], Awaitable[None] | None]


async def emit(handler: PromptHandler | None, prompt: LoginPrompt) -> None:
    if handler is None:
        return
    result = handler(prompt)
    if inspect.isawaitable(result):
        await result
