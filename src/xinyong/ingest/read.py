"""Read an input file (CSV, JSON Lines, Parquet) into a staging table of text columns.

Every input row lands in `staged` with its location (`_line`: the physical line in CSV and JSON
Lines, the 1-based row in Parquet) and every input column as VARCHAR, so nothing is lost to type
coercion before validation can say what is wrong. Rows the reader cannot split at all (wrong
number of CSV fields, invalid UTF-8, a JSON line that is not an object) go to `unreadable`
with the reader's reason and the raw text.
"""

from __future__ import annotations

import csv
import difflib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sqlglot import exp

from xinyong.errors import IngestError
from xinyong.ingest.encoding import newline_count, not_utf8, record_lines
from xinyong.ingest.sqlbuild import col, expr, lit, sql, statement

if TYPE_CHECKING:
    import duckdb

REQUIRED_COLUMNS: tuple[str, ...] = (
    "provider",
    "record_type",
    "subject_scheme",
    "subject_id",
    "subject_kind",
    "decision_date",
    "document_ref",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("entry_kind", "attributes", "refers_to", "refers_to_provider")
INPUT_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


class InputFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"

    @classmethod
    def of(cls, path: Path) -> InputFormat:
        suffix = path.suffix.lower().lstrip(".")
        aliases = {"csv": cls.csv, "jsonl": cls.jsonl, "ndjson": cls.jsonl, "parquet": cls.parquet}
        if suffix not in aliases:
            raise IngestError(
                f"{path}: cannot tell the format from the extension {path.suffix!r}",
                details=["use .csv, .jsonl (or .ndjson) or .parquet, or pass --format"],
            )
        return aliases[suffix]


@dataclass(frozen=True)
class Staged:
    """What the reader staged: `rows` rows in `staged`, `unreadable` rows set aside."""

    rows: int
    unreadable: int
    columns: tuple[str, ...]


def check_columns(path: Path, columns: list[str]) -> None:
    """Refuse a file whose columns are not the input columns, naming each wrong one."""
    problems: list[str] = []
    for name in columns:
        if name not in INPUT_COLUMNS:
            close = difflib.get_close_matches(name, INPUT_COLUMNS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown column {name!r}{hint}")
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.append(f"column {name!r} appears twice")
        seen.add(name)
    problems += [f"missing column {c!r}" for c in REQUIRED_COLUMNS if c not in columns]
    if problems:
        raise IngestError(
            f"{path}: the columns are not those of a records file",
            details=[*problems, f"expected: {', '.join(INPUT_COLUMNS)}"],
        )


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{path}: {not_utf8(path) or exc}") from exc
    except OSError as exc:
        raise IngestError(f"{path}: cannot read the header: {exc}") from exc
    if not header:
        raise IngestError(f"{path}:1: the file is empty; a header line is required")
    return [h.strip() for h in header]


def _select_staged(present: tuple[str, ...], source: str) -> str:
    """SELECT list projecting every input column (NULL where absent) plus `_line`."""
    parts = ["_line"]
    for name in INPUT_COLUMNS:
        value = col(name) if name in present else expr("CAST(NULL AS VARCHAR)")
        parts.append(f"{sql(value)} AS {sql(col(name))}")
    parts.append("CAST([] AS VARCHAR[]) AS _unknown_fields")
    return f"SELECT {', '.join(parts)} FROM {source}"


def stage(con: duckdb.DuckDBPyConnection, path: Path, fmt: InputFormat | None = None) -> Staged:
    """Load `path` into the tables `staged` and `unreadable` of `con`."""
    if path.is_dir():
        raise IngestError(f"{path}: is a directory, not a file")
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    fmt = fmt or InputFormat.of(path)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE unreadable (_line BIGINT, reason VARCHAR, raw VARCHAR)"
    )
    if fmt is InputFormat.csv:
        present = _stage_csv(con, path)
    elif fmt is InputFormat.jsonl:
        present = _stage_jsonl(con, path)
    else:
        present = _stage_parquet(con, path)
    counts = con.execute(
        "SELECT (SELECT count(*) FROM staged), (SELECT count(*) FROM unreadable)"
    ).fetchone()
    assert counts is not None
    return Staged(rows=int(counts[0]), unreadable=int(counts[1]), columns=present)


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, ...]:
    header = _csv_header(path)
    check_columns(path, header)
    import duckdb

    columns = {name: "VARCHAR" for name in header}
    # The header is read by csv above; DuckDB then reads with a fixed dialect (no sniffing) so
    # a file is never parsed differently from how its header was understood. No WITH
    # ORDINALITY: it makes DuckDB parse on one thread (≈ 2× the wall time); a row's ordinal is
    # its rowid + 1 instead, the rows being stored in file order (`_keep_file_order`).
    scan = statement(
        "SELECT * FROM read_csv(:path, columns = :columns, header = TRUE, auto_detect = FALSE,"
        " delim = ',', quote = '\"', escape = '\"', store_rejects = TRUE,"
        " rejects_table = 'ingest_csv_errors', rejects_scan = 'ingest_csv_scans',"
        " null_padding = FALSE, strict_mode = TRUE)",
        path=str(path),
        columns=_struct(columns),
    )
    _keep_file_order(con)
    # The file's newlines are counted on a thread while DuckDB parses it (DuckDB releases the
    # GIL): ~1 s per 200 MB of CPU on a loaded machine, which would otherwise add to the wall.
    newlines = ThreadPoolExecutor(1, thread_name_prefix="xinyong-lines")
    counted = newlines.submit(newline_count, path)
    newlines.shutdown(wait=False)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE csv_rows AS {scan}")
    except duckdb.Error as exc:
        raise IngestError(f"{path}: cannot be read as CSV: {exc}") from exc
    _refuse_if_not_utf8(con, path, "ingest_csv_errors")
    # Rows DuckDB could not split are in its rejects table with their line; an accepted row's
    # line is its ordinal plus the header plus the rejected lines before it (an ASOF join).
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE unreadable AS
        SELECT line AS _line, any_value(error_message) AS reason, any_value(csv_line) AS raw
        FROM ingest_csv_errors GROUP BY line
        """
    )
    n_unreadable = con.execute("SELECT count(*) FROM unreadable").fetchall()[0][0]
    if _map_physical_lines(con, path, len(header), n_unreadable, counted.result()):
        source = (
            "(SELECT r.*, m._line FROM (SELECT *, rowid + 1 AS ordinality FROM csv_rows) r"
            " JOIN csv_line_map m USING (ordinality))"
        )
    elif not n_unreadable:
        source = "(SELECT *, rowid + 2 AS _line FROM csv_rows)"
    else:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE csv_shift AS
            SELECT before_it, max(skipped) AS skipped FROM (
                SELECT _line - 2 - (row_number() OVER (ORDER BY _line) - 1) AS before_it,
                       row_number() OVER (ORDER BY _line) AS skipped
                FROM unreadable
            ) GROUP BY before_it
            """
        )
        # The ASOF join that renumbers lines sorts what it carries, so it carries the ordinal
        # alone; the rows get their line by an equi-join on it.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE csv_lines AS
            SELECT r.ordinality, r.ordinality + 1 + coalesce(s.skipped, 0) AS _line
            FROM (SELECT rowid + 1 AS ordinality FROM csv_rows) r
            ASOF LEFT JOIN csv_shift s ON r.ordinality > s.before_it
            """
        )
        source = (
            "(SELECT r.*, l._line FROM (SELECT *, rowid + 1 AS ordinality FROM csv_rows) r"
            " JOIN csv_lines l USING (ordinality))"
        )
    # A view, not a copy: validation reads it once (into `norm`), the rejects file once more.
    select = _select_staged(tuple(header), source)
    con.execute(f"CREATE OR REPLACE TEMP VIEW staged AS {select}")
    return tuple(header)


def _refuse_if_not_utf8(con: duckdb.DuckDBPyConnection, path: Path, errors: str) -> None:
    """A file with a byte that is not UTF-8 anywhere (DuckDB checks every row) is refused whole,
    named as such: in another encoding every row with a non-ASCII character is wrong."""
    bad = con.execute(
        f"SELECT min(line) FROM {errors} WHERE error_type = 'INVALID ENCODING'"
    ).fetchall()[0][0]
    if bad is not None:
        raise IngestError(f"{path}: {not_utf8(path) or 'expected UTF-8'}")


def _map_physical_lines(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fields: int,
    n_unreadable: int,
    newlines_in_file: tuple[int, bool],
) -> bool:
    """When records do not each take one line (a quoted field spans lines, a blank line is
    skipped), create `csv_line_map(ordinality, _line)` giving each row of `csv_rows` its first
    physical line, and renumber `unreadable` likewise; False when every record is one line (the
    ordinal arithmetic is then exact and costs nothing) or the file cannot be walked.
    `newlines_in_file` is `encoding.newline_count(path)`."""
    n_rows = con.execute("SELECT count(*) FROM csv_rows").fetchall()[0][0]
    newlines, ends_with_newline = newlines_in_file
    if newlines + (0 if ends_with_newline else 1) == 1 + n_rows + n_unreadable:
        return False
    records = record_lines(path)
    if records is None:
        return False
    good = [line for line, n in records if n == fields]
    bad = [line for line, n in records if n != fields]
    if len(good) != n_rows or len(bad) != n_unreadable:
        return False  # Python and DuckDB split the file differently: keep DuckDB's numbering
    con.execute(
        "CREATE OR REPLACE TEMP TABLE csv_line_map AS"
        " SELECT unnest(range(1, $n + 1)) AS ordinality, unnest($lines::BIGINT[]) AS _line",
        {"n": n_rows, "lines": good},
    )
    if bad:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE unreadable AS
            SELECT m._line, u.reason, u.raw
            FROM (SELECT *, row_number() OVER (ORDER BY _line) AS k FROM unreadable) u
            JOIN (SELECT unnest(range(1, $n + 1)) AS k, unnest($lines::BIGINT[]) AS _line) m
            USING (k)
            """,
            {"n": len(bad), "lines": bad},
        )
    return True


