"""The Merkle tree built in SQL from a batch and the stored frontier (`storage/tree.py`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_helpers import ORIGIN, RECEIVED, complete_nodes, rows_batch

from xinyong.domain import merkle
from xinyong.storage.duckdb import DuckDBLedger
from xinyong.storage.tree import frontier_params, new_nodes_sql, top_level, tree_sql


def stored_nodes(ledger: DuckDBLedger) -> list[tuple[int, int, bytes]]:
    rows = ledger.connection.execute("SELECT level, idx, hash FROM nodes").fetchall()
    return [(int(lv), int(i), bytes(h)) for lv, i, h in rows]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6))
def test_stored_nodes_are_exactly_the_complete_nodes(
    signing_key: Ed25519PrivateKey, sizes: list[int]
) -> None:
    # Any split into batches stores every complete node once, and nothing else.
    with (
        tempfile.TemporaryDirectory() as tmp,
        DuckDBLedger(Path(tmp, "l.duckdb"), Path(tmp, "cp"), signing_key, ORIGIN) as ledger,
    ):
        for n in sizes:
            ledger.append(rows_batch(ledger.size(), n), RECEIVED)
            ((temps,),) = ledger.connection.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE temporary"
            ).fetchall()
            assert temps == 0, "an append left a temp table behind"
        leaves = [e.leaf_hash() for e in ledger.entries()]
        stored = stored_nodes(ledger)
        assert len(stored) == len({(lv, i) for lv, i, _ in stored}), "a node is stored twice"
        assert {(lv, i): h for lv, i, h in stored} == complete_nodes(leaves)


# No deadline: a case runs a DuckDB query, which takes several times longer on a loaded machine.
@settings(deadline=None)
@given(
    old=st.integers(0, 300),
    grow=st.integers(0, 300),
)
def test_tree_sql_from_the_frontier_alone(old: int, grow: int) -> None:
    # The new nodes computed from the new leaves and the compact range of [0, old) only.
    new = old + grow
    leaves = [merkle.hash_children(b"leaf", i.to_bytes(8, "big")) for i in range(new)]
    every = complete_nodes(leaves)
    frontier = {w: every[w] for w in merkle.root_nodes(old)}
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE new_leaves AS SELECT unnest($idxs::BIGINT[]) AS idx, "
        "unnest($hashes::BLOB[]) AS hash",
        {"idxs": list(range(old, new)), "hashes": leaves[old:new]},
    )
    con.execute(
        f"CREATE TABLE t AS {tree_sql('SELECT idx, hash FROM new_leaves', top_level(new))}",
        frontier_params(frontier),
    )
    got = con.execute(new_nodes_sql("t"), {"first": old}).fetchall()
    con.close()
    added = {(lv, i): h for (lv, i), h in every.items() if (i + 1) << lv > old}
    assert {(int(lv), int(i)): bytes(h) for lv, i, h in got} == added
    assert len(got) == len(added)
