"""Chat history (``conversations`` and ``messages``), ported for completeness.

The original implemented and tested this store but nothing in its server called
it (spec §2.7); the port keeps it working so the tables are not dead weight
when a feature wants them. Timestamps have one-second resolution, so listings
break ties by ``rowid`` (insertion order) instead of leaving it to SQLite.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Table, delete, insert, literal_column, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from byokey_store._sync_bridge import SyncBridge
from byokey_store._tables import store_metadata
from byokey_types.errors import StorageError

__all__ = ["ConversationSummary", "SqlHistoryStore", "StoredMessage"]

_conversations: Table = store_metadata.tables["conversations"]
_messages: Table = store_metadata.tables["messages"]
_cv = _conversations.c
_mc = _messages.c
_ROWID: ColumnElement[int] = literal_column("rowid", Integer)


def _now() -> int:
    return int(time.time())


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    id: str
    title: str | None
    model: str
    provider: str
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message of a conversation; ``extra`` is any JSON value (None when absent)."""

    id: str
    conversation_id: str
    role: str
    created_at: int
    content: str = ""
    input_tokens: int | None = None
    output_tokens: int | None = None
    model: str | None = None
    finish_reason: str | None = None
    duration_ms: int | None = None
    extra: Any = None


def _message_from_row(row: Any) -> StoredMessage:
    extra: Any = None
    if row.extra_json is not None:
        try:
            extra = json.loads(row.extra_json)
        except ValueError as exc:
            raise StorageError(f"message extra_json is not JSON: {exc}") from None
    return StoredMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        role=row.role,
        created_at=int(row.created_at),
        content=row.content,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        model=row.model,
        finish_reason=row.finish_reason,
        duration_ms=row.duration_ms,
        extra=extra,
    )


class SqlHistoryStore:
    """Conversations and their messages; obtain one from ``SqlStore.history``."""

    def __init__(self, bridge: SyncBridge, *, clock: Callable[[], int] = _now) -> None:
        self._db = bridge
        self._clock = clock

    async def create_conversation(
        self, conversation_id: str, model: str, provider: str, title: str | None = None
    ) -> None:
        """Insert a conversation; a duplicate id is a ``StorageError``."""
        now = self._clock()
        values = {
            "id": conversation_id,
            "title": title,
            "model": model,
            "provider": provider,
            "created_at": now,
            "updated_at": now,
        }
        await self._db.write(lambda conn: conn.execute(insert(_conversations).values(**values)))

    async def append_message(self, message: StoredMessage) -> None:
        """Insert ``message`` and bump its conversation's ``updated_at``.

        An unknown conversation or a duplicate message id is a ``StorageError``
        and changes nothing.
        """
        now = self._clock()
        values = {
            "id": message.id,
            "conversation_id": message.conversation_id,
            "role": message.role,
            "content": message.content,
            "input_tokens": message.input_tokens,
            "output_tokens": message.output_tokens,
            "model": message.model,
            "finish_reason": message.finish_reason,
            "duration_ms": message.duration_ms,
            "extra_json": None if message.extra is None else json.dumps(message.extra),
            "created_at": message.created_at,
        }

        def work(conn: Connection) -> None:
            conn.execute(insert(_messages).values(**values))
            conn.execute(
                update(_conversations)
                .where(_cv.id == message.conversation_id)
                .values(updated_at=now)
            )

        await self._db.write(work)

    async def list_conversations(
        self, limit: int = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        """Most recently updated first (ties: newest inserted first)."""

        def work(conn: Connection) -> list[ConversationSummary]:
            rows = conn.execute(
                select(_cv.id, _cv.title, _cv.model, _cv.provider, _cv.created_at, _cv.updated_at)
                .order_by(_cv.updated_at.desc(), _ROWID.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return [ConversationSummary(r[0], r[1], r[2], r[3], int(r[4]), int(r[5])) for r in rows]

        return await self._db.read(work)

    async def get_messages(self, conversation_id: str) -> list[StoredMessage]:
        """Oldest first (ties: insertion order); an unknown id gives an empty list."""

        def work(conn: Connection) -> list[StoredMessage]:
            rows = conn.execute(
                select(_messages)
                .where(_mc.conversation_id == conversation_id)
                .order_by(_mc.created_at.asc(), _ROWID.asc())
            ).all()
            return [_message_from_row(r) for r in rows]

        return await self._db.read(work)

    async def delete_conversation(self, conversation_id: str) -> None:
        """Delete the conversation and its messages; absent is not an error."""

        def work(conn: Connection) -> None:
            conn.execute(delete(_messages).where(_mc.conversation_id == conversation_id))
            conn.execute(delete(_conversations).where(_cv.id == conversation_id))

        await self._db.write(work)
