"""The small top-level sections: amp, streaming, log, routing, timeouts, http, usage,
model aliases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from byokey_config._enums import LogFormat, RoutingStrategy
from byokey_config._fields import U16_MAX, U32_MAX, masked_repr, setting

__all__ = [
    "AmpConfig",
    "HttpConfig",
    "LogConfig",
    "ModelAlias",
    "RoutingConfig",
    "StreamingConfig",
    "TimeoutsConfig",
    "UsageConfig",
]


def _empty_map() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ModelAlias:
    """A client-facing name for an upstream model (``model_alias.<id>[]``)."""

    name: str
    alias: str
    fork: bool = False


@dataclass(frozen=True, slots=True)
class AmpConfig:
    """The Amp integration: its own listener and the ampcode.com upstream.

    ``settings`` is free-form Amp CLI configuration; its keys contain dots
    (``"amp.url"``) and are kept verbatim, never split or re-cased.
    """

    port: int = setting(18018, minimum=0, maximum=U16_MAX)
    upstream_url: str | None = None
    upstream_key: str | None = setting(None, secret=True)
    threads_dir: str | None = None
    settings: Mapping[str, Any] = field(default_factory=_empty_map)

    def __repr__(self) -> str:
        return masked_repr(self)


@dataclass(frozen=True, slots=True)
class StreamingConfig:
    """SSE tuning; seconds. ``keepalive_seconds: 0`` turns keep-alive comments off."""

    keepalive_seconds: int = setting(15, minimum=0)
    bootstrap_retries: int = setting(1, minimum=0, maximum=U32_MAX)
    nonstream_keepalive_interval: int = setting(30, minimum=0)


@dataclass(frozen=True, slots=True)
class LogConfig:
    """Logging, applied once at startup; ``level`` accepts ``target=level`` lists too."""

    level: str = "info"
    format: LogFormat = LogFormat.TEXT
    file: str | None = None


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    """Credential selection defaults for every provider without its own ``routing``."""

    strategy: RoutingStrategy = RoutingStrategy.ROUND_ROBIN
    cooldown_seconds: float = setting(30.0, minimum=0)
    max_cooldown_seconds: float = setting(300.0, minimum=0)
    max_retry_credentials: int | None = setting(None, minimum=1)


@dataclass(frozen=True, slots=True)
class TimeoutsConfig:
    """Upstream timeouts in seconds; ``0`` means no limit.

    There is no total timeout: a long stream that keeps producing is healthy.
    """

    connect_seconds: float = setting(30.0, minimum=0)
    first_byte_seconds: float = setting(600.0, minimum=0)
    stream_idle_seconds: float = setting(300.0, minimum=0)
    version_fetch_seconds: float = setting(5.0, minimum=0)


@dataclass(frozen=True, slots=True)
class HttpConfig:
    """The shared upstream HTTP session (curl_cffi), built once at startup.

    ``impersonate`` is the TLS/HTTP2 fingerprint to imitate (a curl_cffi target
    such as ``chrome``); ``null`` or ``""`` sends a plain curl fingerprint. Only
    the handshake is imitated: executors still send their own CLI headers.
    """

    impersonate: str | None = "chrome"


@dataclass(frozen=True, slots=True)
class UsageConfig:
    """Usage accounting of proxied requests.

    ``enabled: false`` stops counting altogether (the management usage endpoints
    then report zeros); ``persist: false`` keeps counters in memory only;
    ``preload`` adds the store's all-time totals to the counters at startup.
    """

    enabled: bool = True
    persist: bool = True
    preload: bool = True
    batch_size: int = setting(64, minimum=1, maximum=10_000)
