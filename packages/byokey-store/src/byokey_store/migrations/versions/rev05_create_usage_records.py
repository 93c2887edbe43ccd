"""m20260415_000005_create_usage_records

Revision ID: 20260415_05
Revises: 20260415_04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20260415_05"
down_revision = "20260415_04"
branch_labels = None
depends_on = None

NOW = sa.text("(CAST(strftime('%s','now') AS INTEGER))")


def upgrade() -> None:
    op.create_table(
        "usage_records",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("success", sa.Boolean(), nullable=False, server_default=sa.text("1")),
        sa.Column("created_at", sa.BigInteger(), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_index("idx_usage_created", "usage_records", ["created_at"], if_not_exists=True)
    op.create_index(
        "idx_usage_model_created", "usage_records", ["model", "created_at"], if_not_exists=True
    )


def downgrade() -> None:
    op.drop_index("idx_usage_model_created", table_name="usage_records", if_exists=True)
    op.drop_index("idx_usage_created", table_name="usage_records", if_exists=True)
    op.drop_table("usage_records")
