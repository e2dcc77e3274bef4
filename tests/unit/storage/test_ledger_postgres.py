"""What only the PostgreSQL ledger has: SQL canonical bytes held to Python on the server, NUL
refused, several writers at once, recovery that asks the server whether a commit happened,
read-only sessions, and the schema's migrations."""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
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
    complete_nodes,
    received,
    row,
    rows_batch,
)

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint, PendingCommit
from xinyong.errors import DataLoss, LedgerError, TamperDetected
from xinyong.storage import migrate, pgsql
from xinyong.storage.base import LedgerStore
from xinyong.storage.checkpoints import PENDING, CheckpointStore, checkpoint_name
from xinyong.storage.postgres import PostgresLedger

pytestmark = pytest.mark.postgres


@pytest.fixture
def store_kind() -> str:
    return "postgres"


def _no_nul(batches: list[list[Row]]) -> list[list[Row]]:
    # PostgreSQL text holds no NUL (test_nul_is_refused); every other character is kept.
    return [
        [
            {k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v for k, v in r.items()}
            for r in rows
        ]
        for rows in batches
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=batches_of_rows(max_batches=3, max_rows=12), at=received)
def test_canonical_sql_equals_python(
    postgres_url: str, signing_key: Ed25519PrivateKey, batches: list[list[Row]], at: datetime
) -> None:
    batches = _no_nul(batches)
    schema = f"pgstore_h_{uuid.uuid4().hex[:12]}"
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            PostgresLedger(postgres_url, schema, Path(tmp), signing_key, ORIGIN) as ledger,
        ):
            signed = [ledger.append(batch(rows), at) for rows in batches]
            entries = ledger.entries()
            got = ledger._con.execute(
                f"SELECT seq, convert_to({pgsql.CANONICAL_SQL}, 'UTF8'), {pgsql.LEAF_SQL} "
                "FROM entries ORDER BY seq"
            ).fetchall()
            assert [bytes(c) for _, c, _ in got] == [e.canonical_bytes() for e in entries]
            assert [bytes(h) for _, _, h in got] == [e.leaf_hash() for e in entries]
            leaves = [e.leaf_hash() for e in entries]
            for cp in signed:
                assert ledger.root(cp.size) == merkle.root(leaves[: cp.size]) == cp.root
            assert ledger.verify().ok
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def test_nul_is_refused_naming_the_row(ledger: PostgresLedger) -> None:
    with pytest.raises(LedgerError, match=r"batch row 1: attributes holds a NUL character"):
        ledger.append(batch([row(0), row(1, attributes="a\x00b")]), RECEIVED)
    assert ledger.size() == 0


def test_several_writers_append_at_once(open_ledger: OpenLedger, paths: tuple[Path, Path]) -> None:
    writers = [open_ledger(), open_ledger()]
    errors: list[BaseException] = []

    def write(ledger: PostgresLedger, offset: int) -> None:
        try:
            for i in range(6):
                ledger.append(rows_batch(100 * offset + i, 3), RECEIVED)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, i)) for i, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ledger = writers[0]
    assert ledger.size() == 36
    assert sorted(p.name for p in paths[1].iterdir()) == [
        checkpoint_name(n) for n in range(0, 37, 3)
    ]
    assert not (paths[1] / PENDING).exists()
    assert ledger.verify().ok


def _xid(url: str, *, commit: bool) -> int:
    with psycopg.connect(url) as con:
        ((xid,),) = con.execute("SELECT pg_current_xact_id()::text").fetchall()
        con.commit() if commit else con.rollback()
    return int(xid)


@pytest.fixture
def at_four(open_ledger: OpenLedger) -> Iterator[Checkpoint]:
    with open_ledger() as ledger:
        ledger.append(rows_batch(0, 4), RECEIVED)
        yield Checkpoint(ORIGIN, 4, ledger.root())


def test_a_pending_commit_whose_transaction_aborted_is_discarded(
    at_four: Checkpoint,
    open_ledger: OpenLedger,
    paths: tuple[Path, Path],
    signing_key: Ed25519PrivateKey,
    pg_schema: tuple[str, str],
) -> None:
    store = CheckpointStore(paths[1], ORIGIN, signing_key=signing_key)
    xid = _xid(pg_schema[0], commit=False)
    store.write_pending(PendingCommit(at_four, Checkpoint(ORIGIN, 9, bytes(32)), 0, xid))
    assert store.pending() is not None and store.pending().xid == xid  # type: ignore[union-attr]
    with open_ledger() as ledger:
        assert ledger.size() == 4 and not (paths[1] / PENDING).exists()
        assert ledger.append(rows_batch(4, 5), RECEIVED).size == 9


