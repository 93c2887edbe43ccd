"""Opening a URL for the user, without ever making the login depend on it.

A headless machine, a missing ``xdg-open`` or a sandboxed desktop app can all
fail to open a browser; the login goes on regardless because the caller has
already been handed the URL (``on_prompt``) and can show it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import webbrowser
from collections.abc import Awaitable, Callable

__all__ = ["BrowserOpener", "open_in_browser", "open_quietly"]

log = logging.getLogger(__name__)

BrowserOpener = Callable[[str], Awaitable[object] | object]
"""Called with the URL to show; may be sync or async; its result is ignored."""


async def open_in_browser(url: str) -> None:
    """The OS browser (``webbrowser.open``), run in a thread: it may block on a subprocess."""
    opened = await asyncio.to_thread(webbrowser.open, url)
    if not opened:
        log.info("no browser could be opened; the login URL was handed to the caller")


async def open_quietly(opener: BrowserOpener | None, url: str) -> None:
    """Run ``opener``; its failure is logged (without the URL: it carries a state) and ignored."""
    if opener is None:
        return
    try:
        result = opener(url)
        if inspect.isawaitable(result):
            await result
    except Exception as exc:  # a broken opener must not end the login
        log.warning("could not open a browser: %s", type(exc).__name__)
