"""The decision index: the latest evaluation's relations, kept in the workspace's DuckDB file.

A relying party's check reads a subject's rows here (an ART index on `subject_key` makes that a
point lookup), never the ledger. `replace` swaps in a whole evaluation; `replace_subjects` swaps
in one for some subjects only, after an append re-evaluated them (docs/concepts/evaluation.md).
The tables are derived data: `xinyong evaluate` can always rebuild them, and they are not part
of what the checkpoints sign. They are *bound* to what they were derived from instead: the meta
row holds the ledger size and root, the pack version, the date and a digest of every index row,
and a seal, those facts signed by the log's key (`xinyong-index-v1`). So

- a checker refuses an index whose seal does not verify or whose ledger root is not the ledger's
  (a cheap check, once per checker: one signature and ≤ log2 n stored nodes), and falls back to
  evaluating the subject alone when the index is merely behind (entries appended, another pack);
- `verify` recomputes the digest of the rows, so an edited row is found, and whoever can write
  the workspace but not read the signing key cannot make a new seal for the rows they edited.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from xinyong.domain.results import RELATIONS, Results
from xinyong.errors import LedgerError, NotFound, TamperDetected

if TYPE_CHECKING:
    import duckdb

SEAL_TAG = "xinyong-index-v1"
REBUILD = "run `xinyong verify`, then `xinyong evaluate` to rebuild the decision index"


class Opener(Protocol):
    """What checking a seal needs: the log's name and its key (`CheckpointStore` is one)."""

    origin: str

    def open_statement(self, text: str, source: str) -> str: ...


class Sealer(Opener, Protocol):
    """What sealing an index needs of the ledger (`DuckDBLedger` is one)."""

    def size(self) -> int: ...

    def indexed_size(self) -> int:
        """How many entries an evaluation on `connection` reads: the ledger's size, or for a
        store whose index reads a copy of the entries (PostgreSQL), the copy's."""

    def root(self, size: int | None = None) -> bytes: ...

    def sign_statement(self, body: str) -> str: ...


_TYPES = {
    "subject_key": "VARCHAR",
    "list_name": "VARCHAR",
    "rule_name": "VARCHAR",
    "anchor_seq": "BIGINT",
    "via_list": "VARCHAR",
    "since": "DATE",
    "until": "DATE",
    "status": "VARCHAR",
    "listings": "BIGINT",
    "scheme_name": "VARCHAR",
    "item_name": "VARCHAR",
    "records": "BIGINT",
    "points": "BIGINT",
    "grade": "VARCHAR",
    "action": "VARCHAR",
    "measure_name": "VARCHAR",
    "outcome": "VARCHAR",
    "via_subject": "VARCHAR",
    "via_role": "VARCHAR",
}


def _table(relation: str) -> str:
    return f"index_{relation}"


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    columns = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'index_meta'"
        ).fetchall()
    }
    if columns and "seal" not in columns:  # an index from before seals: derived, so rebuilt
        con.execute("DROP TABLE index_meta")
    con.execute(
        "CREATE TABLE IF NOT EXISTS index_meta (as_of DATE NOT NULL, pack_version VARCHAR NOT NULL,"
        " result_hash VARCHAR, evaluated_at TIMESTAMP NOT NULL, ledger_size BIGINT NOT NULL,"
        " ledger_root VARCHAR NOT NULL, digest VARCHAR NOT NULL, seal VARCHAR NOT NULL)"
    )
    for name, cols in RELATIONS.items():
        if _columns(con, name) not in ([], list(cols)):
            # an index written before the relation gained columns: derived data, rebuilt whole
            con.execute(f"DROP TABLE {_table(name)}")
        spec = ", ".join(f"{c} {_TYPES[c]}" for c in cols)
        con.execute(f"CREATE TABLE IF NOT EXISTS {_table(name)} ({spec})")
        con.execute(
            f"CREATE INDEX IF NOT EXISTS {_table(name)}_subject ON {_table(name)} (subject_key)"
        )


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [_table(name)],
    ).fetchall()
    return [r[0] for r in rows]


@dataclass(frozen=True)
class IndexMeta:
    """The index's meta row as stored; trust it only once `open_seal` has checked it."""

    as_of: date
    pack_version: str
    result_hash: str | None
    ledger_size: int
    ledger_root: str  # base64
    digest: str
    seal: str


@dataclass(frozen=True)
class Seal:
    """What the log's key signed about the index: it was computed from the first `size` entries
    (root `root`) with pack `pack_version` as of `as_of`, and its rows have digest `digest`."""

    origin: str
    size: int
    root: bytes
    pack_version: str
    as_of: date
    digest: str

    def body(self) -> str:
        root = base64.b64encode(self.root).decode("ascii")
        return (
            f"{SEAL_TAG}\n{self.origin}\n{self.size}\n{root}\n{self.pack_version}\n"
            f"{self.as_of.isoformat()}\n{self.digest}\n"
        )

    @classmethod
    def parse(cls, body: str) -> Seal:
        lines = body.split("\n")
        if len(lines) != 8 or lines[0] != SEAL_TAG:
            raise TamperDetected(f"decision index seal is not a {SEAL_TAG} statement; {REBUILD}")
        origin, size, root, pack_version, as_of, digest = lines[1:7]
        try:
            return cls(
                origin,
                int(size),
                base64.b64decode(root, validate=True),
                pack_version,
                date.fromisoformat(as_of),
                digest,
            )
        except (binascii.Error, ValueError) as exc:
            raise TamperDetected(f"decision index seal is malformed ({exc}); {REBUILD}") from None


