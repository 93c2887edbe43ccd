"""Alembic environment for the byokey store.

Alembic runs only programmatically (``byokey_store._migrate``): the caller hands
over an open connection, already inside its transaction, through
``config.attributes["connection"]``, so the migration and the bootstrap checks
around it commit or roll back together.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from byokey_store._tables import store_metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "byokey_store migrations run through byokey_store.open_database, not the alembic CLI"
    )

context.configure(
    connection=connection,
    target_metadata=store_metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
