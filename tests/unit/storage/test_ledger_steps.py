"""Workflow steps in the DuckDB ledger (format 3): what the constraints allow and refuse, the
readers, canonical bytes with absent subject columns, and the migration of a format-2 ledger."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import (
    RECEIVED,
    OpenLedger,
    batch,
    on_both_stores,
    row,
    rows_batch,
    texts,
)

from xinyong.domain import merkle
from xinyong.domain.record import EntryKind, canonical_bytes, epoch_us, leaf_hash
from xinyong.errors import LedgerError, TamperDetected
from xinyong.storage.duckdb import (
    BATCH_VIEW,
    CANONICAL_SQL,
    FORMAT_VERSION,
    INSERT_ENTRIES,
    LEAF_SQL,
    ROW,
    SCHEMA,
    DuckDBLedger,
)


def step(seq_hint: int = 0, **overrides: Any) -> dict[str, Any]:
    """A step about subject-0 (pass subject_*=None for a subject-less one)."""
    base = row(seq_hint, entry_kind="step", record_type="objection.filed", provider="key:abc")
    base.update(overrides)
    return base


SUBJECTLESS = {"subject_scheme": None, "subject_key": None, "subject_kind": None}


@on_both_stores
def test_steps_append_with_and_without_subject(ledger: DuckDBLedger) -> None:
    ledger.append(rows_batch(0, 3), RECEIVED)
    ledger.append(
        batch(
            [
                step(0, refers_to=1),
                step(1, record_type="pack.approval", **SUBJECTLESS),
                step(2, record_type="pack.activation", refers_to=4, **SUBJECTLESS),
            ]
        ),
        RECEIVED,
    )
    assert ledger.size() == 6
    approval = ledger.entries(start=4, stop=5)[0]
    assert approval.entry_kind is EntryKind.step
    assert (approval.subject_scheme, approval.subject_key, approval.subject_kind) == (None,) * 3
    assert ledger.verify().ok
    assert [e.seq for e in ledger.steps()] == [3, 4, 5]
    assert [e.seq for e in ledger.steps(subject_key="subject-0")] == [3]
    assert [e.seq for e in ledger.steps(refers_to=4)] == [5]
    assert [e.seq for e in ledger.steps(step_type="pack.approval")] == [4]
    # a subject's entries include its steps (its file shows them); records have none here
    assert [e.seq for e in ledger.entries(subject_key="subject-0")] == [0, 3]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(9, **SUBJECTLESS), "subject_scheme is missing"),
        (row(9, entry_kind="revocation", refers_to=0, **SUBJECTLESS), "subject_key is missing"),
        (step(9, subject_kind=None), "subject columns are all present or all absent"),
        (step(9, subject_key=None), "subject columns are all present or all absent"),
        (
            step(9, subject_birth_date=date(2020, 1, 1), decision_date=date(2024, 1, 1)),
            "never kept on a step",
        ),
        (step(9, refers_to=7), "refers_to 7 is no earlier seq"),
        (row(9, entry_kind="correction"), "refers_to empty exactly when it is a 'record'"),
    ],
)
@on_both_stores
def test_the_constraints_refuse(ledger: DuckDBLedger, bad: dict[str, Any], message: str) -> None:
    ledger.append(rows_batch(0, 1), RECEIVED)
    with pytest.raises(LedgerError, match=message):
        ledger.append(batch([bad]), RECEIVED)
    assert ledger.size() == 1 and ledger.verify().ok


# -- canonical bytes: SQL == Python with the subject columns absent --------------------------------


@pytest.fixture(scope="module")
def memory() -> Any:
    con = duckdb.connect()
    for statement in SCHEMA:
        con.execute(statement)
    yield con
    con.close()


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries(
            {
                "provider": texts,
                "record_type": texts,
                "document_ref": texts,
                "attributes": texts,
                "refers_to": st.none() | st.integers(0, 2**30),
                "decision_date": st.dates(date(1, 1, 1), date(9999, 12, 31)),
                "subject": st.none() | st.tuples(texts, texts, st.just("individual")),
            }
        ),
        min_size=1,
        max_size=8,
    ),
    at=st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)),
)
def test_step_canonical_sql_equals_python(memory: Any, rows: list[dict[str, Any]], at: Any) -> None:
    con = memory
    con.execute("DELETE FROM entries")
    first = 2**31  # every refers_to is earlier
    flat = []
    for r in rows:
        scheme, key, kind = r["subject"] or (None, None, None)
        flat.append(
            step(
                provider=r["provider"],
                record_type=r["record_type"],
                document_ref=r["document_ref"],
                attributes=r["attributes"],
                refers_to=r["refers_to"],
                decision_date=r["decision_date"],
                subject_scheme=scheme,
                subject_key=key,
                subject_kind=kind,
            )
        )
    table = batch(flat)
    con.register(BATCH_VIEW, table.append_column(ROW, pa.array(range(len(flat)), pa.int64())))
    con.execute(INSERT_ENTRIES, {"first": first, "received_us": epoch_us(at)})
    got = con.execute(f"SELECT seq, encode({CANONICAL_SQL}), {LEAF_SQL} FROM entries ORDER BY seq")
    for (seq, canonical, leaf), o in zip(got.fetchall(), flat, strict=True):
        fields = (
            str(seq),
            "step",
            None if o["refers_to"] is None else str(o["refers_to"]),
            o["provider"],
            o["record_type"],
            o["subject_scheme"],
            o["subject_key"],
            o["subject_kind"],
            None,
            o["decision_date"].isoformat(),
            o["document_ref"],
            o["attributes"],
            str(epoch_us(at)),
        )
        assert canonical == canonical_bytes(fields)
        assert leaf == leaf_hash(canonical)
        if o["subject_key"] is None:  # absent is `~`, in place
            assert b"~~~~" in canonical  # scheme, key, kind and the birth date
    con.unregister(BATCH_VIEW)


# -- migration from format 2 --------------------------------------------------------------------

# The entries table of ledger format 2, as that release created it (kept verbatim: the migration
# is tested from what format-2 files really hold).
FORMAT_2_ENTRIES = """CREATE TABLE entries (
        seq BIGINT NOT NULL,
        entry_kind VARCHAR NOT NULL CHECK (entry_kind IN ('record', 'correction', 'revocation',
            'fulfilment', 'restoration')),
        refers_to BIGINT CHECK (refers_to >= 0 AND refers_to < seq),
        provider VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        subject_scheme VARCHAR NOT NULL,
        subject_key VARCHAR NOT NULL,
        subject_kind VARCHAR NOT NULL CHECK (subject_kind IN ('individual', 'enterprise',
            'public_institution', 'social_organisation')),
        subject_birth_date DATE CHECK (year(subject_birth_date) BETWEEN 1 AND 9999),
        decision_date DATE NOT NULL CHECK (year(decision_date) BETWEEN 1 AND 9999),
        document_ref VARCHAR NOT NULL,
        attributes VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL,
        CHECK ((entry_kind = 'record') = (refers_to IS NULL)),
        CHECK (decision_date < CAST(subject_birth_date + INTERVAL 216 MONTH AS DATE))
    )"""


def _as_format_2(path: Path) -> None:
    """Rewrite a closed ledger's entries table (same rows) as format 2 had it."""
    con = duckdb.connect(str(path))
    con.execute("BEGIN TRANSACTION")
    con.execute("CREATE TEMP TABLE kept AS SELECT * FROM entries")
    con.execute("DROP INDEX entries_subject_key")
    con.execute("DROP TABLE entries")
    con.execute(FORMAT_2_ENTRIES)
    con.execute("INSERT INTO entries SELECT * FROM kept ORDER BY seq")
    con.execute("CREATE INDEX entries_subject_key ON entries (subject_key)")
    con.execute("UPDATE ledger_meta SET value = '2' WHERE key = 'format_version'")
    con.execute("COMMIT")
    con.close()


