"""Decide each valid row's fate against the rest of the file and the ledger.

A valid row is keyed by its idempotency key (provider, document_ref, record_type, subject_key,
entry_kind). The first row with a key in the file is a candidate; a later row with the same key is
a duplicate when its content is the same, and rejected as a conflict when it is not. A candidate
whose key the ledger already holds is skipped when the content is the same (re-ingesting a file is
a no-op) and rejected when it differs (a change to a record is a correction entry, never an edit).

Entries other than `record` act on an earlier record of the same record type about the same
subject, named by that record's provider and document reference (`refers_to`, `refers_to_provider`).
The target is looked up in the ledger, then among earlier new rows of the same file.
The outcome is the table `outcome(_line, status, field, reason)` and the table `accepted`, in file
order, with `refers_to` resolved to a ledger sequence number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from xinyong.storage.base import LedgerStore

KEY = ("provider", "document_ref", "record_type", "subject_key", "entry_kind")
CONTENT = ("subject_scheme", "subject_kind", "subject_birth_date", "decision_date", "attributes")


def _content(prefix: str = "") -> str:
    return "struct_pack(" + ", ".join(f"{c} := {prefix}{c}" for c in CONTENT) + ")"


def resolve(con: duckdb.DuckDBPyConnection, store: LedgerStore) -> None:
    """Create `outcome` and `accepted` from `checked`."""
    key = ", ".join(KEY)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cand AS
        WITH v AS (
            SELECT _line, n_provider AS provider, n_document_ref AS document_ref,
                   n_record_type AS record_type, subject_key, n_entry_kind AS entry_kind,
                   n_scheme AS subject_scheme, n_kind AS subject_kind, subject_birth_date,
                   n_decision_date AS decision_date, canonical_attributes AS attributes,
                   n_refers_to AS target_ref, n_refers_to_provider AS target_provider
            FROM checked WHERE len(problems) = 0
        )
        SELECT *,
               first_value(_line) OVER w AS first_line,
               first_value({_content()}) OVER w = {_content()}
                   AND first_value(struct_pack(target_ref, target_provider)) OVER w
                       = struct_pack(target_ref, target_provider) AS same_as_first
        FROM v WINDOW w AS (PARTITION BY {key} ORDER BY _line)
        """
    )
    # The ledger's view of every candidate key, and of every record a non-record entry acts on.
    existing = store.lookup_keys(
        con.sql(f"SELECT {key} FROM cand WHERE _line = first_line").to_arrow_table()
    )
    targets = store.lookup_keys(
        con.sql(
            "SELECT DISTINCT target_provider AS provider, target_ref AS document_ref, record_type,"
            " subject_key, 'record' AS entry_kind FROM cand"
            " WHERE _line = first_line AND entry_kind <> 'record'"
        ).to_arrow_table()
    )
    con.register("ledger_existing", existing)
    con.register("ledger_targets", targets)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE firsts AS
        SELECT c.*, e.seq AS existing_seq,
               e.seq IS NOT NULL AND {_content("c.")} = {_content("e.")} AS same_as_ledger,
               e.refers_to AS existing_refers_to
        FROM cand c LEFT JOIN ledger_existing e USING ({key})
        WHERE c._line = c.first_line
        """
    )
    # Records first: their fate does not depend on any other row.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE fate AS
        SELECT _line,
               CASE WHEN existing_seq IS NULL THEN 'new'
                    WHEN same_as_ledger THEN 'in_ledger'
                    ELSE 'conflict' END AS status,
               existing_seq, CAST(NULL AS BIGINT) AS target_seq, CAST(NULL AS BIGINT) AS target_line
        FROM firsts WHERE entry_kind = 'record'
        """
    )
    con.execute(
        """
        INSERT INTO fate
        WITH t AS (
            SELECT f._line, f.existing_seq, f.same_as_ledger, f.existing_refers_to,
                   lt.seq AS ledger_target,
                   r._line AS file_target, rf.status AS file_target_status
            FROM firsts f
            LEFT JOIN ledger_targets lt
              ON lt.provider = f.target_provider AND lt.document_ref = f.target_ref
             AND lt.record_type = f.record_type AND lt.subject_key = f.subject_key
            LEFT JOIN firsts r
              ON r.entry_kind = 'record' AND r.provider = f.target_provider
             AND r.document_ref = f.target_ref AND r.record_type = f.record_type
             AND r.subject_key = f.subject_key
            LEFT JOIN fate rf ON rf._line = r._line
            WHERE f.entry_kind <> 'record'
        )
        SELECT _line,
               CASE WHEN ledger_target IS NULL AND file_target IS NULL THEN 'no_target'
                    WHEN ledger_target IS NULL AND file_target > _line THEN 'target_later'
                    WHEN ledger_target IS NULL AND file_target_status = 'conflict'
                        THEN 'target_rejected'
                    WHEN existing_seq IS NULL THEN 'new'
                    WHEN same_as_ledger AND existing_refers_to = ledger_target THEN 'in_ledger'
                    ELSE 'conflict' END,
               existing_seq, ledger_target, file_target
        FROM t
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE outcome AS
        SELECT c._line,
               CASE WHEN c._line <> c.first_line AND c.same_as_first THEN 'duplicate'
                    WHEN c._line <> c.first_line THEN 'rejected'
                    WHEN f.status = 'new' THEN 'accepted'
                    WHEN f.status = 'in_ledger' THEN 'in_ledger'
                    ELSE 'rejected' END AS status,
               CASE WHEN c._line <> c.first_line OR f.status = 'conflict' THEN 'document_ref'
                    WHEN f.status IN ('no_target', 'target_later', 'target_rejected')
                        THEN 'refers_to' END AS field,
               CASE WHEN c._line <> c.first_line AND NOT c.same_as_first
                        THEN 'conflicts with line ' || c.first_line
                             || ' (same provider, document, record type, subject and kind)'
                    WHEN f.status = 'conflict'
                        THEN 'conflicts with ledger entry ' || f.existing_seq
                             || ' (same key, other content): submit a correction entry instead'
                    WHEN f.status = 'no_target'
                        THEN 'no ' || c.record_type || ' record ' || c.target_ref || ' from '
                             || c.target_provider || ' about this subject to act on'
                    WHEN f.status = 'target_later'
                        THEN 'acts on line ' || f.target_line || ', which comes later in the file'
                    WHEN f.status = 'target_rejected'
                        THEN 'acts on line ' || f.target_line || ', which was rejected'
               END AS reason
        FROM cand c LEFT JOIN fate f ON f._line = c.first_line
        """
    )
    base = store.size()
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE accepted AS
        WITH a AS (
            SELECT c.*, f.target_seq, f.target_line,
                   $base + row_number() OVER (ORDER BY c._line) - 1 AS seq
            FROM cand c JOIN outcome o USING (_line) JOIN fate f ON f._line = c._line
            WHERE o.status = 'accepted'
        )
        SELECT a.seq, a._line, a.entry_kind,
               coalesce(a.target_seq, t.seq) AS refers_to,
               a.provider, a.record_type, a.subject_scheme, a.subject_key, a.subject_kind,
               a.subject_birth_date, a.decision_date, a.document_ref, a.attributes
        FROM a LEFT JOIN a t ON t._line = a.target_line
        ORDER BY a.seq
        """,
        {"base": base},
    )
    con.unregister("ledger_existing")
    con.unregister("ledger_targets")
