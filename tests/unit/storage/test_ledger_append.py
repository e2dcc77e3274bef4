"""Appending to the DuckDB ledger: canonical bytes in SQL, replay, proofs, lookups, refusals."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_helpers import (
    ORIGIN,
    RECEIVED,
    OpenLedger,
    Row,
    batch,
    batches_of_rows,
    on_both_stores,
    received,
    row,
    rows_batch,
)

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint
from xinyong.domain.record import Entry, canonical_bytes, epoch_us, leaf_hash
from xinyong.errors import LedgerError
from xinyong.settings import Settings
from xinyong.storage.arrowbatch import chunked, row_group_cuts
from xinyong.storage.base import LedgerStore
from xinyong.storage.checkpoints import checkpoint_name
from xinyong.storage.duckdb import (
    BATCH_VIEW,
    CANONICAL_SQL,
    INSERT_ENTRIES,
    LEAF_SQL,
    ROW,
    SCHEMA,
    DuckDBLedger,
)
from xinyong.storage.keys import ensure_keys


def fill(
    ledger: DuckDBLedger, batches: list[list[Row]], at: datetime = RECEIVED
) -> list[Checkpoint]:
    return [ledger.append(batch(rows), at) for rows in batches]


@pytest.fixture(scope="module")
def memory() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for statement in SCHEMA:
        con.execute(statement)
    yield con
    con.close()


@settings(max_examples=200, deadline=None)
@given(rows=batches_of_rows(max_batches=1, max_rows=20), at=received, first=st.integers(0, 2**40))
def test_canonical_sql_equals_python(
    memory: duckdb.DuckDBPyConnection, rows: list[list[Row]], at: datetime, first: int
) -> None:
    # The exact statements `append` runs, on an in-memory database: fast enough for many examples.
    con = memory
    con.execute("DELETE FROM entries")
    table = batch(rows[0])
    con.register(BATCH_VIEW, table.append_column(ROW, pa.array(range(table.num_rows), pa.int64())))
    con.execute(INSERT_ENTRIES, {"first": first, "received_us": epoch_us(at)})
    got = con.execute(f"SELECT seq, encode({CANONICAL_SQL}), {LEAF_SQL} FROM entries ORDER BY seq")
    for (seq, canonical, leaf), original in zip(got.fetchall(), rows[0], strict=True):
        o = original
        fields: tuple[str | None, ...] = (
            str(seq),
            o["entry_kind"],
            _text(o["refers_to"]),
            *(o[k] for k in ("provider", "record_type", "subject_scheme", "subject_key")),
            o["subject_kind"],
            _text(o["subject_birth_date"]),
            o["decision_date"].isoformat(),
            o["document_ref"],
            o["attributes"],
            str(epoch_us(at)),
        )
        assert canonical == canonical_bytes(fields)
        assert leaf == leaf_hash(canonical)
    con.unregister(BATCH_VIEW)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches_of_rows(), received)
def test_ledger_matches_python_entries(
    signing_key: Ed25519PrivateKey, batches: list[list[Row]], at: datetime
) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        DuckDBLedger(Path(tmp, "l.duckdb"), Path(tmp, "cp"), signing_key, ORIGIN) as ledger,
    ):
        checkpoints = fill(ledger, batches, at)
        entries = ledger.entries()
        flat = [r for rows in batches for r in rows]
        assert [e.seq for e in entries] == list(range(len(flat)))
        assert [_as_row(e) for e in entries] == flat
        assert all(e.received_at == at for e in entries)
        leaves = [e.leaf_hash() for e in entries]
        assert ledger.root() == merkle.root(leaves) == checkpoints[-1].root
        for cp in checkpoints:
            assert ledger.root(cp.size) == merkle.root(leaves[: cp.size]) == cp.root
        assert ledger.verify().ok


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches_of_rows(max_batches=5, max_rows=20))
def test_replay_gives_the_same_state_and_root(
    signing_key: Ed25519PrivateKey, batches: list[list[Row]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with DuckDBLedger(Path(tmp, "a.duckdb"), Path(tmp, "a"), signing_key, ORIGIN) as first:
            fill(first, batches)
            entries = first.entries()
            root = first.root()
        # Reopen: the state survives; then replay the entries, in the same batches, elsewhere.
        with DuckDBLedger(Path(tmp, "a.duckdb"), Path(tmp, "a"), signing_key, ORIGIN) as again:
            assert again.entries() == entries and again.root() == root
        with DuckDBLedger(Path(tmp, "b.duckdb"), Path(tmp, "b"), signing_key, ORIGIN) as replay:
            start = 0
            for rows in batches:
                replay.append(
                    batch([_as_row(e) for e in entries[start : start + len(rows)]]), RECEIVED
                )
                start += len(rows)
            assert replay.entries() == entries
            assert replay.root() == root


def _as_row(entry: Entry) -> Row:
    return {
        "entry_kind": entry.entry_kind.value,
        "refers_to": entry.refers_to,
        "provider": entry.provider,
        "record_type": entry.record_type,
        "subject_scheme": entry.subject_scheme,
        "subject_key": entry.subject_key,
        "subject_kind": None if entry.subject_kind is None else entry.subject_kind.value,
        "subject_birth_date": entry.subject_birth_date,
        "decision_date": entry.decision_date,
        "document_ref": entry.document_ref,
        "attributes": entry.attributes,
    }


@on_both_stores
def test_checkpoints_are_written_per_batch(ledger: DuckDBLedger, paths: tuple[Path, Path]) -> None:
    sizes = []
    for n in (3, 1, 8, 5):
        cp = ledger.append(rows_batch(ledger.size(), n), RECEIVED)
        sizes.append(cp.size)
    assert sizes == [3, 4, 12, 17]
    names = sorted(p.name for p in paths[1].iterdir())
    assert names == [checkpoint_name(s) for s in (0, 3, 4, 12, 17)]
    assert ledger.latest_checkpoint() == cp
    assert ledger.checkpoints.load(12).root == ledger.root(12)


@on_both_stores
def test_proofs_verify_against_signed_checkpoints(ledger: DuckDBLedger) -> None:
    signed = [ledger.append(rows_batch(ledger.size(), n), RECEIVED) for n in (5, 7, 1, 20)]
    entries = ledger.entries()
    for cp in signed:
        for index in range(cp.size):
            proof = ledger.inclusion_proof(index, cp.size)
            assert merkle.verify_inclusion(
                entries[index].leaf_hash(), index, cp.size, proof, cp.root
            )
    for old in signed:
        for new in signed:
            if old.size <= new.size:
                proof = ledger.consistency_proof(old.size, new.size)
                assert merkle.verify_consistency(old.size, new.size, old.root, new.root, proof)
    with pytest.raises(LedgerError, match="beyond"):
        ledger.inclusion_proof(0, 1000)
    with pytest.raises(LedgerError, match="not in the tree"):
        ledger.inclusion_proof(33, 33)


@on_both_stores
def test_entries_by_subject_and_range(ledger: DuckDBLedger) -> None:
    ledger.append(rows_batch(0, 20), RECEIVED)
    by_subject = ledger.entries(subject_key="subject-2")
    assert [e.seq for e in by_subject] == [2, 7, 12, 17]
    assert [e.seq for e in ledger.entries(start=5, stop=8)] == [5, 6, 7]
    assert [e.seq for e in ledger.entries(subject_key="subject-2", start=8)] == [12, 17]
    assert ledger.entries(subject_key="nobody") == []


@on_both_stores
def test_lookup_keys_and_refs(ledger: DuckDBLedger) -> None:
    ledger.append(rows_batch(0, 6), RECEIVED)
    ledger.append(
        batch([row(100, entry_kind="revocation", refers_to=2, document_ref="(2023)京01执2号")]),
        RECEIVED,
    )
    keys = batch([row(2), row(4), row(99)]).select(
        ["provider", "document_ref", "record_type", "subject_key", "entry_kind"]
    )
    found = ledger.lookup_keys(keys).sort_by("seq")
    assert found.column("seq").to_pylist() == [2, 4]
    assert found.column("attributes").to_pylist() == ['{"amount":2}', '{"amount":4}']
    assert "decision_date" in found.column_names and "refers_to" in found.column_names
    refs = batch([row(2), row(99)]).select(["provider", "subject_key", "document_ref"])
    matched = ledger.lookup_refs(refs)
    # The revocation shares provider, subject and document with record 2 but is not a record.
    assert matched.column("seq").to_pylist() == [2]
    assert matched.column("record_type").to_pylist() == ["dishonest_debtor"]
    with pytest.raises(LedgerError, match="lacks columns"):
        ledger.lookup_refs(refs.select(["provider"]))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"entry_kind": "rumour"}, "batch row 1: entry_kind 'rumour' is unknown"),
        ({"subject_kind": "family"}, "batch row 1: subject_kind 'family' is unknown"),
        ({"provider": None}, "batch row 1: provider is missing"),
        ({"entry_kind": "correction"}, "batch row 1: a 'correction' entry"),
        ({"refers_to": 0}, "batch row 1: a 'record' entry"),
        ({"entry_kind": "correction", "refers_to": 5}, "refers_to 5 is no earlier seq"),
        ({"decision_date": None}, "batch row 1: decision_date is missing"),
    ],
)
@on_both_stores
def test_invalid_rows_refuse_the_whole_batch(
    ledger: DuckDBLedger, paths: tuple[Path, Path], bad: Row, message: str
) -> None:
    ledger.append(rows_batch(0, 2), RECEIVED)
    before = ledger.root()
    rows = [row(2), row(3, **bad), row(4)]
    with pytest.raises(LedgerError, match="nothing appended") as caught:
        ledger.append(batch(rows), RECEIVED)
    assert message in str(caught.value)
    assert ledger.size() == 2 and ledger.root() == before
    assert not (paths[1] / "pending.note").exists()
    assert ledger.verify().ok
    assert ledger.append(rows_batch(2, 1), RECEIVED).size == 3


@on_both_stores
def test_batch_columns_must_match(ledger: DuckDBLedger) -> None:
    table = rows_batch(0, 2)
    with pytest.raises(LedgerError, match="missing attributes; unexpected extra"):
        ledger.append(
            table.drop_columns(["attributes"]).append_column("extra", pa.array([1, 2])), RECEIVED
        )
    assert ledger.append(table.select(list(reversed(table.column_names))), RECEIVED).size == 2
    assert ledger.append(rows_batch(2, 0), RECEIVED).size == 2  # empty batch: nothing to sign


@on_both_stores
def test_naive_received_at_is_utc(ledger: DuckDBLedger) -> None:
    ledger.append(rows_batch(0, 1), datetime(2024, 1, 1, 12))
    assert ledger.entries()[0].received_at == datetime(2024, 1, 1, 12, tzinfo=UTC)


def test_read_only_mode(open_ledger: OpenLedger, signing_key: Ed25519PrivateKey) -> None:
    writer = open_ledger()
    writer.append(rows_batch(0, 4), RECEIVED)
    writer.close()
    db, cps = writer.path, writer.checkpoints.directory
    with DuckDBLedger(
        db, cps, None, ORIGIN, read_only=True, public_key=signing_key.public_key()
    ) as ro:
        assert ro.size() == 4 and ro.verify().ok
        with pytest.raises(LedgerError, match="read-only"):
            ro.append(rows_batch(4, 1), RECEIVED)
    with pytest.raises(LedgerError, match="no ledger at"):
        DuckDBLedger(db.with_name("nope.duckdb"), cps, signing_key, ORIGIN, read_only=True)


@on_both_stores
def test_origin_is_fixed_at_creation(open_ledger: OpenLedger) -> None:
    open_ledger().close()
    with pytest.raises(
        LedgerError, match=r"origin 'test\.example/ledger', but settings name 'other'"
    ):
        open_ledger(origin="other")


@on_both_stores
def test_reopen_with_missing_checkpoints_refuses_to_append(
    open_ledger: OpenLedger, paths: tuple[Path, Path]
) -> None:
    ledger = open_ledger()
    ledger.append(rows_batch(0, 4), RECEIVED)
    ledger.close()
    (paths[1] / checkpoint_name(4)).unlink()
    with pytest.raises(LedgerError, match=r"entries 0\.\.3 are not covered by any checkpoint"):
        open_ledger()


@on_both_stores
def test_decision_dates_at_the_edges(ledger: DuckDBLedger) -> None:
    rows = [row(0, decision_date=date(1, 1, 1)), row(1, decision_date=date(9999, 12, 31))]
    ledger.append(batch(rows), RECEIVED)
    assert [e.decision_date for e in ledger.entries()] == [date(1, 1, 1), date(9999, 12, 31)]
    assert ledger.verify().ok


def test_duckdb_ledger_is_a_ledger_store(ledger: DuckDBLedger) -> None:
    store: LedgerStore = ledger  # mypy checks the protocol; engines differ by class constants
    assert store.engine == "duckdb" and not store.concurrent_writers and store.read_only_mode


def test_from_settings(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path, ledger_origin="city.example/credit")
    signing, _ = ensure_keys(settings)
    with DuckDBLedger.from_settings(settings) as ledger:
        assert ledger.append(rows_batch(0, 3), RECEIVED).origin == "city.example/credit"
    assert (tmp_path / "checkpoints" / checkpoint_name(3)).exists()
    with DuckDBLedger.from_settings(settings, read_only=True) as ro:
        assert ro.size() == 3 and ro.verify(signing.public_key()).ok


def test_append_alignment_is_duckdbs_row_group() -> None:
    # Ingest ends its batches on multiples of `append_alignment` so that COMMIT adopts the row
    # groups the INSERT wrote (pipeline.batch_bounds); that pays only while it is DuckDB's row
    # group size, which a DuckDB upgrade could change.
    n = DuckDBLedger.append_alignment
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range($n)", {"n": n + 1})
    groups = con.execute(
        "SELECT row_group_id, max(start + count) - min(start) FROM pragma_storage_info('t')"
        " GROUP BY row_group_id ORDER BY row_group_id"
    ).fetchall()
    assert groups == [(0, n), (1, 1)]


@pytest.mark.parametrize(
    ("chunks", "size", "n_align"),
    [([5, 5, 2], 1, 4), ([12], 0, 4), ([3, 4, 4, 1], 1, 4), ([1, 1, 1, 1, 1], 7, 2)],
)
def test_batches_reach_duckdb_in_record_batches_ending_on_row_groups(
    chunks: list[int], size: int, n_align: int
) -> None:
    # DuckDB makes a row group of each record batch it inserts; a batch sliced from a larger
    # table (ingest's `accepted`) would otherwise bring slivers that a checkpoint must merge.
    n = sum(chunks)
    values = list(range(100, 100 + n))
    starts = [sum(chunks[:i]) for i in range(len(chunks))]
    table = pa.Table.from_batches(
        [
            pa.RecordBatch.from_pydict(
                {"v": values[s : s + c], "w": [str(x) for x in values[s : s + c]]}
            )
            for s, c in zip(starts, chunks, strict=True)
        ]
    )
    cuts = row_group_cuts(size, n, n_align)
    out = chunked(table, cuts)
    assert list(itertools.accumulate(len(b) for b in out.to_batches())) == cuts
    assert all((size + c) % n_align == 0 for c in cuts[:-1])
    assert out.equals(table)
    assert chunked(out, cuts) is out  # already cut there: no copy
