"""Error texts of account operations, shared by every store so they read the same.

The CLI prints them verbatim (``storage error: account 'x' not found for
provider claude``) and people grep for them, so the wording is the original's.
"""

from __future__ import annotations

from byokey_types.errors import StorageError

__all__ = ["account_not_found"]


def account_not_found(provider: str, account_id: str) -> StorageError:
    return StorageError(f"account '{account_id}' not found for provider {provider}")
