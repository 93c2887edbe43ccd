"""Durable SQL persistence (accounts, usage, history) with migrations for byokey.

``await open_store(url)`` opens (creating and migrating) a database and returns a
``SqlStore`` with ``.tokens`` (``TokenStore``), ``.usage`` (``UsageStore`` plus
``aggregate``) and ``.history``. ``InMemoryTokenStore`` and ``InMemoryUsageStore``
have the same semantics without a database, for tests and embedding.
"""

from byokey_store._database import BUSY_TIMEOUT_MS, default_database_url
from byokey_store._memory_token_store import InMemoryTokenStore
from byokey_store._memory_usage_store import InMemoryUsageStore
from byokey_store._migrate import BASELINE_REVISIONS, head_revision
from byokey_store._sql_history_store import ConversationSummary, SqlHistoryStore, StoredMessage
from byokey_store._sql_store import SqlStore, open_store
from byokey_store._sql_token_store import SqlTokenStore
from byokey_store._sql_usage_store import SqlUsageStore
from byokey_store._usage_aggregation import (
    UsageDimension,
    UsageQuery,
    UsageTotal,
    history_bucket_secs,
)

__version__ = "0.1.0"

__all__ = [
    "BASELINE_REVISIONS",
    "BUSY_TIMEOUT_MS",
    "ConversationSummary",
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
