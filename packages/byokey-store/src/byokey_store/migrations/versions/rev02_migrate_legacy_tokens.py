"""m20260415_000002_migrate_legacy_tokens

Revision ID: 20260415_02
Revises: 20260415_01

Copies the pre-0.4 single-account ``tokens`` table into ``accounts`` as the
``default`` account, then drops it. Unlike the original, a ``default`` row that
already exists wins (INSERT OR IGNORE semantics) and the copied row is active
only when the provider has no active account yet, so a leftover ``tokens``
table can never abort startup on the partial unique index.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from alembic import op

revision = "20260415_02"
down_revision = "20260415_01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("tokens"):
        return
    now = int(time.time())
    rows = bind.execute(sa.text("SELECT provider, token_json FROM tokens")).all()
    for provider, token_json in rows:
        exists = bind.execute(
            sa.text(
                "SELECT 1 FROM accounts WHERE provider = :p AND account_id = 'default'"
            ),
            {"p": provider},
        ).first()
        if exists is not None:
            continue
        has_active = bind.execute(
            sa.text("SELECT 1 FROM accounts WHERE provider = :p AND is_active = 1"),
            {"p": provider},
        ).first()
        bind.execute(
            sa.text(
                "INSERT INTO accounts"
                " (provider, account_id, label, is_active, token_json, created_at, updated_at)"
                " VALUES (:p, 'default', NULL, :active, :tj, :now, :now)"
            ),
            {"p": provider, "active": has_active is None, "tj": token_json, "now": now},
        )
    op.drop_table("tokens")


def downgrade() -> None:
    raise NotImplementedError(
        "m20260415_000002_migrate_legacy_tokens is irreversible: the legacy tokens table is gone"
    )
