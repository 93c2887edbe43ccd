"""Resolving a provider's OAuth client: config, then runtime document, then compiled-in.

The runtime document (``{credentials_base}/{provider}.json``, the original's only
source) lets the project rotate a client without a release. It is cached in memory
(and optionally on disk), a failed fetch is remembered for a while so an offline
machine does not retry on every refresh, and when nothing was ever fetched the
compiled-in public identifiers are used: login and refresh keep working when the
asset host is down.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from byokey_auth._clients import COMPILED_CLIENTS, OAuthClient
from byokey_auth._clock import Clock
from byokey_auth._endpoints import AuthEndpoints
from byokey_auth._http import parse_json, send, status_text
from byokey_auth._options import AuthOptions, ClientOverride
from byokey_auth._private_file import read_json_file, write_private_json
from byokey_types.errors import ByokError
from byokey_types.provider import ProviderId

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = ["CredentialDocument", "CredentialResolver"]

log = logging.getLogger(__name__)

_FIELDS = ("client_id", "client_secret", "token_url", "device_code_url")
_DEVICE_KEYS = {
    ProviderId.COPILOT: "copilot_device",
    ProviderId.QWEN: "qwen_device",
    ProviderId.KIMI: "kimi_device",
}


@dataclass(frozen=True, slots=True)
class CredentialDocument:
    """The fields of one runtime document; absent fields are None."""

    client_id: str | None = None
    client_secret: str | None = None
    token_url: str | None = None
    device_code_url: str | None = None

    def __repr__(self) -> str:
        return f"CredentialDocument(client_id={self.client_id!r}, has_secret={bool(self.client_secret)})"

    @classmethod
    def parse(cls, data: Any) -> CredentialDocument:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if not isinstance(data.get("client_id"), str) or not data["client_id"]:
            raise ValueError("missing field `client_id`")
        values = {k: v for k in _FIELDS if isinstance(v := data.get(k), str) and v}
        return cls(**values)

    def to_dict(self) -> dict[str, str]:
        return {k: v for k in _FIELDS if (v := getattr(self, k)) is not None}


@dataclass(slots=True)
class _Entry:
    fetched_at: float
    document: CredentialDocument | None
    """None records a failed fetch."""


class CredentialResolver:
    """Gives each flow and refresh the client it should use right now."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        endpoints: AuthEndpoints,
        clock: Clock,
        *,
        ttl: float = 3600.0,
        retry_after_failure: float = 300.0,
        cache_dir: Path | None = None,
        clients: Mapping[ProviderId, ClientOverride] | None = None,
    ) -> None:
        self._http = http
        self._endpoints = endpoints
        self._clock = clock
        self._ttl = ttl
        self._retry_after_failure = retry_after_failure
        self._cache_dir = cache_dir
        self._clients = dict(clients or {})
        self._entries: dict[ProviderId, _Entry] = {}
        self._last_good: dict[ProviderId, CredentialDocument] = {}
        self._last_failure: dict[ProviderId, str] = {}

    @classmethod
    def from_options(
        cls, http: httpx.AsyncClient, options: AuthOptions, clock: Clock
    ) -> CredentialResolver:
        """A resolver with every knob (cache, TTLs, config clients) taken from ``options``."""
        return cls(
            http,
            options.endpoints,
            clock,
            ttl=options.credentials_ttl,
            retry_after_failure=options.credentials_retry_after_failure,
            cache_dir=options.credentials_cache_dir,
            clients=options.clients,
        )

    async def client(self, provider: ProviderId) -> OAuthClient:
        """The merged client for ``provider``; never fails because the host is down."""
        client = COMPILED_CLIENTS[provider]
        doc = await self.document(provider)
        if doc is not None:
            client = client.with_identity(doc.client_id, doc.client_secret).merged(
                token_url=doc.token_url, device_code_url=doc.device_code_url
            )
        configured = self._clients.get(provider)
        if configured is not None:
            client = client.with_identity(configured.client_id, configured.client_secret)
        device_key = _DEVICE_KEYS.get(provider)
        return client.merged(
            token_url=self._endpoints.override(f"{provider.value}_token"),
            device_code_url=self._endpoints.override(device_key) if device_key else None,
        )

    def last_failure(self, provider: ProviderId) -> str | None:
        """Why the last fetch of ``provider``'s document failed (None after a success).

        Flows add it to "credentials missing client_id" so a user whose only
        source is the runtime document (Amp) learns the host was unreachable.
        """
        return self._last_failure.get(provider)

    async def document(self, provider: ProviderId) -> CredentialDocument | None:
        """The freshest good document: fetched, cached, or from the disk cache."""
        base_url = self._endpoints.url("credentials_base")
        if not base_url or provider is ProviderId.KIRO:
            return None
        now = self._clock.monotonic()
        entry = self._entries.get(provider)
        if entry is not None:
            age = now - entry.fetched_at
            fresh = age < (self._ttl if entry.document else self._retry_after_failure)
            if fresh:
                return entry.document or self._fallback(provider)
        try:
            doc = await self._fetch(provider, base_url)
        except (ByokError, ValueError) as exc:
            log.warning("using cached/compiled OAuth client for %s: %s", provider.value, exc)
            self._entries[provider] = _Entry(now, None)
            self._last_failure[provider] = str(exc)
            return self._fallback(provider)
        self._last_failure.pop(provider, None)
        self._entries[provider] = _Entry(now, doc)
        self._last_good[provider] = doc
        self._write_disk(provider, doc)
        return doc

    def forget(self) -> None:
        """Drop the in-memory cache (the next call fetches again)."""
        self._entries.clear()

    async def _fetch(self, provider: ProviderId, base_url: str) -> CredentialDocument:
        name = provider.value
        url = f"{base_url.rstrip('/')}/{name}.json"
        response = await send(self._http, "GET", url, what=f"fetch credentials for {name}")
        if not response.is_success:
            raise ValueError(f"credentials endpoint returned {status_text(response)} for {name}")
        try:
            return CredentialDocument.parse(parse_json(response))
        except ValueError as exc:
            raise ValueError(f"failed to parse credentials for {name}: {exc}") from None

    def _fallback(self, provider: ProviderId) -> CredentialDocument | None:
        if provider in self._last_good:
            return self._last_good[provider]
        return self._read_disk(provider)

    def _disk_path(self, provider: ProviderId) -> Path | None:
        if self._cache_dir is None:
            return None
        return self._cache_dir / f"{provider.value}.json"

    def _write_disk(self, provider: ProviderId, doc: CredentialDocument) -> None:
        path = self._disk_path(provider)
        if path is None:
            return
        try:
            write_private_json(path, doc.to_dict())
        except OSError as exc:
            log.warning("cannot cache OAuth client document for %s: %s", provider.value, exc)

    def _read_disk(self, provider: ProviderId) -> CredentialDocument | None:
        path = self._disk_path(provider)
        if path is None:
            return None
        try:
            data = read_json_file(path)
            doc = None if data is None else CredentialDocument.parse(data)
        except ValueError as exc:
            log.warning("ignoring cached OAuth client document for %s: %s", provider.value, exc)
            return None
        if doc is not None:
            self._last_good[provider] = doc
        return doc
