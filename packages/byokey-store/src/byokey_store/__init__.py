"""Durable SQL persistence (accounts, usage, history) with migrations for byokey.

``await open_store(url)`` opens (creating and migrating) a database and returns a
``SqlStore`` with ``.tokens`` (``TokenStore``), ``.usage`` (``UsageStore`` plus
``aggregate``) and ``.history``. ``DeferredStore(url)`` opens one in the background
and hands out ``tokens``/``usage`` at once (calls wait for the open).
``InMemoryTokenStore`` and ``InMemoryUsageStore`` have the same semantics without a
database, for tests and embedding.

``import byokey_store`` stays cheap: the names backed by SQLAlchemy (the SQL stores,
``open_store``, migrations) load on first use of the name (module ``__getattr__``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from byokey_store._deferred_store import DeferredStore, DeferredTokenStore, DeferredUsageStore
from byokey_store._memory_token_store import InMemoryTokenStore
from byokey_store._memory_usage_store import InMemoryUsageStore
from byokey_store._usage_aggregation import (
    UsageDimension,
    UsageQuery,
    UsageTotal,
    history_bucket_secs,
)

if TYPE_CHECKING:
    from byokey_store._database import BUSY_TIMEOUT_MS, default_database_url
    from byokey_store._migrate import BASELINE_REVISIONS, head_revision
    from byokey_store._sql_history_store import (
        ConversationSummary,
        SqlHistoryStore,
        StoredMessage,
    )
    from byokey_store._sql_store import SqlStore, open_store
    from byokey_store._sql_token_store import SqlTokenStore
    from byokey_store._sql_usage_store import SqlUsageStore

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "BUSY_TIMEOUT_MS": "byokey_store._database",
    "default_database_url": "byokey_store._database",
    "BASELINE_REVISIONS": "byokey_store._migrate",
    "head_revision": "byokey_store._migrate",
    "ConversationSummary": "byokey_store._sql_history_store",
    "SqlHistoryStore": "byokey_store._sql_history_store",
    "StoredMessage": "byokey_store._sql_history_store",
    "SqlStore": "byokey_store._sql_store",
    "open_store": "byokey_store._sql_store",
    "SqlTokenStore": "byokey_store._sql_token_store",
    "SqlUsageStore": "byokey_store._sql_usage_store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'byokey_store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BASELINE_REVISIONS",
    "BUSY_TIMEOUT_MS",
    "ConversationSummary",
    "DeferredStore",
    "DeferredTokenStore",
    "DeferredUsageStore",
    "InMemoryTokenStore",
    "InMemoryUsageStore",
    "SqlHistoryStore",
    "SqlStore",
    "SqlTokenStore",
    "SqlUsageStore",
    "StoredMessage",
    "UsageDimension",
    "UsageQuery",
    "UsageTotal",
    "__version__",
    "default_database_url",
    "head_revision",
    "history_bucket_secs",
    "open_store",
]
