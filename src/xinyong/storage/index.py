"""The decision index: the latest evaluation's relations, kept in the workspace's DuckDB file.

A relying party's check reads a subject's rows here (an ART index on `subject_key` makes that a
point lookup), never the ledger. `replace` swaps in a whole evaluation; `replace_subjects` swaps
in one for some subjects only, after an append re-evaluated them (docs/concepts/evaluation.md).
The tables are derived data: `xinyong evaluate` can always rebuild them, and they are not part
of what the checkpoints sign.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.engines.results import RELATIONS, Results
from xinyong.errors import NotFound

if TYPE_CHECKING:
    import duckdb

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
}


def _table(relation: str) -> str:
    return f"index_{relation}"


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS index_meta (as_of DATE NOT NULL, pack_version VARCHAR NOT NULL,"
        " result_hash VARCHAR, evaluated_at TIMESTAMP NOT NULL, ledger_size BIGINT NOT NULL)"
    )
    for name, cols in RELATIONS.items():
        spec = ", ".join(f"{c} {_TYPES[c]}" for c in cols)
        con.execute(f"CREATE TABLE IF NOT EXISTS {_table(name)} ({spec})")
        con.execute(
            f"CREATE INDEX IF NOT EXISTS {_table(name)}_subject ON {_table(name)} (subject_key)"
        )


class IndexMeta:
    def __init__(
        self, as_of: date, pack_version: str, result_hash: str | None, ledger_size: int
    ) -> None:
        self.as_of = as_of
        self.pack_version = pack_version
        self.result_hash = result_hash
        self.ledger_size = ledger_size


def meta(con: duckdb.DuckDBPyConnection) -> IndexMeta | None:
    import duckdb

    try:
        row = con.execute(
            "SELECT as_of, pack_version, result_hash, ledger_size FROM index_meta"
        ).fetchone()
    except duckdb.CatalogException:  # no evaluation has run in this workspace yet
        return None
    if row is None:
        return None
    return IndexMeta(row[0], row[1], row[2], row[3])


def replace(
    con: duckdb.DuckDBPyConnection, results: Results, *, ledger_size: int, now: datetime
) -> None:
    """Swap in a whole evaluation, atomically."""
    ensure(con)
    con.execute("BEGIN TRANSACTION")
    try:
        for name in RELATIONS:
            con.execute(f"DELETE FROM {_table(name)}")
            _insert(con, name, results[name])
        con.execute("DELETE FROM index_meta")
        con.execute(
            "INSERT INTO index_meta VALUES (?, ?, ?, ?, ?)",
            [results.as_of, results.pack_version, results.hash(), now, ledger_size],
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
    ledger_size: int,
) -> None:
    """Swap in `results` for `subjects` only (an incremental re-evaluation on the index date)."""
    keys = sorted(set(subjects))
    found = meta(con)
    if found is None or found.as_of != results.as_of or found.pack_version != results.pack_version:
        raise NotFound("no index for this date and pack version to update; run `xinyong evaluate`")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE index_scope (subject_key VARCHAR)")
        con.executemany("INSERT INTO index_scope VALUES (?)", [(k,) for k in keys])
        for name in RELATIONS:
            con.execute(
                f"DELETE FROM {_table(name)} WHERE subject_key IN "
                "(SELECT subject_key FROM index_scope)"
            )
            _insert(con, name, results[name])
        # the whole-index hash no longer describes a full evaluation
        con.execute("UPDATE index_meta SET result_hash = NULL, ledger_size = ?", [ledger_size])
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


def lookup(
    con: duckdb.DuckDBPyConnection, found: IndexMeta, subject_key: str, action: str | None = None
) -> Results:
    """One subject's rows of the index. With `action`, the reasons (listings, scores) are read
    only when some measure touches that action: most checks are allowed, and need nothing more."""
    results = Results(found.as_of, found.pack_version)
    decisions = "SELECT subject_key, action, measure_name, outcome FROM index_decisions"
    if action is None:
        rows = con.execute(decisions + " WHERE subject_key = ?", [subject_key]).fetchall()
    else:
        rows = con.execute(
            decisions + " WHERE subject_key = ? AND action = ?", [subject_key, action]
        ).fetchall()
    results.relations["decisions"] = rows
    if not rows:
        return results
    for name, cols in RELATIONS.items():
        if name != "decisions":
            results.relations[name] = con.execute(
                f"SELECT {', '.join(cols)} FROM {_table(name)} WHERE subject_key = ?",
                [subject_key],
            ).fetchall()
    return results


class DecisionLog:
    """Every check, one JSON line each, appended to a file beside the ledger: who asked, why, as
    which audience (what they were shown), about whom (the pseudonymous key), for which action
    and date, and the answer.

    A line is flushed to the operating system as it is written, so a crashed process loses
    none; `sync_every` lines are also forced to disk (a database commit per check would cost
    more than the check itself).
    """

    def __init__(self, path: Path, *, sync_every: int = 64) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = path.open("a", encoding="utf-8")
        self._sync_every = sync_every
        self._pending = 0

    def write(
        self,
        *,
        at: datetime,
        subject_key: str,
        action: str,
        outcome: str,
        as_of: date,
        pack_version: str,
        asked_by: str | None,
        purpose: str | None,
        measures: list[str],
        audience: str | None = None,
    ) -> None:
        line = {
            "asked_at": at.isoformat(),
            "asked_by": asked_by,
            "purpose": purpose,
            "audience": audience,
            "subject_key": subject_key,
            "action": action,
            "as_of": as_of.isoformat(),
            "outcome": outcome,
            "measures": measures,
            "pack_version": pack_version,
        }
        self._fh.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()
        self._pending += 1
        if self._pending >= self._sync_every:
            self.sync()

    def sync(self) -> None:
        os.fsync(self._fh.fileno())
        self._pending = 0

    def close(self) -> None:
        if not self._fh.closed:
            self.sync()
            self._fh.close()