def meta(con: duckdb.DuckDBPyConnection) -> IndexMeta | None:
    import duckdb

    try:
        rows = con.execute(
            "SELECT as_of, pack_version, result_hash, ledger_size, ledger_root, digest, seal "
            "FROM index_meta"
        ).fetchall()
    except (duckdb.CatalogException, duckdb.BinderException):  # none yet, or from before seals
        return None
    if not rows:
        return None
    if len(rows) > 1:
        raise TamperDetected(f"decision index has {len(rows)} meta rows, not one; {REBUILD}")
    if any(_columns(con, n) != list(c) for n, c in RELATIONS.items()):
        return None  # written in an older shape: as good as no index until `evaluate` rebuilds it
    return IndexMeta(*rows[0])


def open_seal(found: IndexMeta, ledger: Opener) -> Seal:
    """The index's seal, signature checked with the ledger's key, and the meta row held to it."""
    try:
        seal = Seal.parse(ledger.open_statement(found.seal, "decision index seal"))
    except TamperDetected as exc:
        raise TamperDetected(f"{exc.message}; the index was edited or forged; {REBUILD}") from None
    stored = (found.ledger_size, found.ledger_root, found.pack_version, found.as_of, found.digest)
    sealed = (
        seal.size,
        base64.b64encode(seal.root).decode("ascii"),
        seal.pack_version,
        seal.as_of,
        seal.digest,
    )
    if seal.origin != ledger.origin or stored != sealed:
        raise TamperDetected(f"decision index meta row differs from its seal: edited; {REBUILD}")
    return seal


Freshness = Literal["fresh", "stale"]


def binding(seal: Seal, ledger: Sealer, pack_version: str) -> Freshness:
    """Whether a sealed index describes this ledger: `fresh` (its size and root, this pack),
    `stale` (computed from an earlier size of this very ledger, or with another pack), or
    `TamperDetected` (computed from a ledger this one is not an extension of)."""
    size = ledger.size()
    short = base64.b64encode(seal.root).decode("ascii")[:12]
    if seal.size > size:
        raise TamperDetected(
            f"decision index was computed from ledger size {seal.size} (root {short}…), but "
            f"the ledger now has {size} entries: truncated, or the index was copied from "
            f"another ledger; {REBUILD}"
        )
    now = ledger.root(seal.size)
    if now != seal.root:
        raise TamperDetected(
            f"decision index was computed from ledger size {seal.size} root {short}…, but the "
            f"ledger's root at size {seal.size} is now "
            f"{base64.b64encode(now).decode('ascii')[:12]}…: the ledger was rewritten, or the "
            f"index comes from another ledger; {REBUILD}"
        )
    if seal.pack_version != pack_version or seal.size < size:
        return "stale"
    return "fresh"


def digest(con: duckdb.DuckDBPyConnection) -> str:
    """One SHA-256 over every index row, in SQL: each row's netstring fields hashed, the hashes
    of a relation sorted and hashed, and the relations' counts and hashes hashed together.
    Independent of row order, so it is the same for one index however it was built."""
    import hashlib

    h = hashlib.sha256()
    for name, cols in RELATIONS.items():
        fields = ", ".join(
            f"coalesce(CAST(strlen(CAST({c} AS VARCHAR)) AS VARCHAR) || ':' || "
            f"CAST({c} AS VARCHAR) || ',', '~')"
            for c in cols
        )
        ((count, relation),) = con.execute(
            f"SELECT count(*), coalesce(sha256(string_agg(h, '' ORDER BY h)), '') "
            f"FROM (SELECT sha256(concat({fields})) AS h FROM {_table(name)})"
        ).fetchall()
        h.update(f"{name}:{count}:{relation}\n".encode())
    return "sha256:" + h.hexdigest()


def _seal(con: duckdb.DuckDBPyConnection, ledger: Sealer, as_of: date, pack: str) -> list[object]:
    """The binding columns and seal of the index as it now is in `con` (inside its
    transaction): ledger size, root, digest and the signed seal."""
    size = ledger.indexed_size()  # what the evaluation read, never more
    seal = Seal(ledger.origin, size, ledger.root(size), pack, as_of, digest(con))
    root = base64.b64encode(seal.root).decode("ascii")
    return [size, root, seal.digest, ledger.sign_statement(seal.body())]


