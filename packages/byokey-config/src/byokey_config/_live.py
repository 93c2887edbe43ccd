"""Which settings a reload applies at once and which wait for a restart.

Request paths read the current snapshot per request, so most keys are live.
Keys consumed once at startup (listeners, logging, the shared HTTP sessions,
the auth manager, the version fetch, the usage recorder) are not; the watcher
names them when a reload changes them so nobody wonders why an edit "did nothing".

Keys are dotted paths; ``*`` stands for every entry of a map or list
(``providers.*.proxy_url``). When several entries cover a key, the longest wins:
``providers`` is live but ``providers.*.proxy_url`` needs a restart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from byokey_config._endpoints import ENDPOINT_DEFAULTS, STARTUP_ENDPOINTS
from byokey_config._settings import Settings

__all__ = ["LIVE_KEYS", "RESTART_KEYS", "changed_restart_keys", "reload_mode"]

RESTART_KEYS: tuple[str, ...] = (
    "host",
    "port",
    "amp.port",
    "amp.threads_dir",
    "proxy_url",
    "providers.*.proxy_url",
    "openai_compatible.*.proxy_url",
    "log",
    "timeouts",
    "http",
    "auth",
    "usage",
    *(f"endpoints.{name}" for name in ENDPOINT_DEFAULTS if name in STARTUP_ENDPOINTS),
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
    *(f"endpoints.{name}" for name in ENDPOINT_DEFAULTS if name not in STARTUP_ENDPOINTS),
)
"""Dotted keys applied by the next request after a reload."""


def _covers(pattern: str, key: str) -> bool:
    pattern_parts, key_parts = pattern.split("."), key.split(".")
    if len(pattern_parts) > len(key_parts):
        return False
    return all(p in ("*", k) for p, k in zip(pattern_parts, key_parts, strict=False))


def reload_mode(key: str) -> Literal["live", "restart"] | None:
    """Whether a change to dotted ``key`` applies ``"live"`` or after a ``"restart"``.

    ``None`` for a key that is not in the schema tables. Use ``*`` for map keys
    and list indexes (``providers.*.routing``) or give them literally
    (``providers.claude.routing``).
    """
    tables: tuple[tuple[Literal["live", "restart"], tuple[str, ...]], ...] = (
        ("live", LIVE_KEYS),
        ("restart", RESTART_KEYS),
    )
    best: tuple[int, Literal["live", "restart"]] | None = None
    for mode, table in tables:
        for pattern in table:
            if _covers(pattern, key):
                depth = pattern.count(".") + 1
                if best is None or depth > best[0]:
                    best = (depth, mode)
    return None if best is None else best[1]


def _get(value: Any, parts: list[str]) -> Any:
    if not parts:
        return value
    head, rest = parts[0], parts[1:]
    if head == "*":
        # Entries whose value is unset are left out: adding a provider that has no
        # proxy_url of its own changes nothing that was read at startup.
        if isinstance(value, Mapping):
            found = {k: _get(v, rest) for k, v in value.items()}
            return {k: v for k, v in found.items() if v is not None}
        return tuple(x for x in (_get(v, rest) for v in value) if x is not None)
    return _get(getattr(value, head), rest)


def changed_restart_keys(old: Settings, new: Settings) -> tuple[str, ...]:
    """The :data:`RESTART_KEYS` whose value differs between ``old`` and ``new``."""
    return tuple(k for k in RESTART_KEYS if _get(old, k.split(".")) != _get(new, k.split(".")))
