"""m20260415_000004_create_messages

Revision ID: 20260415_04
Revises: 20260415_03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20260415_04"
down_revision = "20260415_03"
branch_labels = None
depends_on = None

NOW = sa.text("(CAST(strftime('%s','now') AS INTEGER))")


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False, server_default=sa.text("''")),
        sa.Column("input_tokens", sa.BigInteger(), nullable=True),
        sa.Column("output_tokens", sa.BigInteger(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("finish_reason", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("extra_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_messages_conversation",
            ondelete="CASCADE",
        ),
        if_not_exists=True,
    )
    op.create_index(
        "idx_messages_conversation",
        "messages",
        ["conversation_id", "created_at"],
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("idx_messages_conversation", table_name="messages", if_exists=True)
    op.drop_table("messages")
