"""The Merkle tree in SQL: every complete node that new leaves add, in one statement.

Growing a tree from `first` to `new` leaves adds, at level L, the complete nodes with index in
`[first >> L, new >> L)`. The pair that makes the first of them may need one older node as left
child: `(L − 1, (first >> (L − 1)) − 1)`, present exactly when bit L − 1 of `first` is set. Those
older nodes are the compact range of `[0, first)` (`merkle.root_nodes(first)`), the *frontier*:
at most one per level, at most log2(first) + 1 in all. So the new nodes depend only on the new
leaves and the frontier, never on the rest of the stored tree, and `tree_sql` computes them over
those rows alone: level L is a self-join of level L − 1 (batch-sized, in a materialised CTE),
so growing by n leaves costs about n interior hashes, whatever the size of the ledger.

`verify` uses the same query with `first = 0` (no frontier) over every entry.

`BackgroundTree` runs the hashing of one append on a second connection (a cursor) while the
writing connection inserts the rows: inserting is mostly serial in DuckDB (compression, the
subject index), hashing runs on every thread, so together they keep both cores busy.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Self

from xinyong.domain import merkle

if TYPE_CHECKING:
    from collections.abc import Mapping
    from types import TracebackType

    import duckdb
    import pyarrow as pa

LEAVES_TABLE = "xinyong_new_leaves"  # temp tables of the background connection
TREE_TABLE = "xinyong_new_tree"

# RFC 6962 interior node: SHA-256(0x01 || left || right); sha256() gives hex text.
NODE_SQL = "unhex(sha256('\\x01'::BLOB || l.hash || r.hash))"

# Frontier nodes, as three list parameters (lists, so that the empty frontier needs no table).
_FRONTIER = (
    "SELECT unnest($frontier_levels::UTINYINT[]) AS level, "
    "unnest($frontier_idxs::BIGINT[]) AS idx, unnest($frontier_hashes::BLOB[]) AS hash"
)


def tree_sql(leaves: str, top: int) -> str:
    """A query of `(level, idx, hash)`: the leaves, the frontier and the nodes they complete.

    `leaves` is a query of `(idx, hash)` (our own SQL, never input) with distinct indexes; the
    frontier comes from the parameters of `frontier_params`. Levels 1..`top` are computed.
    The result holds the frontier nodes too; `new_nodes_sql` keeps only the new ones.
    """
    ctes = [
        f"frontier AS MATERIALIZED ({_FRONTIER})",
        f"p0 AS MATERIALIZED ({leaves} UNION ALL SELECT idx, hash FROM frontier WHERE level = 0)",
    ]
    for level in range(1, top + 1):
        below = f"p{level - 1}"
        ctes.append(
            f"p{level} AS MATERIALIZED (SELECT l.idx // 2 AS idx, {NODE_SQL} AS hash "
            f"FROM {below} AS l JOIN {below} AS r ON r.idx = l.idx + 1 WHERE l.idx % 2 = 0 "
            f"UNION ALL SELECT idx, hash FROM frontier WHERE level = {level})"
        )
    levels = " UNION ALL ".join(
        f"SELECT {level}::UTINYINT AS level, idx, hash FROM p{level}" for level in range(top + 1)
    )
    return "WITH " + ", ".join(ctes) + " " + levels


def top_level(size: int) -> int:
    """The highest level holding a complete node in a tree of `size` leaves (0 when ≤ 1).

    >>> [top_level(n) for n in (0, 1, 2, 3, 4, 1_000_000)]
    [0, 0, 1, 1, 2, 19]
    """
    return max(size.bit_length() - 1, 0)


def frontier_params(frontier: dict[merkle.NodeId, bytes]) -> dict[str, object]:
    """The query parameters that hand `tree_sql` the frontier nodes."""
    ids = sorted(frontier)
    return {
        "frontier_levels": [level for level, _ in ids],
        "frontier_idxs": [idx for _, idx in ids],
        "frontier_hashes": [frontier[i] for i in ids],
    }


def new_nodes_sql(table: str) -> str:
    """The nodes of a `tree_sql` result in `table` that growing from `$first` leaves added."""
    return f"SELECT level, idx, hash FROM {table} WHERE idx >= ($first::BIGINT >> level)"


def fetch_nodes_sql(table: str) -> str:
    return f"""SELECT n.level, n.idx, n.hash FROM {table} AS n
        JOIN (SELECT unnest($levels::UTINYINT[]) AS level, unnest($idxs::BIGINT[]) AS idx) AS w
          ON n.level = w.level AND n.idx = w.idx"""


def fetch_nodes(
    con: duckdb.DuckDBPyConnection, wanted: list[merkle.NodeId], table: str = "nodes"
) -> dict[merkle.NodeId, bytes]:
    """The nodes of `wanted` found in `table` (missing ones are simply absent)."""
    if not wanted:
        return {}
    rows = con.execute(
        fetch_nodes_sql(table),
        {"levels": [lv for lv, _ in wanted], "idxs": [i for _, i in wanted]},
    ).fetchall()
    return {(int(lv), int(i)): bytes(h) for lv, i, h in rows}


class BackgroundTree:
    """The new nodes and the root of one append, computed on a cursor of `con` in a thread.

    `leaves` is a query of `(idx, hash)` over the view `view` (our own SQL), which is `batch`
    registered on the cursor; `params` are its parameters. The tree grows from `first` to `new`
    leaves; its `frontier` is read by the caller beforehand, inside its write transaction.
    Use as a context manager: leaving it early (the insert failed) interrupts the hashing and
    waits for the thread.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        view: str,
        batch: pa.Table,
        leaves: str,
        params: Mapping[str, object],
        frontier: dict[merkle.NodeId, bytes],
        first: int,
        new: int,
    ) -> None:
        self._cursor = con.cursor()
        self._cursor.register(view, batch)
        self._leaves, self._params, self._frontier = leaves, dict(params), frontier
        self._first, self._new = first, new
        self._nodes: pa.Table | None = None
        self._root = b""
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xinyong-merkle-tree")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def _run(self) -> None:
        first, new = self._first, self._new
        cur = self._cursor
        try:
            # Leaves in a statement of their own: DuckDB hashes them on every thread there,
            # but on one only inside the materialised CTE of `tree_sql`.
            cur.execute(f"CREATE TEMP TABLE {LEAVES_TABLE} AS {self._leaves}", self._params)
            cur.execute(
                f"CREATE TEMP TABLE {TREE_TABLE} AS "
                + tree_sql(f"SELECT idx, hash FROM {LEAVES_TABLE}", top_level(new)),
                frontier_params(self._frontier),
            )
            relation = cur.sql(new_nodes_sql(TREE_TABLE), params={"first": first})
            self._nodes = relation.to_arrow_table()
            wanted = merkle.root_nodes(new)
            found = fetch_nodes(cur, wanted, TREE_TABLE)
            self._root = merkle.fold_range([found[w] for w in wanted])
        except BaseException as exc:  # handed to the caller's thread by result()
            self._error = exc

    def result(self) -> tuple[pa.Table, bytes]:
        """The new nodes `(level, idx, hash)` and the new root; raises what the thread raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._nodes is not None
        return self._nodes, self._root

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._thread.is_alive():
            self._cursor.interrupt()
        self._thread.join()
        self._cursor.close()  # and with it the temp tables
