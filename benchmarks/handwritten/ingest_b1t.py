"""Baseline B1t of `benchmarks/ingest.py`: a typed, tamper-evident load in DuckDB, no validation.

What a DuckDB engineer would write to load the records file into a hash-chained table, and no
more: `read_csv` told the dialect and every column's type (malformed lines and values that do not
cast are skipped), a SHA-256 leaf per row over the ledger's canonical bytes (netstrings, version
prefix, `0x00` leaf prefix: see `xinyong.domain.record`), the RFC 6962 interior nodes, both
stored, all inserted into a table with an index on the subject key, in one transaction, committed
and the file closed. Written from the format's description, not from the store's code, so that
`root_of_entries` matching the ledger's root checks the format and this code alike.

No identifier, catalogue or attribute checks, no pseudonyms (the subject key is `scheme:id`),
no canonical attributes (the JSON text as given), no idempotency or reference resolution
(`refers_to` is the text given), no rejects file: that is the validation xinyong adds.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

COLUMNS = {
    "provider": "VARCHAR",
    "record_type": "VARCHAR",
    "entry_kind": "VARCHAR",
    "subject_scheme": "VARCHAR",
    "subject_id": "VARCHAR",
    "subject_kind": "VARCHAR",
    "decision_date": "DATE",
    "document_ref": "VARCHAR",
    "attributes": "JSON",
    "refers_to": "VARCHAR",
}
# The ledger's entry columns in canonical order, each as its canonical text.
CANONICAL = (
    "CAST(seq AS VARCHAR)",
    "entry_kind",
    "CAST(refers_to AS VARCHAR)",
    "provider",
    "record_type",
    "subject_scheme",
    "subject_key",
    "subject_kind",
    "CAST(subject_birth_date AS VARCHAR)",
    "CAST(decision_date AS VARCHAR)",
    "document_ref",
    "CAST(attributes AS VARCHAR)",
    "CAST(epoch_us(received_at) AS VARCHAR)",
)
NULLABLE = {2, 8}  # refers_to, subject_birth_date: '~' when absent


def _netstring(i: int, text: str) -> str:
    if i in NULLABLE:
        return f"coalesce(CAST(strlen({text}) AS VARCHAR) || ':' || {text} || ',', '~')"
    return f"strlen({text}), ':', {text}, ','"


CANONICAL_BYTES = (
    "encode(concat('16:xinyong-entry-v1,', "
    + ", ".join(_netstring(i, t) for i, t in enumerate(CANONICAL))
    + "))"
)
LEAF = f"unhex(sha256('\\x00'::BLOB || {CANONICAL_BYTES}))"

SCHEMA = (
    """CREATE TABLE entries (
        seq BIGINT NOT NULL, entry_kind VARCHAR, refers_to VARCHAR, provider VARCHAR,
        record_type VARCHAR, subject_scheme VARCHAR, subject_key VARCHAR, subject_kind VARCHAR,
        subject_birth_date DATE, decision_date DATE, document_ref VARCHAR, attributes JSON,
        received_at TIMESTAMP NOT NULL)""",
    "CREATE INDEX entries_subject_key ON entries (subject_key)",
    "CREATE TABLE nodes (level UTINYINT NOT NULL, idx BIGINT NOT NULL, hash BLOB NOT NULL)",
)


def interior_nodes(leaves: list[bytes]) -> tuple[list[list[bytes]], bytes]:
    """The complete interior nodes above `leaves` (32-byte hashes in index order), level by
    level from level 1, and the RFC 6962 root: pairs hashed, a lone last node carried up."""
    if not leaves:
        return [], hashlib.sha256(b"").digest()
    sha = hashlib.sha256
    levels: list[list[bytes]] = []
    level = leaves
    while len(level) > 1:
        paired = [
            sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        # Only complete nodes are stored (level L has n >> L); a pair holding a carried-up
        # node is not one, though it is on the way to the root.
        levels.append(paired[: len(leaves) >> (len(levels) + 1)])
        level = paired + level[-1:] if len(level) % 2 else paired
    return levels, level[0]


def _store_tree(con: duckdb.DuckDBPyConnection, leaves: list[bytes]) -> bytes:
    levels, root = interior_nodes(leaves)
    table = pa.table(
        {
            "level": np.repeat(
                np.arange(1, len(levels) + 1, dtype=np.uint8), [len(x) for x in levels]
            ),
            "idx": np.concatenate([np.arange(len(x), dtype=np.int64) for x in levels] or [[]]),
            "hash": pa.array(list(itertools.chain.from_iterable(levels)), pa.binary()),
        }
    )
    con.register("new_nodes", table)
    con.execute("INSERT INTO nodes SELECT * FROM new_nodes")
    con.unregister("new_nodes")
    return root


def load(path: Path, database: Path, received_at: datetime | None = None) -> dict[str, Any]:
    """Load `path` into a new ledger-like DuckDB file; the accepted row count and the root."""
    received_at = received_at or datetime.now(UTC)
    con = duckdb.connect(str(database))
    for statement in SCHEMA:
        con.execute(statement)
    con.execute("BEGIN TRANSACTION")
    # One scan, parsed on every thread; the table holds the rows in file order, so the rowid
    # is the entry's sequence number.
    con.execute(
        "CREATE TEMP TABLE typed AS SELECT * FROM read_csv($path, columns = $columns,"
        " header = TRUE, auto_detect = FALSE, delim = ',', quote = '\"', escape = '\"',"
        " ignore_errors = TRUE)",
        {"path": str(path), "columns": COLUMNS},
    )
    con.execute(
        """
        INSERT INTO entries
        SELECT rowid AS seq, entry_kind, refers_to, provider, record_type, subject_scheme,
               subject_scheme || ':' || subject_id AS subject_key, subject_kind,
               NULL AS subject_birth_date, decision_date, document_ref, attributes,
               make_timestamp($us) AS received_at
        FROM typed
        """,
        {"us": _epoch_us(received_at)},
    )
    root = _hash_entries(con)
    con.execute("COMMIT")
    ((accepted,),) = con.execute("SELECT count(*) FROM entries").fetchall()
    con.close()
    return {"accepted": int(accepted), "root": root.hex()}


def _hash_entries(con: duckdb.DuckDBPyConnection, table: str = "entries") -> bytes:
    con.execute(
        f"INSERT INTO nodes SELECT 0, seq, {LEAF} FROM {table}"  # leaves, on every thread
    )
    leaves = con.sql("SELECT hash FROM nodes WHERE level = 0 ORDER BY idx").to_arrow_table()
    return _store_tree(con, leaves.column(0).to_pylist())


def root_of_entries(con: duckdb.DuckDBPyConnection, entries: str) -> bytes:
    """The root this baseline computes over an existing relation of ledger entries (its
    columns named and typed as the ledger's), for the benchmark's equivalence check."""
    con.execute("CREATE OR REPLACE TEMP TABLE nodes (level UTINYINT, idx BIGINT, hash BLOB)")
    con.execute(f"CREATE OR REPLACE TEMP VIEW b1t_entries AS SELECT * FROM {entries}")
    return _hash_entries(con, "b1t_entries")


def _epoch_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
