"""Who byokey claims to be to Anthropic: the Claude Code device profile and its headers.

Anthropic treats OAuth (Claude Pro/Max) traffic as Claude Code traffic, so every
request carries the headers the official CLI sends, from a *device profile*: a user
agent, SDK versions, OS/arch and two ids. Profiles are cached per credential scope
for seven days, so one account looks like one stable device rather than a new one
per request (what the original did on the chat path). Values come from, in order:
the ``claude_headers`` config, the VersionStore, the compiled defaults.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from byokey_config import ClaudeHeaderDefaults
from byokey_provider._version_store import VersionStore
from byokey_types import ProviderId

__all__ = [
    "ANTHROPIC_BETA",
    "ANTHROPIC_VERSION",
    "CLAUDE_CLI_VERSION",
    "CLAUDE_PACKAGE_VERSION",
    "CLAUDE_RUNTIME_VERSION",
    "CLAUDE_USER_AGENT",
    "PROFILE_TTL_SECONDS",
    "DeviceProfile",
    "DeviceProfileCache",
    "ProfileDefaults",
    "fingerprint_headers",
    "parse_cli_version",
]

ANTHROPIC_VERSION: Final = "2023-06-01"
ANTHROPIC_BETA: Final = ",".join(
    (
        "claude-code-20250219",
        "oauth-2025-04-20",
        "interleaved-thinking-2025-05-14",
        "redact-thinking-2026-02-12",
        "context-management-2025-06-27",
        "prompt-caching-scope-2026-01-05",
        "advanced-tool-use-2025-11-20",
        "effort-2025-11-24",
        "structured-outputs-2025-12-15",
        "fast-mode-2026-02-01",
        "token-efficient-tools-2026-03-28",
    )
)
CLAUDE_CLI_VERSION: Final = "2.1.109"
CLAUDE_USER_AGENT: Final = f"claude-cli/{CLAUDE_CLI_VERSION} (external, cli)"
CLAUDE_PACKAGE_VERSION: Final = "0.74.0"
CLAUDE_RUNTIME_VERSION: Final = "v24.14.1"
PROFILE_TTL_SECONDS: Final = 7 * 24 * 3600
_DEFAULT_TIMEOUT: Final = 600

Version = tuple[int, int, int]


def parse_cli_version(user_agent: str) -> Version | None:
    """``claude-cli/2.1.109 (…)`` → ``(2, 1, 109)``; anything not ``x.y.z`` → None."""
    _, slash, rest = user_agent.partition("/")
    if not slash:
        return None
    for stop in (" ", "("):
        rest = rest.split(stop, 1)[0]
    parts = rest.split(".")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


@dataclass(frozen=True, slots=True)
class ProfileDefaults:
    """The non-random half of a profile, shared by every fresh profile."""

    user_agent: str = CLAUDE_USER_AGENT
    package_version: str = CLAUDE_PACKAGE_VERSION
    runtime_version: str = CLAUDE_RUNTIME_VERSION
    os: str = "MacOS"
    arch: str = "arm64"
    cli_version: str = CLAUDE_CLI_VERSION
    timeout: int = _DEFAULT_TIMEOUT

    @classmethod
    def resolve(
        cls, config: ClaudeHeaderDefaults | None = None, versions: VersionStore | None = None
    ) -> ProfileDefaults:
        """Config over VersionStore over compiled values.

        The original fetched the VersionStore ``claude`` entry and never used it;
        here it feeds the profile (and the billing header's ``cc_version``).
        """
        base = cls()
        if versions is not None:
            claude = ProviderId.CLAUDE
            base = replace(
                base,
                user_agent=versions.user_agent(claude, base.user_agent),
                package_version=versions.stainless_package(claude, base.package_version),
                runtime_version=versions.stainless_runtime(claude, base.runtime_version),
                cli_version=versions.cli_version(claude, base.cli_version),
            )
            fetched = versions.get(claude)
            parsed = parse_cli_version(base.user_agent)
            if fetched is not None and fetched.cli_version is None and parsed is not None:
                # A document naming only a user agent still moves the billing
                # header's cc_version with it, so the two never disagree.
                base = replace(base, cli_version=".".join(map(str, parsed)))
        if config is not None:
            base = replace(
                base,
                user_agent=config.user_agent or base.user_agent,
                package_version=config.package_version or base.package_version,
                runtime_version=config.runtime_version or base.runtime_version,
                os=config.os or base.os,
                arch=config.arch or base.arch,
                timeout=base.timeout if config.timeout is None else config.timeout,
            )
            if config.user_agent:
                parsed = parse_cli_version(config.user_agent)
                if parsed is not None:
                    base = replace(base, cli_version=".".join(map(str, parsed)))
        return base


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """One simulated Claude Code installation."""

    user_agent: str
    package_version: str
    runtime_version: str
    os: str
    arch: str
    session_id: str
    device_id: str
    version: Version | None

    @classmethod
    def fresh(cls, defaults: ProfileDefaults | None = None) -> DeviceProfile:
        """A baseline profile with new random ids (uuid4 session, 64-hex device id)."""
        d = defaults or ProfileDefaults()
        return cls(
            user_agent=d.user_agent,
            package_version=d.package_version,
            runtime_version=d.runtime_version,
            os=d.os,
            arch=d.arch,
            session_id=str(uuid.uuid4()),
            device_id=secrets.token_hex(32),
            version=parse_cli_version(d.user_agent),
        )

    def __repr__(self) -> str:
        # Device ids are stable identifiers of an account; keep them out of logs.
        return f"DeviceProfile(user_agent={self.user_agent!r}, version={self.version!r})"


class DeviceProfileCache:
    """Profiles by credential scope (stored under the scope's SHA-256), seven days each.

    Thread-safe and process-wide: executors are long-lived, so one account keeps
    presenting the same device across requests until the profile ages out.
    """

    def __init__(
        self,
        defaults: ProfileDefaults | None = None,
        *,
        ttl: float = PROFILE_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.defaults = defaults or ProfileDefaults()
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[DeviceProfile, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(scope: str) -> str:
        return hashlib.sha256(scope.encode("utf-8")).hexdigest()

    def resolve(self, scope: str) -> DeviceProfile:
        """The scope's profile, or a new baseline when missing or older than the TTL."""
        key = self._key(scope)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[1] < self.ttl:
                return entry[0]
            profile = DeviceProfile.fresh(self.defaults)
            self._entries[key] = (profile, now)
            return profile

    def resolve_or_upgrade(self, scope: str, incoming_user_agent: str | None) -> DeviceProfile:
        """Like :meth:`resolve`, then adopt a client's strictly newer Claude Code UA.

        A real Claude Code client talking through byokey (``/v1/messages``) may be
        newer than our defaults; following it upward keeps the identity current.
        Never downgrades.
        """
        profile = self.resolve(scope)
        if not incoming_user_agent:
            return profile
        incoming = parse_cli_version(incoming_user_agent)
        if incoming is None or (profile.version is not None and incoming <= profile.version):
            return profile
        upgraded = DeviceProfile.fresh(replace(self.defaults, user_agent=incoming_user_agent))
        with self._lock:
            self._entries[self._key(scope)] = (upgraded, self._clock())
        return upgraded

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def fingerprint_headers(
    profile: DeviceProfile, *, timeout: int = _DEFAULT_TIMEOUT
) -> dict[str, str]:
    """The Claude Code / Stainless SDK headers for one request (new request id each call)."""
    return {
        "anthropic-dangerous-direct-browser-access": "true",
        "x-app": "cli",
        "user-agent": profile.user_agent,
        "x-claude-code-session-id": profile.session_id,
        "x-stainless-lang": "js",
        "x-stainless-runtime": "node",
        "x-stainless-runtime-version": profile.runtime_version,
        "x-stainless-package-version": profile.package_version,
        "x-stainless-os": profile.os,
        "x-stainless-arch": profile.arch,
        "x-stainless-retry-count": "0",
        "x-stainless-timeout": str(timeout),
        "x-client-request-id": str(uuid.uuid4()),
    }