def test_a_committed_transaction_whose_batch_is_gone_is_data_loss(
    at_four: Checkpoint,
    open_ledger: OpenLedger,
    paths: tuple[Path, Path],
    signing_key: Ed25519PrivateKey,
    pg_schema: tuple[str, str],
) -> None:
    store = CheckpointStore(paths[1], ORIGIN, signing_key=signing_key)
    xid = _xid(pg_schema[0], commit=True)
    store.write_pending(PendingCommit(at_four, Checkpoint(ORIGIN, 9, bytes(32)), 0, xid))
    with pytest.raises(DataLoss, match=f"reports its transaction {xid} committed"):
        open_ledger()
    assert (paths[1] / PENDING).exists(), "evidence is never removed"


def test_a_read_only_ledger_is_a_read_only_session(open_ledger: OpenLedger) -> None:
    open_ledger().append(rows_batch(0, 2), RECEIVED)
    ro: Any = open_ledger(read_only=True)
    assert ro.size() == 2 and ro.verify().ok
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        ro._con.execute("DELETE FROM entries")
    with pytest.raises(LedgerError, match="read-only"):
        ro.append(rows_batch(2, 1), RECEIVED)


def test_migrations_upgrade_downgrade_round_trip(
    pg_schema: tuple[str, str], tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    url, schema = pg_schema

    def tables() -> set[str]:
        with psycopg.connect(url) as con:
            rows = con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (schema,),
            ).fetchall()
        return {r[0] for r in rows}

    migrate.upgrade(url, schema)
    assert tables() == {"alembic_version", "ledger_meta", "entries", "nodes", "batches"}
    with psycopg.connect(url) as con:
        assert migrate.state(con, schema) == migrate.HEAD
        meta = dict(con.execute(f"SELECT key, value FROM {schema}.ledger_meta").fetchall())
    assert meta == {"format_version": "3"}
    migrate.downgrade(url, schema, "base")
    assert tables() == {"alembic_version"}
    with psycopg.connect(url) as con:
        assert migrate.state(con, schema) is None
    migrate.upgrade(url, schema)
    with PostgresLedger(url, schema, tmp_path / "cp", signing_key, ORIGIN) as ledger:
        assert ledger.append(rows_batch(0, 3), RECEIVED).size == 3 and ledger.verify().ok


def test_first_migrations_of_one_schema_take_turns(pg_schema: tuple[str, str]) -> None:
    """Two writers (or `db upgrade`s) meeting a schema that does not exist yet: both succeed, the
    later finding the schema already at the head (without the lock the later failed on the
    catalogue's unique index for schema names)."""
    url, schema = pg_schema
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def upgrade() -> None:
        start.wait()
        try:
            migrate.upgrade(url, schema)
        except BaseException as exc:  # any failure is the test's finding
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with psycopg.connect(url) as con:
        assert migrate.state(con, schema) == migrate.HEAD


def test_a_schema_behind_the_head_is_refused(
    pg_schema: tuple[str, str], tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    url, schema = pg_schema
    migrate.upgrade(url, schema)
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"UPDATE {schema}.alembic_version SET version_num = '0000'")
    with pytest.raises(LedgerError, match="run `xinyong db upgrade`"):
        PostgresLedger(url, schema, tmp_path / "cp", signing_key, ORIGIN)