def _stage_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, ...]:
    import duckdb

    # One line a row, read as raw text so a bad line is reported by its line number: the
    # unit separator cannot occur unescaped in valid JSON, so it never splits a valid line.
    scan = statement(
        "SELECT json AS raw FROM read_csv(:path,"
        " columns = {'json': 'VARCHAR'}, header = FALSE, auto_detect = FALSE,"
        " delim = :sep, quote = '', escape = '', store_rejects = TRUE,"
        " rejects_table = 'ingest_jsonl_errors', rejects_scan = 'ingest_jsonl_scans')",
        path=str(path),
        sep="\x1f",
    )
    _keep_file_order(con)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE json_lines AS {scan}")
    except duckdb.Error as exc:
        raise IngestError(f"{path}: cannot be read as JSON Lines: {exc}") from exc
    _refuse_if_not_utf8(con, path, "ingest_jsonl_errors")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE json_docs AS SELECT rowid + 1 AS _line, raw,"
        " TRY_CAST(raw AS JSON) AS doc FROM json_lines WHERE raw IS NOT NULL AND trim(raw) <> ''"
    )
    # DuckDB's JSON keeps every copy of a repeated key and reads the first: a line that names a
    # field twice is rejected, never resolved silently (`attributes` is checked likewise).
    keys = "json_keys(doc)"
    repeated = f"list_distinct(list_filter({keys}, lambda k, i: list_position({keys}, k) <> i))"
    is_object = f"doc IS NOT NULL AND json_type(doc) = 'OBJECT' AND len({repeated}) = 0"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE unreadable AS
        SELECT line AS _line, any_value(error_message) AS reason, any_value(csv_line) AS raw
        FROM ingest_jsonl_errors GROUP BY line
        UNION ALL
        SELECT _line,
               CASE WHEN doc IS NULL OR json_type(doc) <> 'OBJECT' THEN 'not a JSON object'
                    ELSE 'names a field more than once: ' || array_to_string({repeated}, ', ')
               END,
               raw
        FROM json_docs WHERE NOT ({is_object})
        """
    )
    fields = []
    for name in INPUT_COLUMNS:
        template = (
            "CAST(json_extract(doc, :p) AS VARCHAR)"
            if name == "attributes"
            else "json_extract_string(doc, :p)"
        )
        fields.append(f"{sql(expr(template, p=f'$.{name}'))} AS {sql(col(name))}")
    allowed = lit(list(INPUT_COLUMNS))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW staged AS
        SELECT _line, {", ".join(fields)},
               list_filter(json_keys(doc), lambda k: NOT list_contains({allowed}, k))
                   AS _unknown_fields
        FROM json_docs WHERE {is_object}
        """
    )
    con.execute("DROP TABLE json_lines")
    return INPUT_COLUMNS


