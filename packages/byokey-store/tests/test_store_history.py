"""Chat history store (spec §2.7) on SQLite in memory and on a file (``clock`` from conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from byokey_store import ConversationSummary, SqlStore, StoredMessage
from byokey_types.errors import StorageError


@pytest.fixture(params=["sqlite-memory", "sqlite-file"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, clock: Any
) -> AsyncIterator[SqlStore]:
    url = "sqlite://" if request.param == "sqlite-memory" else str(tmp_path / "h.db")
    opened = await SqlStore.open(url, clock=clock)
    yield opened
    await opened.aclose()


def msg(mid: str, conv: str = "c1", created_at: int = 10, **kw: object) -> StoredMessage:
    return StoredMessage(id=mid, conversation_id=conv, role="user", created_at=created_at, **kw)  # type: ignore[arg-type]


async def test_append_bumps_updated_at_and_orders_messages(store: SqlStore, clock: Any) -> None:
    clock.now = 5_000
    await store.history.create_conversation("c1", "claude-sonnet", "claude", title="Hi")
    clock.now = 6_000
    extra = {"tool_calls": [{"id": "t1"}], "n": 1.5}
    await store.history.append_message(msg("m2", created_at=20, content="second"))
    await store.history.append_message(
        msg("m1", created_at=10, content="first", input_tokens=3, extra=extra)
    )
    await store.history.append_message(msg("m3", created_at=20, content="tie, inserted last"))
    [summary] = await store.history.list_conversations()
    assert summary == ConversationSummary("c1", "Hi", "claude-sonnet", "claude", 5_000, 6_000)
    messages = await store.history.get_messages("c1")
    assert [m.id for m in messages] == ["m1", "m2", "m3"]
    assert messages[0].extra == extra and messages[0].input_tokens == 3
    assert messages[1].extra is None and messages[1].content == "second"
    assert await store.history.get_messages("unknown") == []


async def test_listing_is_newest_first_with_pagination(store: SqlStore, clock: Any) -> None:
    for i in range(5):
        clock.now = 1_000 + i
        await store.history.create_conversation(f"c{i}", "m", "codex")
    clock.now = 2_000
    await store.history.append_message(msg("x", conv="c1"))
    ids = [c.id for c in await store.history.list_conversations(limit=10)]
    assert ids == ["c1", "c4", "c3", "c2", "c0"]
    page = await store.history.list_conversations(limit=2, offset=1)
    assert [c.id for c in page] == ["c4", "c3"]


async def test_integrity_errors(store: SqlStore) -> None:
    with pytest.raises(StorageError, match="FOREIGN KEY"):
        await store.history.append_message(msg("m", conv="nope"))
    await store.history.create_conversation("c1", "m", "p")
    with pytest.raises(StorageError, match="UNIQUE"):
        await store.history.create_conversation("c1", "m", "p")
    await store.history.append_message(msg("m"))
    with pytest.raises(StorageError, match="UNIQUE"):
        await store.history.append_message(msg("m"))
    assert [m.id for m in await store.history.get_messages("c1")] == ["m"]


async def test_delete_removes_messages_and_is_idempotent(store: SqlStore) -> None:
    await store.history.create_conversation("c1", "m", "p")
    await store.history.create_conversation("c2", "m", "p")
    await store.history.append_message(msg("a", conv="c1"))
    await store.history.append_message(msg("b", conv="c2"))
    await store.history.delete_conversation("c1")
    await store.history.delete_conversation("c1")
    assert await store.history.get_messages("c1") == []
    assert [c.id for c in await store.history.list_conversations()] == ["c2"]
    assert [m.id for m in await store.history.get_messages("c2")] == ["b"]
