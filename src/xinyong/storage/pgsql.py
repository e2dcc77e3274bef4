"""The ledger's SQL in PostgreSQL's words: canonical bytes, leaf hashes, the tree, verify's facts.

Each piece mirrors its DuckDB twin (`duckdb.CANONICAL_SQL`, `tree.tree_sql`,
`verify.gather_duckdb`) and must give the very same bytes: the canonical netstrings of an entry
are `Entry.canonical_bytes()` (a hypothesis test holds SQL to Python), and the nodes are RFC
6962's. Only the spelling differs: `octet_length` for `strlen`, `to_char` for a date's ISO text,
`extract(epoch …)` for `epoch_us`, `sha256(bytea)` returning bytes rather than hex, `/` for `//`.

`verify` opens a read-only transaction, in which PostgreSQL creates no table, temporary ones
included; so the rebuilt tree lives in one statement's CTEs, and the statement returns only what
`judge` needs of it: the nodes that differ from the stored ones (the first `NAMED` of each kind,
and their counts) and the rebuilt nodes of the compact ranges of every size a checkpoint, a
batch or a witness names.

Also here: moving rows between Arrow and the server (COPY as CSV, key arrays for the lookups,
results back as Arrow with DuckDB's types), and the refusal of NUL, which `text` cannot hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from xinyong.domain import merkle
from xinyong.domain.record import CANONICAL_FIELDS, CANONICAL_VERSION, netstring
from xinyong.errors import LedgerError
from xinyong.storage.duckdb import NULLABLE
from xinyong.storage.tree import top_level
from xinyong.storage.verify import NAMED, LedgerFacts, RootAt

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa

    Connection = psycopg.Connection[tuple[Any, ...]]

_FIELD_TEXT: dict[str, str] = {
    "seq": "seq::text",
    "entry_kind": "entry_kind",
    "refers_to": "refers_to::text",
    "provider": "provider",
    "record_type": "record_type",
    "subject_scheme": "subject_scheme",
    "subject_key": "subject_key",
    "subject_kind": "subject_kind",
    # 'YYYY' pads to four digits, as `date.isoformat()` does; the CHECKs keep years in 1..9999
    "subject_birth_date": "to_char(subject_birth_date, 'YYYY-MM-DD')",
    "decision_date": "to_char(decision_date, 'YYYY-MM-DD')",
    "document_ref": "document_ref",
    "attributes": "attributes",
    # numeric, exact to the microsecond; a TIMESTAMP (no zone) counts from 1970-01-01 00:00
    "received_at": "(extract(epoch FROM received_at) * 1000000)::bigint::text",
}
if tuple(_FIELD_TEXT) != CANONICAL_FIELDS:  # pragma: no cover - guards a change in record.py
    raise ImportError("storage.pgsql canonical fields are out of step with domain.record")


def _netstring(field: str) -> str:
    text = _FIELD_TEXT[field]
    # octet_length of text is its UTF-8 byte length (the database encoding must be UTF8)
    part = f"octet_length({text})::text || ':' || {text} || ','"
    return f"coalesce({part}, '~')" if field in NULLABLE else f"({part})"


_PREFIX = netstring(CANONICAL_VERSION).decode("ascii")
assert "'" not in _PREFIX
CANONICAL_SQL = f"'{_PREFIX}' || " + " || ".join(map(_netstring, _FIELD_TEXT))
LEAF_SQL = f"sha256('\\x00'::bytea || convert_to({CANONICAL_SQL}, 'UTF8'))"
NODE_SQL = "sha256('\\x01'::bytea || l.hash || r.hash)"

_FRONTIER = (
    "SELECT * FROM unnest(%(frontier_levels)s::smallint[], %(frontier_idxs)s::bigint[], "
    "%(frontier_hashes)s::bytea[]) AS f(level, idx, hash)"
)


def tree_ctes(leaves: str, top: int) -> tuple[list[str], str]:
    """`tree.tree_sql` in PostgreSQL: the CTEs, and a query of `(level, idx, hash)` over them
    (the leaves, the frontier and every node they complete, levels 0..`top`)."""
    ctes = [
        f"frontier AS MATERIALIZED ({_FRONTIER})",
        f"p0 AS MATERIALIZED (({leaves}) UNION ALL SELECT idx, hash FROM frontier WHERE level = 0)",
    ]
    for level in range(1, top + 1):
        below = f"p{level - 1}"
        ctes.append(
            f"p{level} AS MATERIALIZED (SELECT l.idx / 2 AS idx, {NODE_SQL} AS hash "
            f"FROM {below} AS l JOIN {below} AS r ON r.idx = l.idx + 1 WHERE mod(l.idx, 2) = 0 "
            f"UNION ALL SELECT idx, hash FROM frontier WHERE level = {level})"
        )
    levels = " UNION ALL ".join(
        f"SELECT {level}::smallint AS level, idx, hash FROM p{level}" for level in range(top + 1)
    )
    return ctes, levels


def tree_sql(leaves: str, top: int) -> str:
    ctes, levels = tree_ctes(leaves, top)
    return "WITH " + ", ".join(ctes) + " " + levels


def frontier_params(frontier: dict[merkle.NodeId, bytes]) -> dict[str, object]:
    ids = sorted(frontier)
    return {
        "frontier_levels": [level for level, _ in ids],
        "frontier_idxs": [idx for _, idx in ids],
        "frontier_hashes": [frontier[i] for i in ids],
    }


def fetch_nodes(
    con: Connection, wanted: Iterable[merkle.NodeId], table: str = "nodes"
) -> dict[merkle.NodeId, bytes]:
    """The nodes of `wanted` found in `table` (missing ones are simply absent)."""
    ids = sorted(set(wanted))
    if not ids:
        return {}
    rows = con.execute(
        f"SELECT n.level, n.idx, n.hash FROM {table} AS n JOIN unnest(%(levels)s::smallint[], "
        "%(idxs)s::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx",
        {"levels": [lv for lv, _ in ids], "idxs": [i for _, i in ids]},
    ).fetchall()
    return {(int(lv), int(i)): bytes(h) for lv, i, h in rows}


# -- verify --------------------------------------------------------------------------------------


def gather_postgres(con: Connection, sizes: Iterable[int]) -> tuple[LedgerFacts, RootAt]:
    """`verify.gather_duckdb` for PostgreSQL, in the current (read-only) transaction. `sizes`
    are the tree sizes whose roots `judge` will ask for; any other costs one more rebuild."""
    ((size,),) = con.execute("SELECT coalesce(max(size), 0) FROM batches").fetchall()
    ((rows, max_seq, min_seq),) = con.execute(
        "SELECT count(*), max(seq), min(seq) FROM entries"
    ).fetchall()
    end = 0 if max_seq is None else int(max_seq) + 1
    facts = LedgerFacts(size=int(size), rows=int(rows), end=end)
    facts.batches = [
        (int(a), int(b))
        for a, b in con.execute("SELECT first_seq, size FROM batches ORDER BY size").fetchall()
    ]
    for seq, copies, total in con.execute(
        f"""SELECT seq, count(*), count(*) OVER () FROM entries GROUP BY seq
            HAVING count(*) > 1 ORDER BY seq LIMIT {NAMED}"""
    ).fetchall():
        facts.duplicates.append((int(seq), int(copies)))
        facts.duplicate_count = int(total)
    if facts.duplicates or facts.rows != facts.end or (min_seq is not None and min_seq != 0):
        gaps = con.execute(
            f"""WITH present AS (SELECT DISTINCT seq FROM entries UNION ALL SELECT -1),
                     runs AS (SELECT seq, lead(seq) OVER (ORDER BY seq) AS next FROM present)
                SELECT seq + 1, next, count(*) OVER () FROM runs WHERE next > seq + 1
                ORDER BY seq LIMIT {NAMED}"""
        ).fetchall()
        facts.gaps = [(int(a), int(b)) for a, b, _ in gaps]
        facts.gap_count = int(gaps[0][2]) if gaps else 0

    # Duplicated seqs would make the rebuilt tree ambiguous: one row each (they are reported).
    leaves = (
        f"SELECT DISTINCT ON (seq) seq AS idx, {LEAF_SQL} AS hash FROM entries "
        f"ORDER BY seq, {LEAF_SQL}"
        if facts.duplicates
        else f"SELECT seq AS idx, {LEAF_SQL} AS hash FROM entries"
    )
    top = top_level(facts.end)
    wanted_sizes = {*sizes, *(b for _, b in facts.batches)}
    found = _rebuild(con, facts, leaves, top, wanted_sizes, diff=True)
    asked = {w for n in wanted_sizes if 0 < n <= facts.end for w in merkle.root_nodes(n)}

    named = sorted({*facts.edited, *facts.unhashed, *(s for s, _ in facts.duplicates)})
    if named:
        facts.described = {
            int(s): (str(p), str(d))
            for s, p, d in con.execute(
                "SELECT seq, provider, document_ref FROM entries WHERE seq = ANY(%(s)s)",
                {"s": named},
            ).fetchall()
        }

    def root_at(n: int) -> bytes | None:
        wanted = merkle.root_nodes(n)
        if not asked.issuperset(wanted):
            found.update(_rebuild(con, facts, leaves, top, {n}, diff=False))
            asked.update(wanted)
        if any(w not in found for w in wanted):
            return None
        return merkle.fold_range([found[w] for w in wanted])

    return facts, root_at


def _rebuild(
    con: Connection,
    facts: LedgerFacts,
    leaves: str,
    top: int,
    sizes: set[int],
    *,
    diff: bool,
) -> dict[merkle.NodeId, bytes]:
    """Rebuild the tree in one statement; with `diff`, record in `facts` the rebuilt nodes that
    differ from the stored ones. Returns the rebuilt nodes of the compact ranges of `sizes`."""
    wanted = sorted({w for n in sizes if n > 0 for w in merkle.root_nodes(n)})
    ctes, levels = tree_ctes(leaves, top)
    ctes.append(f"tree AS MATERIALIZED ({levels})")
    parts = [
        "SELECT 'node' AS what, t.level, t.idx, t.hash, NULL::boolean AS unstored, "
        "NULL::bigint AS total FROM tree AS t JOIN unnest(%(levels)s::smallint[], "
        "%(idxs)s::bigint[]) AS w(level, idx) ON t.level = w.level AND t.idx = w.idx"
    ]
    if diff:
        parts.append(
            f"""SELECT 'diff', level, idx, NULL, unstored, total FROM (
                SELECT v.level, v.idx, s.hash IS NULL AS unstored,
                       count(*) OVER (PARTITION BY v.level = 0) AS total,
                       row_number() OVER (PARTITION BY v.level = 0 ORDER BY v.level, v.idx) AS n
                FROM tree AS v LEFT JOIN nodes AS s ON s.level = v.level AND s.idx = v.idx
                WHERE s.hash IS DISTINCT FROM v.hash) AS d WHERE n <= {NAMED}"""
        )
    sql = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(parts) + " ORDER BY 2, 3"
    params: dict[str, object] = {
        **frontier_params({}),
        "levels": [lv for lv, _ in wanted],
        "idxs": [i for _, i in wanted],
    }
    found: dict[merkle.NodeId, bytes] = {}
    for what, level, idx, hash_, unstored, total in con.execute(sql, params).fetchall():
        if what == "node":
            found[int(level), int(idx)] = bytes(hash_)
        elif level == 0:
            (facts.unhashed if unstored else facts.edited).append(int(idx))
            facts.edited_count = int(total)
        else:
            facts.node_mismatches.append((int(level), int(idx)))
            facts.node_mismatch_count = int(total)
    return found


# -- moving rows between Arrow and the server ------------------------------------------------

_COPY_CHUNK = 65_536


def unnest_keys(columns: tuple[str, ...]) -> str:
    params = ", ".join(f"%({c})s::text[]" for c in columns)
    return f"unnest({params}) AS k({', '.join(columns)})"


def arrow_rows(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> pa.Table:
    """Rows as an Arrow table with the types DuckDB's lookups give."""
    import pyarrow as pa

    types = {
        "seq": pa.int64(),
        "refers_to": pa.int64(),
        "subject_birth_date": pa.date32(),
        "decision_date": pa.date32(),
        "received_at": pa.timestamp("us"),
    }
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pa.table(
        {c: pa.array(v, types.get(c, pa.string())) for c, v in zip(columns, values, strict=True)}
    )


def refuse_nul(batch: pa.Table) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    for name in batch.column_names:
        column = batch.column(name)
        if pa.types.is_string(column.type) and pc.any(pc.match_substring(column, "\x00")).as_py():
            row = pc.index(pc.match_substring(column, "\x00"), True).as_py()
            raise LedgerError(
                f"batch row {row}: {name} holds a NUL character (U+0000), which PostgreSQL text "
                "cannot store; nothing appended"
            )


def csv_chunks(table: pa.Table) -> Iterator[bytes]:
    """CSV without a header: pyarrow quotes every string and leaves nulls unquoted and empty,
    which is how COPY's CSV format tells NULL from ''."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    options = pacsv.WriteOptions(include_header=False)
    for chunk in table.to_batches(max_chunksize=_COPY_CHUNK):
        sink = pa.BufferOutputStream()
        pacsv.write_csv(pa.Table.from_batches([chunk]), sink, write_options=options)
        yield sink.getvalue().to_pybytes()
