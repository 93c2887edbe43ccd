"""The four tables, as SQLAlchemy Core ``Table`` objects.

Column names, types, defaults and index names are the original's (spec §2.2) so
a database moves between the Rust build and this one. ``usage_records`` has the
port's extra columns (account, cache tokens, latency, status), all nullable or
defaulted so the Rust build can still insert into a migrated database.
The migrations, not ``metadata.create_all``, create these; a test checks that
both agree.

They were SQLModel classes; nothing used the classes (the stores speak Core
through ``store_metadata``), and importing sqlmodel drags in pydantic, about a
third of ``byokey serve``'s start-up imports.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, Table, Text, text
from sqlalchemy import Boolean as SaBoolean

__all__ = [
    "NOW_DEFAULT",
    "accounts",
    "conversations",
    "messages",
    "store_metadata",
    "usage_records",
]

NOW_DEFAULT = "(CAST(strftime('%s','now') AS INTEGER))"
"""Server default for timestamps; ``unixepoch()`` needs SQLite 3.38."""

store_metadata = MetaData()
"""The store's own metadata, so other tables in the process never mix in."""


def _now_column(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, server_default=text(NOW_DEFAULT))


def _counter(name: str) -> Column[int]:
    return Column(name, BigInteger, nullable=False, server_default=text("0"))


accounts = Table(
    "accounts",
    store_metadata,
    Column("provider", Text, primary_key=True, nullable=False),
    Column("account_id", Text, primary_key=True, nullable=False),
    Column("label", Text, nullable=True),
    Column("is_active", SaBoolean, nullable=False, server_default=text("1")),
    Column("token_json", Text, nullable=False),
    _now_column("created_at"),
    _now_column("updated_at"),
    Index(
        "idx_active_account",
        "provider",
        unique=True,
        sqlite_where=text("is_active = 1"),
        postgresql_where=text("is_active"),
    ),
)

conversations = Table(
    "conversations",
    store_metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column("title", Text, nullable=True),
    Column("model", Text, nullable=False),
    Column("provider", Text, nullable=False),
    _now_column("created_at"),
    _now_column("updated_at"),
)

messages = Table(
    "messages",
    store_metadata,
    Column("id", Text, primary_key=True, nullable=False),
    Column(
        "conversation_id",
        Text,
        ForeignKey("conversations.id", name="fk_messages_conversation", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("role", Text, nullable=False),
    Column("content", Text, nullable=False, server_default=text("''")),
    Column("input_tokens", BigInteger, nullable=True),
    Column("output_tokens", BigInteger, nullable=True),
    Column("model", Text, nullable=True),
    Column("finish_reason", Text, nullable=True),
    Column("duration_ms", BigInteger, nullable=True),
    Column("extra_json", Text, nullable=True),
    _now_column("created_at"),
    Index("idx_messages_conversation", "conversation_id", "created_at"),
)

usage_records = Table(
    "usage_records",
    store_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True, nullable=False),
    Column("model", Text, nullable=False),
    Column("provider", Text, nullable=False),
    _counter("input_tokens"),
    _counter("output_tokens"),
    Column("success", SaBoolean, nullable=False, server_default=text("1")),
    _now_column("created_at"),
    Column("account_id", Text, nullable=True),
    _counter("cache_read_tokens"),
    _counter("cache_write_tokens"),
    Column("latency_ms", BigInteger, nullable=True),
    Column("status", Integer, nullable=True),
    Index("idx_usage_created", "created_at"),
    Index("idx_usage_model_created", "model", "created_at"),
    Index("idx_usage_account_created", "provider", "account_id", "created_at"),
    sqlite_autoincrement=True,
)
