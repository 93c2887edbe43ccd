"""The four tables, as SQLModel classes.

Column names, types, defaults and index names are the original's (spec §2.2) so
a database moves between the Rust build and this one. ``usage_records`` has the
port's extra columns (account, cache tokens, latency, status), all nullable or
defaulted so the Rust build can still insert into a migrated database.
The migrations, not ``metadata.create_all``, create these; a test checks that
both agree.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, Text, text
from sqlalchemy import Boolean as SaBoolean
from sqlmodel import Field, SQLModel

__all__ = [
    "NOW_DEFAULT",
    "AccountRow",
    "ConversationRow",
    "MessageRow",
    "UsageRow",
    "store_metadata",
]

NOW_DEFAULT = "(CAST(strftime('%s','now') AS INTEGER))"
"""Server default for timestamps; ``unixepoch()`` needs SQLite 3.38."""

store_metadata = MetaData()
"""The store's own metadata, so other SQLModel tables in the process never mix in."""


class _StoreModel(SQLModel):
    metadata = store_metadata


def _now_column() -> Column[int]:
    return Column(BigInteger, nullable=False, server_default=text(NOW_DEFAULT))


class AccountRow(_StoreModel, table=True):
    __tablename__ = "accounts"
    __table_args__ = (
        Index(
            "idx_active_account",
            "provider",
            unique=True,
            sqlite_where=text("is_active = 1"),
            postgresql_where=text("is_active"),
        ),
    )

    provider: str = Field(sa_column=Column(Text, primary_key=True, nullable=False))
    account_id: str = Field(sa_column=Column(Text, primary_key=True, nullable=False))
    label: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    is_active: bool = Field(
        default=True, sa_column=Column(SaBoolean, nullable=False, server_default=text("1"))
    )
    token_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: int = Field(sa_column=_now_column())
    updated_at: int = Field(sa_column=_now_column())


class ConversationRow(_StoreModel, table=True):
    __tablename__ = "conversations"

    id: str = Field(sa_column=Column(Text, primary_key=True, nullable=False))
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    model: str = Field(sa_column=Column(Text, nullable=False))
    provider: str = Field(sa_column=Column(Text, nullable=False))
    created_at: int = Field(sa_column=_now_column())
    updated_at: int = Field(sa_column=_now_column())


class MessageRow(_StoreModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (Index("idx_messages_conversation", "conversation_id", "created_at"),)

    id: str = Field(sa_column=Column(Text, primary_key=True, nullable=False))
    conversation_id: str = Field(
        sa_column=Column(
            Text,
            ForeignKey("conversations.id", name="fk_messages_conversation", ondelete="CASCADE"),
            nullable=False,
        )
    )
    role: str = Field(sa_column=Column(Text, nullable=False))
    content: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default=text("''"))
    )
    input_tokens: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    output_tokens: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    model: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    finish_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    duration_ms: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    extra_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: int = Field(sa_column=_now_column())


class UsageRow(_StoreModel, table=True):
    __tablename__ = "usage_records"
    __table_args__ = (
        Index("idx_usage_created", "created_at"),
        Index("idx_usage_model_created", "model", "created_at"),
        Index("idx_usage_account_created", "provider", "account_id", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(Integer, primary_key=True, autoincrement=True, nullable=False),
    )
    model: str = Field(sa_column=Column(Text, nullable=False))
    provider: str = Field(sa_column=Column(Text, nullable=False))
    input_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    output_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    success: bool = Field(
        default=True, sa_column=Column(SaBoolean, nullable=False, server_default=text("1"))
    )
    created_at: int = Field(sa_column=_now_column())
    account_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cache_read_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    cache_write_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    latency_ms: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
