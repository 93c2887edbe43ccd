"""The device identity headers Kimi's OAuth and API expect (shared with the executor)."""

from __future__ import annotations

import uuid

__all__ = ["DEVICE_MODEL", "device_headers", "device_id", "device_name"]

DEVICE_MODEL = "MacBookPro"
_PLATFORM = "mac"
_VERSION = "0.13.0"


def device_id() -> str:
    """A random UUIDv4 (lowercase, hyphenated)."""
    return str(uuid.uuid4())


def device_name() -> str:
    return "byokey-client"


def device_headers() -> dict[str, str]:
    """Headers for one login request; a fresh device id each time, as the original did."""
    return {
        "X-Msh-Platform": _PLATFORM,
        "X-Msh-Version": _VERSION,
        "X-Msh-Device-Name": device_name(),
        "X-Msh-Device-Model": DEVICE_MODEL,
        "X-Msh-Device-Id": device_id(),
    }
