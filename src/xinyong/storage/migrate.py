"""Schema migrations of the PostgreSQL ledger, with Alembic (`storage/migrations/`).

A schema holds one ledger; its Alembic version table lives in the schema too, so several ledgers
(and their revisions) share a database without meeting. `upgrade` brings a schema to a revision
(creating the schema if needed); `state` says which revision a schema is at, None when it has
none. `xinyong db upgrade` runs `upgrade` for the workspace's `ledger_schema`; a writer that
finds an empty schema runs it itself, and any store refuses a schema behind `HEAD`.

Revisions hold their DDL as written on the day (never generated from today's code), so an old
revision always creates what it created then. They run in one transaction (PostgreSQL's DDL is
transactional): an interrupted upgrade leaves the schema at its former revision. Migrations of
one schema wait for each other (a transaction-scoped advisory lock), so the later finds the
schema at the revision the earlier committed and has nothing to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from xinyong.errors import LedgerError

if TYPE_CHECKING:
    import psycopg
    from alembic.config import Config

HEAD = "0001"
# Migrations of one schema take turns: (this class, hashtext(schema)), held to the end of the
# migrating transaction. Without it two first writers (or two `db upgrade`s) both ran
# `CREATE SCHEMA IF NOT EXISTS`, and the later one failed on the catalogue's unique index.
MIGRATE_LOCK_CLASS = 0x786D  # "xm"
VERSION_TABLE = "alembic_version"
SCRIPTS = Path(__file__).with_name("migrations")


def _config(schema: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["schema"] = schema
    return config


def _run(url: str, schema: str, action: str, revision: str) -> None:
    import psycopg
    import sqlalchemy
    from alembic import command

    from xinyong.storage.postgres import SCHEMA_NAME

    if not SCHEMA_NAME.fullmatch(schema):
        raise LedgerError(f"schema name {schema!r}: use lower-case letters, digits and _")
    # libpq strings and URLs alike: SQLAlchemy gets the connection from psycopg itself.
    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(url), poolclass=sqlalchemy.NullPool
    )
    config = _config(schema)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%(lock)s, hashtext(%(schema)s))",
                {"lock": MIGRATE_LOCK_CLASS, "schema": schema},
            )
            connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            connection.exec_driver_sql(f"SET LOCAL search_path TO {schema}")
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    except (sqlalchemy.exc.SQLAlchemyError, psycopg.Error) as exc:
        raise LedgerError(
            f"migrating schema {schema!r} ({action} to {revision}) failed: {exc}"
        ) from exc
    finally:
        engine.dispose()


def upgrade(url: str, schema: str, revision: str = "head") -> None:
    """Bring `schema` up to `revision` (default: the newest)."""
    _run(url, schema, "upgrade", revision)


def downgrade(url: str, schema: str, revision: str) -> None:
    """Take `schema` down to `revision` (`base`: nothing left but the empty schema)."""
    _run(url, schema, "downgrade", revision)


def state(con: psycopg.Connection[tuple[Any, ...]], schema: str) -> str | None:
    """The revision `schema` is at (None: not migrated at all)."""
    ((table,),) = con.execute("SELECT to_regclass(%s)", (f"{schema}.{VERSION_TABLE}",)).fetchall()
    if table is None:
        return None
    rows = con.execute(f"SELECT version_num FROM {schema}.{VERSION_TABLE}").fetchall()
    return str(rows[0][0]) if rows else None
