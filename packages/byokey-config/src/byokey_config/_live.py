"""Which settings a reload applies at once and which wait for a restart.

Request paths read the current snapshot per request, so most keys are live.
Keys consumed once at startup (listeners, logging, the shared HTTP client,
the version fetch) are not; the watcher names them when a reload changes them
so nobody wonders why an edit "did nothing".
"""

from __future__ import annotations

from typing import Any

from byokey_config._settings import Settings

__all__ = ["LIVE_KEYS", "RESTART_KEYS", "changed_restart_keys"]

RESTART_KEYS: tuple[str, ...] = (
    "host",
    "port",
    "amp.port",
    "proxy_url",
    "log",
    "timeouts",
    "endpoints.versions_base",
)
"""Dotted keys read once at startup: changing them needs ``byokey restart``."""

LIVE_KEYS: tuple[str, ...] = (
    "providers",
    "api_keys",
    "model_alias",
    "excluded_models",
    "payload",
    "routing",
    "streaming",
    "openai_compatible",
    "amp.upstream_key",
    "amp.upstream_url",
    "amp.settings",
    "endpoints",
)
"""Dotted keys applied by the next request after a reload."""


def _get(settings: Settings, dotted: str) -> Any:
    value: Any = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def changed_restart_keys(old: Settings, new: Settings) -> tuple[str, ...]:
    """The :data:`RESTART_KEYS` whose value differs between ``old`` and ``new``."""
    return tuple(k for k in RESTART_KEYS if _get(old, k) != _get(new, k))
