"""m20260415_000003_create_conversations

Revision ID: 20260415_03
Revises: 20260415_02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20260415_03"
down_revision = "20260415_02"
branch_labels = None
depends_on = None

NOW = sa.text("(CAST(strftime('%s','now') AS INTEGER))")


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.BigInteger(), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_table("conversations")
