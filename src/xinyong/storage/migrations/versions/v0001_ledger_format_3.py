"""The ledger of format 3: ledger_meta, entries, nodes, batches (storage/README.md).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# As `storage/duckdb.py: entries_ddl()` of format 3, in PostgreSQL's words. Unlike DuckDB's, the
# table has a primary key on seq: PostgreSQL has no zone maps, so range reads need the B-tree,
# and it keeps concurrent writers' seqs apart should the advisory lock ever be bypassed.
UPGRADE = (
    "CREATE TABLE ledger_meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE entries (
        seq bigint NOT NULL PRIMARY KEY,
        entry_kind text NOT NULL CHECK (entry_kind IN
            ('record', 'correction', 'revocation', 'fulfilment', 'restoration', 'step')),
        refers_to bigint CHECK (refers_to >= 0 AND refers_to < seq),
        provider text NOT NULL,
        record_type text NOT NULL,
        subject_scheme text,
        subject_key text,
        subject_kind text CHECK (subject_kind IN
            ('individual', 'enterprise', 'public_institution', 'social_organisation')),
        subject_birth_date date
            CHECK (extract(year FROM subject_birth_date) BETWEEN 1 AND 9999),
        decision_date date NOT NULL CHECK (extract(year FROM decision_date) BETWEEN 1 AND 9999),
        document_ref text NOT NULL,
        attributes text NOT NULL,
        received_at timestamp NOT NULL,
        CHECK (entry_kind = 'step' OR (entry_kind = 'record') = (refers_to IS NULL)),
        CHECK ((subject_key IS NULL) = (subject_scheme IS NULL)
               AND (subject_key IS NULL) = (subject_kind IS NULL)),
        CHECK (entry_kind = 'step' OR subject_key IS NOT NULL),
        CHECK (entry_kind <> 'step' OR subject_birth_date IS NULL),
        CHECK (decision_date < CAST(subject_birth_date + interval '216 months' AS date))
    )""",
    "CREATE INDEX entries_subject_key ON entries (subject_key)",
    # steps() reads a few rows among millions
    "CREATE INDEX entries_steps ON entries (seq) WHERE entry_kind = 'step'",
    """CREATE TABLE nodes (
        level smallint NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (level, idx)
    )""",
    """CREATE TABLE batches (
        first_seq bigint NOT NULL,
        size bigint NOT NULL PRIMARY KEY,
        received_at timestamp NOT NULL,
        root bytea NOT NULL
    )""",
    "INSERT INTO ledger_meta VALUES ('format_version', '3')",
)
DOWNGRADE = (
    "DROP TABLE batches",
    "DROP TABLE nodes",
    "DROP TABLE entries",
    "DROP TABLE ledger_meta",
)


def upgrade(schema: str) -> None:
    op.execute(f"SET LOCAL search_path TO {schema}")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade(schema: str) -> None:
    op.execute(f"SET LOCAL search_path TO {schema}")
    for statement in DOWNGRADE:
        op.execute(statement)