def _format(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        ((value,),) = con.execute(
            "SELECT value FROM ledger_meta WHERE key = 'format_version'"
        ).fetchall()
        return str(value)
    finally:
        con.close()


def _format_2_ledger(open_ledger: OpenLedger) -> tuple[Path, list[Any], list[bytes]]:
    ledger = open_ledger()
    for first in (0, 5, 7):
        ledger.append(rows_batch(first, {0: 5, 5: 2, 7: 4}[first]), RECEIVED)
    ledger.append(batch([row(11, entry_kind="revocation", refers_to=2)]), RECEIVED)
    entries = ledger.entries()
    roots = [ledger.root(n) for n in ledger.checkpoints.sizes()]
    path = ledger.path
    ledger.close()
    _as_format_2(path)
    with pytest.raises(duckdb.ConstraintException):  # format 2 indeed refuses a step
        con = duckdb.connect(str(path))
        try:
            con.execute(
                "INSERT INTO entries SELECT 99, 'step', NULL, 'p', 'pack.approval', NULL, NULL, "
                "NULL, NULL, DATE '2024-01-01', 'r', '{}', TIMESTAMP '2024-01-01'"
            )
        finally:
            con.close()
    return path, entries, roots


def test_a_format_2_ledger_is_migrated_when_opened_for_writing(open_ledger: OpenLedger) -> None:
    path, before, roots = _format_2_ledger(open_ledger)
    assert _format(path) == "2"
    reader = open_ledger(read_only=True)  # read as it is: every format-2 row is a format-3 row
    assert reader.entries() == before
    reader.close()
    assert _format(path) == "2"

    ledger = open_ledger()
    ((found,),) = ledger.connection.execute(
        "SELECT value FROM ledger_meta WHERE key = 'format_version'"
    ).fetchall()
    assert found == FORMAT_VERSION == "3"
    assert ledger.entries() == before
    assert [ledger.root(n) for n in ledger.checkpoints.sizes()] == roots
    report = ledger.verify()  # every leaf recomputed, every checkpoint held to the tree
    assert report.ok, report.problems
    assert report.checkpoints == len(roots)
    assert ledger.root() == merkle.root([e.leaf_hash() for e in before])
    # the new constraints are in force: a subject-less step is taken, a subject-less record not
    ledger.append(batch([step(0, record_type="pack.approval", **SUBJECTLESS)]), RECEIVED)
    with pytest.raises(LedgerError, match="subject_scheme is missing"):
        ledger.append(batch([row(20, **SUBJECTLESS)]), RECEIVED)
    assert ledger.verify().ok
    ledger.close()
    assert open_ledger().size() == len(before) + 1  # and it opens as format 3 from now on


def test_an_edited_format_2_ledger_is_not_migrated(open_ledger: OpenLedger) -> None:
    path, _, _ = _format_2_ledger(open_ledger)
    con = duckdb.connect(str(path))
    con.execute("UPDATE entries SET provider = 'someone.else' WHERE seq = 3")
    con.close()
    with pytest.raises(TamperDetected, match="1 of 12 entries do not hash to their stored leaf"):
        open_ledger()
    assert _format(path) == "2"  # nothing changed
    reader = open_ledger(read_only=True)
    assert not reader.verify().ok
