"""m20260415_000001_create_accounts

Revision ID: 20260415_01
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20260415_01"
down_revision = None
branch_labels = None
depends_on = None

NOW = sa.text("(CAST(strftime('%s','now') AS INTEGER))")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.text("1")),
        sa.Column("token_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.BigInteger(), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("provider", "account_id"),
        if_not_exists=True,
    )
    op.create_index(
        "idx_active_account",
        "accounts",
        ["provider"],
        unique=True,
        sqlite_where=sa.text("is_active = 1"),
        postgresql_where=sa.text("is_active"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("idx_active_account", table_name="accounts", if_exists=True)
    op.drop_table("accounts")
