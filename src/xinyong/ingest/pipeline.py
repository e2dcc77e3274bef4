"""Ingest a records file: stage, validate, resolve, write rejects, append in atomic batches.

The pipeline (see README.md beside this file):

1. `read.stage` loads the file into an in-memory DuckDB as text, each row with its line.
2. `validate.build_checked` lists every problem of every row, vectorised.
3. `resolve.resolve` sorts valid rows into accepted, duplicates (of the file or of the ledger) and
   conflicts, and resolves what corrections and other acts refer to.
4. The rejects file is written (atomically) before anything is appended, so a crash never leaves a
   half-written one, and a re-run writes the same one.
5. Accepted rows are appended in batches of at most `batch_rows`, each batch all in or all out
   with its own signed checkpoint. A crash between batches leaves a consistent ledger; re-running
   the same file skips what was committed (idempotency key) and appends the rest in the same
   order. Every batch but the last is a whole number of the store's `append_alignment` rows
   (`batch_bounds`, counted from the file's first accepted row), which for DuckDB saves
   rewriting rows at the next checkpoint.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from xinyong.domain.masking import mask_identifiers_sql, mask_value_sql
from xinyong.ingest.read import INPUT_COLUMNS, InputFormat, stage
from xinyong.ingest.resolve import resolve
from xinyong.ingest.sqlbuild import col, lit, sql
from xinyong.ingest.validate import build_checked
from xinyong.storage.base import BATCH_COLUMN_NAMES

if TYPE_CHECKING:
    import duckdb

    from xinyong.domain.catalogue import Catalogue
    from xinyong.domain.identifiers import SchemeRegistry
    from xinyong.storage.base import LedgerStore

log = structlog.get_logger(__name__)

Progress = Callable[[str, int, int], None]
"""Called as (phase, done, total) while ingesting; phases: read, validate, append."""


@dataclass(frozen=True)
class IngestReport:
    path: Path
    format: InputFormat
    rows: int
    accepted: int
    duplicates: int
    already_in_ledger: int
    rejected: int
    rejects_path: Path | None
    batches: int
    ledger_size: int
    root: str
    seconds: float


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


def ingest_file(
    path: Path,
    *,
    store: LedgerStore,
    catalogue: Catalogue,
    schemes: SchemeRegistry,
    pseudonym_key: bytes,
    batch_rows: int,
    rejects_path: Path | None = None,
    fmt: InputFormat | None = None,
    today: date,
    progress: Progress | None = None,
) -> IngestReport:
    """Validate `path` and append its accepted rows to `store`; see the module docstring."""
    import duckdb

    started = time.perf_counter()
    fmt = fmt or InputFormat.of(path)
    rejects_path = rejects_path or default_rejects_path(path)
    report = progress or (lambda phase, done, total: None)
    # A scratch database: its tables live for this call. DuckDB checkpoints an in-memory
    # database too, once 16 MiB have been written since the last, and that compresses every
    # table so far (dictionary, FSST), about to be dropped anyway: ≈ 0.8 CPU-s per 1M rows.
    con = duckdb.connect(config={"checkpoint_threshold": "1TB"})
    try:
        report("read", 0, 1)
        staged = stage(con, path, fmt)
        report("read", 1, 1)
        report("validate", 0, 1)
        build_checked(
            con,
            catalogue,
            schemes,
            today=today,
            pseudonym_key=pseudonym_key,
        )
        resolve(con, store)
        report("validate", 1, 1)
        counts = _counts(con)
        rejected = counts["rejected"] + staged.unreadable
        public = [sch.name for sch in schemes if not sch.personal]
        written = _write_rejects(con, rejects_path, public) if rejected else None
        if not rejected and rejects_path.exists():
            rejects_path.unlink()  # a stale rejects file would describe another run
        accepted = con.sql(
            f"SELECT {', '.join(BATCH_COLUMN_NAMES)} FROM accepted ORDER BY _line"
        ).to_arrow_table()
        batches = 0
        total = accepted.num_rows
        report("append", 0, total)
        # Units counted from this file's first row, not from the ledger's size: a top-up of
        # the ledger's last, partial row group (entry 0 alone after `init`) is merged with it
        # by DuckDB's next checkpoint (≈ 0.3 CPU-s at close after a 1M-row ingest), whereas a
        # partial row group followed by whole ones is left as it is.
        bounds = batch_bounds(0, total, batch_rows, store.append_alignment)
        for start, stop in bounds:
            store.append(accepted.slice(start, stop - start), datetime.now(UTC))
            batches += 1
            report("append", stop, total)
    finally:
        con.close()
    size = store.size()
    result = IngestReport(
        path=path,
        format=fmt,
        rows=staged.rows + staged.unreadable,
        accepted=total,
        duplicates=counts["duplicate"],
        already_in_ledger=counts["in_ledger"],
        rejected=rejected,
        rejects_path=written,
        batches=batches,
        ledger_size=size,
        root=store.root(size).hex() if size else "",
        seconds=time.perf_counter() - started,
    )
    log.info("ingest", path=str(path), accepted=total, rejected=rejected, batches=batches)
    return result


def batch_bounds(size: int, total: int, batch_rows: int, alignment: int) -> list[tuple[int, int]]:
    """`(start, stop)` offsets into `total` rows appended to a ledger of `size` entries, at most
    `batch_rows` rows each: every batch but the last ends where the ledger's size is a multiple
    of `alignment` (`LedgerStore.append_alignment`), as many whole units as fit in `batch_rows`
    (the first batch tops up the unit the ledger's end is in). With `batch_rows` below
    `alignment`, plain batches of `batch_rows`.

    >>> batch_bounds(0, 10, 4, 1)
    [(0, 4), (4, 8), (8, 10)]
    >>> batch_bounds(0, 10, 5, 2)
    [(0, 4), (4, 8), (8, 10)]
    >>> batch_bounds(3, 14, 5, 2)
    [(0, 5), (5, 9), (9, 14)]
    >>> batch_bounds(0, 3, 1, 2)
    [(0, 1), (1, 2), (2, 3)]
    """
    bounds: list[tuple[int, int]] = []
    start = 0
    while start < total:
        stop = min(start + batch_rows, total)
        if stop < total:
            end = (size + stop) // alignment * alignment - size  # the last boundary within reach
            stop = end if end > start else stop
        bounds.append((start, stop))
        start = stop
    return bounds


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        """
        SELECT status, count(*) FROM (
            SELECT 'rejected' AS status FROM checked WHERE problems IS NOT NULL
            UNION ALL SELECT status FROM outcome
        ) GROUP BY status
        """
    ).fetchall()
    counts = {"accepted": 0, "duplicate": 0, "in_ledger": 0, "rejected": 0}
    counts.update({str(s): int(n) for s, n in rows})
    return counts


def _masked(column: str, public_schemes: list[str]) -> str:
    """A staged column as the rejects file shows it: an identifier under a scheme that is not
    known to be public masked whole (a USCC is public, and many are 17 digits and an X, so
    the resident ID pattern would hide them too), resident-ID-like runs in other text masked."""
    value = f"s.{sql(col(column))}"
    if column != "subject_id":
        return mask_identifiers_sql(value)
    if not public_schemes:
        return mask_value_sql(value)
    public = f"trim(s.subject_scheme) IN ({', '.join(lit(n) for n in public_schemes)})"
    return f"CASE WHEN coalesce({public}, false) THEN {value} ELSE {mask_value_sql(value)} END"


def _write_rejects(con: duckdb.DuckDBPyConnection, target: Path, public_schemes: list[str]) -> Path:
    """Every rejected row with its line, fields and reasons, and its input values, identifiers
    of individuals masked (`domain.masking`); readable by the owner alone (0600)."""
    inputs = ", ".join(sql(col(c)) for c in INPUT_COLUMNS)
    nulls = ", ".join(f"NULL AS {sql(col(c))}" for c in INPUT_COLUMNS)
    staged = ", ".join(f"{_masked(c, public_schemes)} AS {sql(col(c))}" for c in INPUT_COLUMNS)
    query = f"""
        SELECT _line AS line, field, {mask_identifiers_sql("reason")} AS reason, {inputs}, raw
        FROM (
            SELECT c._line,
                   array_to_string(list_transform(c.problems, lambda p: p.field), '; ') AS field,
                   array_to_string(
                       list_transform(c.problems, lambda p: p.field || ': ' || p.reason), '; '
                   ) AS reason,
                   {staged}, NULL AS raw
            FROM checked c JOIN staged s USING (_line) WHERE c.problems IS NOT NULL
            UNION ALL
            SELECT o._line, o.field, o.field || ': ' || o.reason, {staged}, NULL
            FROM outcome o JOIN staged s USING (_line) WHERE o.status = 'rejected'
            UNION ALL
            SELECT _line, '(row)', '(row): ' || reason, {nulls}, {mask_identifiers_sql("raw")}
            FROM unreadable
        ) ORDER BY _line
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    # Created 0600 before DuckDB writes into it, so it is never readable by others, even briefly.
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
    con.execute(f"COPY ({query}) TO {lit(str(partial))} (HEADER, DELIMITER ',')")
    os.chmod(partial, 0o600)
    os.replace(partial, target)
    return target


__all__ = ["IngestReport", "batch_bounds", "default_rejects_path", "ingest_file"]
