"""The seams between packages, as structural protocols.

Lower layers depend on these, never on the concrete classes: the auth manager
takes any ``TokenStore`` (SQL or in-memory), the proxy records usage through any
``UsageStore``, and anything with ``chat`` and ``supported_models`` can serve.
All I/O methods are async because they run on request paths.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from byokey_types.chat import ChatRequest, ProviderResponse
from byokey_types.provider import ProviderId
from byokey_types.token import AccountInfo, OAuthToken
from byokey_types.usage import UsageBucket, UsageRecord

__all__ = ["ProviderExecutor", "TokenStore", "UsageStore"]


@runtime_checkable
class TokenStore(Protocol):
    """Per-provider, multi-account credential storage.

    The first account saved for a provider becomes active; updates never change
    which account is active; removal never promotes another account.
    """

    async def load(self, provider: ProviderId) -> OAuthToken | None:
        """The active account's token."""
        ...

    async def save(self, provider: ProviderId, token: OAuthToken) -> None:
        """Write the active account's token (``default`` when none is active)."""
        ...

    async def remove(self, provider: ProviderId) -> None:
        """Delete the active account."""
        ...

    async def load_account(self, provider: ProviderId, account_id: str) -> OAuthToken | None: ...

    async def save_account(
        self,
        provider: ProviderId,
        account_id: str,
        label: str | None,
        token: OAuthToken,
    ) -> None:
        """Upsert; ``label=None`` keeps a stored label."""
        ...

    async def remove_account(self, provider: ProviderId, account_id: str) -> None: ...

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]:
        """Active first, then by account id."""
        ...

    async def set_active(self, provider: ProviderId, account_id: str) -> None:
        """Raise ``StorageError`` for an unknown account."""
        ...

    async def load_all_tokens(self, provider: ProviderId) -> list[tuple[str, OAuthToken]]: ...


@runtime_checkable
class UsageStore(Protocol):
    """Durable usage accounting."""

    async def record(self, record: UsageRecord) -> None: ...

    async def query(
        self, start: int, end: int, *, model: str | None = None, bucket_secs: int = 3600
    ) -> list[UsageBucket]:
        """Buckets of ``[start, end)`` ordered by period, then model."""
        ...

    async def totals(self, start: int | None = None, end: int | None = None) -> list[UsageBucket]:
        """One bucket per model (``period_start`` 0), ordered by model."""
        ...


@runtime_checkable
class ProviderExecutor(Protocol):
    """Sends chat requests to one provider.

    Errors before the first byte are raised from ``chat`` so the caller can still
    answer with a proper status; errors mid-stream are raised by the iterator.
    """

    @property
    def provider(self) -> ProviderId: ...

    async def chat(self, request: ChatRequest) -> ProviderResponse: ...

    def supported_models(self) -> list[str]: ...