def test_the_index_files_copy_of_the_entries(
    open_ledger: OpenLedger, tmp_path: Path, run_sql: Any
) -> None:
    import duckdb

    index = tmp_path / "index.duckdb"

    def copied(con: duckdb.DuckDBPyConnection) -> int:
        return int(con.execute("SELECT count(*) FROM entries").fetchall()[0][0])

    writer = open_ledger(index_path=index)
    writer.append(rows_batch(0, 4), RECEIVED)
    assert copied(writer.connection) == 4
    writer.append(rows_batch(4, 3), RECEIVED)
    writer.close()
    # read-only: the copy is completed in memory, the file is left as it was
    with open_ledger(read_only=True, index_path=index) as ro:
        assert copied(ro.connection) == 7
        assert ro.verify().ok
    with duckdb.connect(str(index), read_only=True) as con:
        assert copied(con) == 4
    with open_ledger(index_path=index) as again:
        assert copied(again.connection) == 7
    with duckdb.connect(str(index)) as con:
        con.execute("UPDATE entries SET attributes = '{}' WHERE seq = 2")
    with open_ledger(read_only=True, index_path=index) as ro:
        report = ro.verify()
    assert report.ledger_ok and not report.ok
    assert any("copy of the entries" in p for p in report.problems), report.problems
    # rows that do not hash to their stored leaves are never copied
    run_sql("UPDATE entries SET attributes = '{}' WHERE seq = 0")
    with open_ledger(read_only=True) as ro, pytest.raises(TamperDetected, match="stored leaf"):
        ro.connection  # noqa: B018 - the property copies


def test_postgres_ledger_is_a_ledger_store(ledger: PostgresLedger) -> None:
    store: LedgerStore = ledger  # mypy checks the protocol; stores differ by class constants
    assert store.engine == "postgres" and store.concurrent_writers
    assert store.readers_beside_writer and store.read_only_mode and store.append_alignment == 1


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=5))
def test_stored_nodes_are_exactly_the_complete_nodes(
    postgres_url: str, signing_key: Ed25519PrivateKey, sizes: list[int]
) -> None:
    # Any split into batches stores every complete node once, and nothing else.
    schema = f"pgstore_n_{uuid.uuid4().hex[:12]}"
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            PostgresLedger(postgres_url, schema, Path(tmp), signing_key, ORIGIN) as ledger,
        ):
            for n in sizes:
                ledger.append(rows_batch(ledger.size(), n), RECEIVED)
            leaves = [e.leaf_hash() for e in ledger.entries()]
            stored = ledger._con.execute("SELECT level, idx, hash FROM nodes").fetchall()
            assert {(int(lv), int(i)): bytes(h) for lv, i, h in stored} == complete_nodes(leaves)
            assert len(stored) == len(complete_nodes(leaves))
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@settings(max_examples=40, deadline=None)
@given(old=st.integers(0, 300), grow=st.integers(0, 300))
def test_tree_sql_from_the_frontier_alone(postgres_url: str, old: int, grow: int) -> None:
    # The new nodes computed from the new leaves and the compact range of [0, old) only.
    new = old + grow
    leaves = [merkle.hash_children(b"leaf", i.to_bytes(8, "big")) for i in range(new)]
    every = complete_nodes(leaves)
    frontier = {w: every[w] for w in merkle.root_nodes(old)}
    with psycopg.connect(postgres_url) as con:  # one transaction, rolled back
        con.execute(
            "CREATE TEMP TABLE new_leaves AS SELECT * FROM unnest(%(idxs)s::bigint[], "
            "%(hashes)s::bytea[]) AS l(idx, hash)",
            {"idxs": list(range(old, new)), "hashes": leaves[old:new]},
        )
        sql = pgsql.tree_sql("SELECT idx, hash FROM new_leaves", max(new.bit_length() - 1, 0))
        got = con.execute(
            f"SELECT level, idx, hash FROM ({sql}) AS t WHERE idx >= (%(first)s::bigint >> level)",
            {**pgsql.frontier_params(frontier), "first": old},
        ).fetchall()
        con.rollback()
    added = {(lv, i): h for (lv, i), h in every.items() if (i + 1) << lv > old}
    assert {(int(lv), int(i)): bytes(h) for lv, i, h in got} == added
    assert len(got) == len(added)


def test_an_index_is_sealed_to_the_copy_it_read(open_ledger: OpenLedger, tmp_path: Path) -> None:
    # Another process's append between an evaluation and its seal must not be sealed as read.
    index = tmp_path / "index.duckdb"
    mine = open_ledger(index_path=index)
    mine.append(rows_batch(0, 4), RECEIVED)
    con = mine.connection  # the evaluation would read this copy: 4 entries
    other = open_ledger()
    other.append(rows_batch(4, 3), RECEIVED)
    assert mine.size() == 7 and mine.indexed_size() == 4
    assert mine.connection is con and mine.indexed_size() == 4  # no catching up meanwhile
    mine.append(rows_batch(7, 1), RECEIVED)  # its own append: the next use catches up
    assert mine.indexed_size() == 8
