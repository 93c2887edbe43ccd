"""byokey: usage_records gains account, cache tokens, latency and status

Revision ID: 20261124_06
Revises: 20260415_05

The port's first own migration. Every new column is nullable or has a default,
so the Rust build can still insert rows into a migrated database.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261124_06"
down_revision = "20260415_05"
branch_labels = None
depends_on = None

_ZERO = sa.text("0")


def upgrade() -> None:
    existing = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("usage_records")}
    wanted: list[sa.Column[object]] = [
        sa.Column("account_id", sa.Text(), nullable=True),
        sa.Column("cache_read_tokens", sa.BigInteger(), nullable=False, server_default=_ZERO),
        sa.Column("cache_write_tokens", sa.BigInteger(), nullable=False, server_default=_ZERO),
        sa.Column("latency_ms", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
    ]
    for column in wanted:
        if column.name not in existing:
            op.add_column("usage_records", column)
    op.create_index(
        "idx_usage_account_created",
        "usage_records",
        ["provider", "account_id", "created_at"],
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("idx_usage_account_created", table_name="usage_records", if_exists=True)
    with op.batch_alter_table("usage_records") as batch:
        for name in ("status", "latency_ms", "cache_write_tokens", "cache_read_tokens", "account_id"):
            batch.drop_column(name)
