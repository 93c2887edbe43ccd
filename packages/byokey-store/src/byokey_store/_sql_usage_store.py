"""``UsageStore`` over the ``usage_records`` table, aggregation done in SQL.

``record_many`` writes a batch in one transaction (the proxy's write-behind
queue drains up to 64 records at a time): either the whole batch is stored or,
on any error, none of it — never a partial batch after a crash.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Integer, Table, case, cast, func, insert, literal, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from byokey_store._sync_bridge import SyncBridge
from byokey_store._tables import store_metadata
from byokey_store._usage_aggregation import UsageDimension, UsageQuery, UsageTotal
from byokey_store._usage_reads import UsageReads
from byokey_store._usage_rows import usage_row
from byokey_types.usage import UsageRecord

__all__ = ["SqlUsageStore"]

_usage: Table = store_metadata.tables["usage_records"]
_c = _usage.c

_DIMENSION_COLUMNS = {
    UsageDimension.PROVIDER: _c.provider,
    UsageDimension.MODEL: _c.model,
    UsageDimension.ACCOUNT: _c.account_id,
}


def _now() -> int:
    return int(time.time())


def _sum(column: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(func.coalesce(func.sum(column), 0), Integer)


class SqlUsageStore(UsageReads):
    """Durable usage accounting; obtain one from ``SqlStore.usage``."""

    def __init__(self, bridge: SyncBridge, *, clock: Callable[[], int] = _now) -> None:
        self._db = bridge
        self._clock = clock

    def __repr__(self) -> str:
        return f"SqlUsageStore(url={self._db.engine.url.render_as_string(hide_password=True)!r})"

    async def record(self, record: UsageRecord) -> None:
        """Insert one record stamped with the store's clock."""
        await self.record_many([record])

    async def record_many(self, records: Iterable[UsageRecord]) -> None:
        """Insert a batch in one transaction: all of it or nothing."""
        now = self._clock()
        rows = [usage_row(r, now) for r in records]
        if not rows:
            return

        def work(conn: Connection) -> None:
            conn.execute(insert(_usage), rows)

        await self._db.write(work)

    async def _aggregate(self, query: UsageQuery) -> list[UsageTotal]:
        period: ColumnElement[int]
        if query.bucket_secs is None:
            period = literal(0, Integer)
        else:
            width = literal(query.bucket_secs, Integer)
            period = cast((_c.created_at // width) * width, Integer)
        dims = [
            (_DIMENSION_COLUMNS[d] if d in query.group_by else None) for d in _DIMENSION_COLUMNS
        ]
        keys = [period.label("period_start")] + [
            (col if col is not None else literal(None)).label(f"d{i}") for i, col in enumerate(dims)
        ]
        # A constant is never grouped or sorted by: SQLite reads GROUP BY 0 as a column index.
        grouped: list[ColumnElement[Any]] = [period] if query.bucket_secs is not None else []
        grouped += [col for col in dims if col is not None]
        stmt = (
            select(
                *keys,
                func.count().label("requests"),
                _sum(case((_c.success, 1), else_=0)).label("successes"),
                _sum(_c.input_tokens),
                _sum(_c.output_tokens),
                _sum(_c.cache_read_tokens),
                _sum(_c.cache_write_tokens),
            )
            .group_by(*grouped)
            .order_by(*(col.asc().nulls_first() for col in grouped))
        )
        if query.start is not None:
            stmt = stmt.where(_c.created_at >= query.start)
        if query.end is not None:
            stmt = stmt.where(_c.created_at < query.end)
        if query.provider is not None:
            stmt = stmt.where(_c.provider == query.provider)
        if query.model is not None:
            stmt = stmt.where(_c.model == query.model)
        if query.account_id is not None:
            stmt = stmt.where(_c.account_id == query.account_id)

        def work(conn: Connection) -> list[UsageTotal]:
            return [
                UsageTotal(
                    period_start=int(r[0]),
                    provider=r[1],
                    model=r[2],
                    account_id=r[3],
                    requests=int(r[4]),
                    successes=int(r[5]),
                    input_tokens=int(r[6]),
                    output_tokens=int(r[7]),
                    cache_read_tokens=int(r[8]),
                    cache_write_tokens=int(r[9]),
                )
                for r in conn.execute(stmt)
                if r[4]  # an ungrouped aggregate of no rows still yields one row
            ]

        return await self._db.read(work)
