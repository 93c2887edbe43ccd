"""Bringing any byokey database to the current schema when a store opens.

Alembic runs programmatically against a connection we hand it, so the scripts
ship inside the package and no ``alembic.ini`` is needed. The check of what kind
of database this is and the upgrade run in one ``BEGIN IMMEDIATE`` transaction:
two processes opening a fresh file at once serialise, the second sees head
and does nothing, and a crash part-way leaves the database as it was.

What is found decides where the upgrade starts (spec §2.3.2):

1. ``alembic_version`` exists: ours; upgrade from where it is.
2. ``seaql_migrations`` exists (a Rust build with versioned migrations): stamp
   the revision of the newest migration it recorded, then upgrade.
3. Only the original's hand-made schema (``accounts`` without any tracking
   table): upgrade from the start. The spec suggests stamping revision 5, but
   every baseline migration is ``IF NOT EXISTS`` and the legacy copy is
   ``INSERT OR IGNORE``-like, so starting over is harmless, also creates tables
   an old build never had (``usage_records`` before 0.8), and copies a leftover
   ``tokens`` table instead of silently keeping it forever.
4. Nothing (or only the pre-0.4 ``tokens`` table): upgrade from the start.

``seaql_migrations`` is left in place, so a Rust build can still open the file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "BASELINE_REVISIONS",
    "HEAD_REVISION",
    "MIGRATIONS_DIR",
    "current_revision",
    "head_revision",
    "migrate",
]

_log = logging.getLogger("byokey.store")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

BASELINE_REVISIONS: dict[str, str] = {
    "m20260415_000001_create_accounts": "20260415_01",
    "m20260415_000002_migrate_legacy_tokens": "20260415_02",
    "m20260415_000003_create_conversations": "20260415_03",
    "m20260415_000004_create_messages": "20260415_04",
    "m20260415_000005_create_usage_records": "20260415_05",
}
"""The original's migration names (``seaql_migrations.version``) and our revisions."""


HEAD_REVISION = "20261124_06"
"""The newest shipped revision, spelled out so a database already at head opens
without importing alembic (~170 ms of start-up); a test keeps it equal to the
head alembic computes from ``migrations/``."""


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("byokey_store ships no migrations")
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _rust_revision(connection: Connection) -> str | None:
    """Our revision for the newest baseline migration a Rust build recorded."""
    names = [row[0] for row in connection.execute(text("SELECT version FROM seaql_migrations"))]
    order = list(BASELINE_REVISIONS)
    known = [n for n in names if n in BASELINE_REVISIONS]
    unknown = sorted(set(names) - set(known))
    if unknown:
        _log.warning("database records Rust migrations this build does not know: %s", unknown)
    if not known:
        return None
    return BASELINE_REVISIONS[max(known, key=order.index)]


def migrate(connection: Connection) -> str:
    """Upgrade the database behind ``connection`` (inside its transaction) to head.

    A database whose ``alembic_version`` already reads ``HEAD_REVISION`` is
    left alone without loading alembic at all.
    """
    tables = set(inspect(connection).get_table_names())
    if "alembic_version" in tables:
        versions = [
            r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))
        ]
        if versions == [HEAD_REVISION]:
            return HEAD_REVISION
    from alembic import command

    cfg = _config(connection)
    if "alembic_version" not in tables and "seaql_migrations" in tables:
        start = _rust_revision(connection)
        if start is not None:
            _log.info("adopting a database migrated by the Rust build at %s", start)
            command.stamp(cfg, start)
    command.upgrade(cfg, "head")
    return head_revision()
