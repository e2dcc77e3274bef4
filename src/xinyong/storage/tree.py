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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xinyong.domain import merkle

if TYPE_CHECKING:
    import duckdb

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


def new_nodes_sql(source: str) -> str:
    """The nodes of a `tree_sql` result (a table, or a query in parentheses) that growing from
    `$first` leaves added: all but the frontier."""
    return f"SELECT level, idx, hash FROM {source} WHERE idx >= ($first::BIGINT >> level)"


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
