"""Alembic's environment for the PostgreSQL ledger: run on the connection `migrate` hands over,
with the version table in the ledger's own schema."""

from __future__ import annotations

from alembic import context

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    version_table_schema=config.attributes["schema"],
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations(schema=config.attributes["schema"])