def replace(
    con: duckdb.DuckDBPyConnection, results: Results, *, ledger: Sealer, now: datetime
) -> None:
    """Swap in a whole evaluation, bound to the ledger's size and root and sealed, atomically."""
    ensure(con)
    con.execute("BEGIN TRANSACTION")
    try:
        for name in RELATIONS:
            con.execute(f"DELETE FROM {_table(name)}")
            _insert(con, name, results[name])
        con.execute("DELETE FROM index_meta")
        bound = _seal(con, ledger, results.as_of, results.pack_version)
        con.execute(
            "INSERT INTO index_meta VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [results.as_of, results.pack_version, results.hash(), now, *bound],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def replace_subjects(
    con: duckdb.DuckDBPyConnection,
    results: Results,
    subjects: Iterable[str],
    *,
    ledger: Sealer,
) -> None:
    """Swap in `results` for `subjects` only (an incremental re-evaluation on the index date),
    then bind and seal the index to the ledger's new size. The old seal must hold: an edited
    index is never re-sealed."""
    keys = sorted(set(subjects))
    found = meta(con)
    if found is None or found.as_of != results.as_of or found.pack_version != results.pack_version:
        raise NotFound("no index for this date and pack version to update; run `xinyong evaluate`")
    seal = open_seal(found, ledger)
    if digest(con) != seal.digest:
        raise TamperDetected(f"decision index rows differ from their sealed digest; {REBUILD}")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE index_scope (subject_key VARCHAR)")
        if keys:  # none: only workflow steps were appended, the index is only sealed again
            con.executemany("INSERT INTO index_scope VALUES (?)", [(k,) for k in keys])
        for name in RELATIONS:
            con.execute(
                f"DELETE FROM {_table(name)} WHERE subject_key IN "
                "(SELECT subject_key FROM index_scope)"
            )
            _insert(con, name, results[name])
        # the whole-index hash no longer describes a full evaluation
        con.execute(
            "UPDATE index_meta SET result_hash = NULL, ledger_size = ?, ledger_root = ?, "
            "digest = ?, seal = ?",
            _seal(con, ledger, found.as_of, found.pack_version),
        )
        con.execute("DROP TABLE index_scope")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _insert(con: duckdb.DuckDBPyConnection, name: str, rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    import pyarrow as pa

    cols = RELATIONS[name]
    table = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    con.register("index_rows", table)
    try:
        casts = ", ".join(f"CAST({c} AS {_TYPES[c]})" for c in cols)
        con.execute(f"INSERT INTO {_table(name)} SELECT {casts} FROM index_rows")
    finally:
        con.unregister("index_rows")


def rows(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[object, ...]]:
    """Every row of one relation of the index, in `RELATIONS` column order."""
    return con.execute(f"SELECT {', '.join(RELATIONS[name])} FROM {_table(name)}").fetchall()


def lookup(
    con: duckdb.DuckDBPyConnection, found: IndexMeta, subject_key: str, action: str | None = None
) -> Results:
    """One subject's rows of the index. With `action`, the reasons (listings, scores) are read
    only when some measure touches that action: most checks are allowed, and need nothing more."""
    results = Results(found.as_of, found.pack_version)
    decisions = f"SELECT {', '.join(RELATIONS['decisions'])} FROM index_decisions"
    if action is None:
        rows = con.execute(decisions + " WHERE subject_key = ?", [subject_key]).fetchall()
    else:
        rows = con.execute(
            decisions + " WHERE subject_key = ? AND action = ?", [subject_key, action]
        ).fetchall()
    results.relations["decisions"] = rows
    if not rows:
        return results
    # a measure reaching the subject as an entity's officer: that entity's reasons too
    keys = sorted({subject_key, *(str(r[4]) for r in rows if r[4] is not None)})
    marks = ", ".join("?" for _ in keys)
    for name, cols in RELATIONS.items():
        if name != "decisions":
            results.relations[name] = con.execute(
                f"SELECT {', '.join(cols)} FROM {_table(name)} WHERE subject_key IN ({marks})",
                keys,
            ).fetchall()
    return results


def verify_index(
    con: duckdb.DuckDBPyConnection,
    ledger: Opener,
    root_at: Callable[[int], bytes | None],
    end: int,
) -> tuple[list[str], list[str]]:
    """Problems and notes about the decision index for `verify`: its seal under the pinned key,
    its binding to the rebuilt tree (`root_at`, `end` entries), and the digest of its rows."""
    found = meta(con)
    if found is None:
        return [], ["no decision index (nothing evaluated yet)"]
    try:
        seal = open_seal(found, ledger)
    except LedgerError as exc:
        return [f"decision index: {exc.message}"], []
    if seal.size > end:
        return [
            f"decision index was computed from ledger size {seal.size}, but the ledger holds "
            f"{end} entries; {REBUILD}"
        ], []
    if seal.size and root_at(seal.size) != seal.root:
        return [
            f"decision index was computed from ledger size {seal.size} with a root the ledger "
            f"does not have at that size; {REBUILD}"
        ], []
    rows = digest(con)
    if rows != seal.digest:
        return [
            f"decision index rows were edited: their digest is {rows[:19]}…, the seal signs "
            f"{seal.digest[:19]}…; {REBUILD}"
        ], []
    behind = f", {end - seal.size} entries behind" if seal.size < end else ""
    return [], [
        f"decision index as of {seal.as_of} (pack {seal.pack_version}, ledger size "
        f"{seal.size}{behind}): seal and rows verified"
    ]