def _keep_file_order(con: duckdb.DuckDBPyConnection) -> None:
    """Make a table created from a file scan hold the rows in file order, so that a row's
    ordinal in the file is its rowid + 1: DuckDB guarantees the order (on every thread) while
    `preserve_insertion_order` is on, its default, which this pins."""
    con.execute("SET preserve_insertion_order = true")


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, ...]:
    import duckdb

    scan = statement("SELECT * FROM read_parquet(:path, file_row_number = TRUE)", path=str(path))
    try:
        described = con.execute(f"DESCRIBE {scan}").fetchall()
    except duckdb.Error as exc:
        raise IngestError(f"{path}: cannot be read as Parquet: {exc}") from exc
    types = {str(r[0]): str(r[1]) for r in described if r[0] != "file_row_number"}
    check_columns(path, list(types))
    parts = []
    for name, typ in types.items():
        value: str = sql(col(name))
        if name == "attributes" and not typ.startswith("VARCHAR"):
            value = f"CAST(to_json({value}) AS VARCHAR)"
        elif typ.startswith("TIMESTAMP"):
            value = f"strftime({value}, '%Y-%m-%d')"
        parts.append(f"CAST({value} AS VARCHAR) AS {sql(col(name))}")
    source = f"(SELECT file_row_number + 1 AS _line, {', '.join(parts)} FROM ({scan}))"
    con.execute(f"CREATE OR REPLACE TEMP VIEW staged AS {_select_staged(tuple(types), source)}")
    return tuple(types)


def _struct(mapping: dict[str, str]) -> exp.Struct:
    return exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.Literal.string(k), expression=exp.Literal.string(v))
            for k, v in mapping.items()
        ]
    )
