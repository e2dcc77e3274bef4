"""Evaluation throughput: the compiled engine against hand-written queries for one pack.

    python benchmarks/evaluate.py [--subjects 2000000 --records 20000000] [--spark]

For each pack (`national`: lists, memberships and decisions; `rongcheng`: scores, score items and
decisions), on the same seeded entries and the same as-of date, in this process:

- engine: `DuckDBEngine(con, source=table).evaluate(pack, as_of)`, the compiled plan;
- hand-written DuckDB: `benchmarks/handwritten/<pack>.sql`, written for that one pack as an
  engineer would write it by hand (not generated), computing the same five relations;
- hand-written Polars: the same computation with Polars' lazy API (`benchmarks/handwritten/
  polars_<pack>.py`), scanning a Parquet copy of the same entries (20M rows held in memory as a
  DataFrame beside DuckDB would not fit the machine with the others' work on it);
- the pure-Python reference (`engines.reference.evaluate`) on a sample of subjects, held to the
  engine on them;
- with `--spark` (or `--spark-only`; pyspark importable): `SparkEngine` against the hand-written
  DuckDB script transpiled to Spark SQL by SQLGlot, both over the same Parquet file of
  `--spark-copies` copies of the base, results collected.

"Compute" is the time until the five relations are materialised (the engine's temporary tables,
the script's, Polars' DataFrames); fetching them as Python rows is timed apart (the engine is
watched through its connection: it computes until it starts reading its outputs). The rows are
streamed into the text lines `Results.digest` hashes, so that 15M decisions are hashed without
holding 15M tuples; each hand-written result must have the engine's `Results.hash()` (first
round, full data): a baseline computing something else would be worthless, so the run stops if
one differs. Rounds alternate the contenders and the best of `--repeat` counts, since absolute
times on a shared 2-core machine move with load (`uptime` is printed with every round).

Data: a base of records/copies rows about subjects/copies subjects is generated with
`sample.generate.write_csv` (random records mixed with replays of the pack's own cases, so lists
and schemes find something) and ingested into a temporary workspace; a deterministic 2% of its
records then get a revocation. The base is replicated `--copies` times inside DuckDB (each copy
its own subjects, sequence numbers and dates moved back 3 days per copy). Everything is cached
under benchmarks/data/ (gitignored), keyed by its parameters.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xinyong.domain.results import ENTRY_COLUMNS, RELATIONS, Results, Row, cell
from xinyong.engines import reference
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.policy import Pack, load_pack
from xinyong.service import shipped_pack

if TYPE_CHECKING:
    import duckdb
    import polars as pl

HERE = Path(__file__).parent
DATA = HERE / "data"
HANDWRITTEN = HERE / "handwritten"
AS_OF = date(2026, 11, 22)  # also the generator's `today`
PACKS = ("national", "rongcheng")
SEEDS = {"national": 31, "rongcheng": 32}
TABLE = "bench_entries"
REVOKED_SHARE = 50  # one record in 50 gets a revocation
SHIFT_DAYS = 3  # copy c has every date moved back c × 3 days
COLUMNS = ", ".join(ENTRY_COLUMNS)


# --- data ---------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, flush=True)


def base_entries(
    pack_name: str, rows: int, subjects: int, seed: int, directory: Path = DATA
) -> Path:
    """The base ledger entries (`ENTRY_COLUMNS`, Parquet): a generated CSV ingested into a
    throwaway workspace, plus revocations of a deterministic share of its records."""
    path = directory / f"evaluate-{pack_name}-base-{rows}-{subjects}-{seed}-{AS_OF}.parquet"
    if path.exists():
        return path
    import duckdb

    from xinyong.sample.generate import write_csv
    from xinyong.service import Workspace

    pack = load_pack(shipped_pack(pack_name))
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xinyong-evaluate-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        sample = write_csv(
            work / "records.csv",
            pack.catalogue,
            rows=rows,
            subjects=subjects,
            seed=seed,
            today=AS_OF,
            cases=list(pack.cases.values()),
            story_share=0.3,
        )
        generated = time.perf_counter()
        ws = Workspace.init(work / "ws", pack=shipped_pack(pack_name))
        report = ws.ingest(sample.path, rejects=work / "rejects.csv")
        ingested = time.perf_counter()
        con = duckdb.connect(str(ws.settings.path(ws.settings.database)), read_only=True)
        try:
            add_revocations(con, "entries", path)
        finally:
            con.close()
    _log(
        f"{pack_name}: generated {rows:,} rows in {generated - started:.0f}s, ingested "
        f"{report.accepted:,} in {ingested - generated:.0f}s, base at {path.name}"
    )
    return path


def add_revocations(con: duckdb.DuckDBPyConnection, source: str, target: Path) -> None:
    """Write `source`'s entries and a revocation of every REVOKED_SHARE-th record (by a hash of
    its sequence number), decided 1-90 days after it and not after AS_OF, to Parquet."""
    con.execute(
        f"""
        COPY (
            WITH e AS (SELECT {COLUMNS} FROM {source}),
            top AS (SELECT max(seq) AS m FROM e),
            revoked AS (
                SELECT seq, record_type, subject_key, subject_kind, subject_birth_date,
                       CAST(decision_date + to_days(CAST(hash(seq, 'd') % 90 AS INTEGER) + 1)
                            AS DATE) AS decided
                FROM e
                WHERE entry_kind = 'record' AND hash(seq, 'r') % {REVOKED_SHARE} = 0
            )
            SELECT {COLUMNS} FROM e
            UNION ALL
            SELECT top.m + row_number() OVER (ORDER BY r.seq), 'revocation', r.seq,
                   r.record_type, r.subject_key, r.subject_kind, r.subject_birth_date,
                   r.decided, '{{}}'
            FROM revoked AS r, top
            WHERE r.decided <= DATE '{AS_OF}'
            ORDER BY 1
        ) TO '{target}' (FORMAT parquet)
        """
    )


def replicate(
    con: duckdb.DuckDBPyConnection, base: Path | str, copies: int, table: str = TABLE
) -> None:
    """`table` := `copies` copies of the base entries, each about its own subjects (key ~ copy),
    with its own sequence numbers and its dates moved back SHIFT_DAYS days per copy."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {table} AS
        WITH b AS (SELECT {COLUMNS} FROM read_parquet('{base}')),
        stride AS (SELECT max(seq) + 1 AS n FROM b)
        SELECT seq + c * stride.n AS seq,
               entry_kind,
               refers_to + c * stride.n AS refers_to,
               record_type,
               subject_key || '~' || c AS subject_key,
               subject_kind,
               subject_birth_date,
               CAST(decision_date - to_days(CAST(c * {SHIFT_DAYS} AS INTEGER)) AS DATE)
                   AS decision_date,
               attributes
        FROM b, stride, range({copies}) AS t(c)
        ORDER BY seq
        """
    )


@dataclass(frozen=True)
class Dataset:
    """The same entries twice: TABLE in a DuckDB file, and a Parquet file (Polars, Spark)."""

    pack_name: str
    base: Path
    db: Path
    parquet: Path


def prepare(
    pack_name: str, records: int, subjects: int, copies: int, directory: Path = DATA
) -> Dataset:
    """The base of `pack_name` replicated `copies` times, built once and cached."""
    rows, people, seed = records // copies, max(subjects // copies, 10), SEEDS[pack_name]
    base = base_entries(pack_name, rows, people, seed, directory)
    path = directory / f"{base.stem}-x{copies}.duckdb"
    parquet = path.with_suffix(".parquet")
    if not path.exists():
        import duckdb

        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        con = duckdb.connect(str(partial))
        try:
            replicate(con, base, copies)
        finally:
            con.close()
        partial.rename(path)
        _log(f"{pack_name}: replicated ×{copies} in {time.perf_counter() - started:.0f}s")
    if not parquet.exists():
        con = connect(path)
        try:
            partial = parquet.with_suffix(".partial")
            con.execute(f"COPY {TABLE} TO '{partial}' (FORMAT parquet)")
            partial.rename(parquet)
        finally:
            con.close()
    return Dataset(pack_name, base, path, parquet)


def connect(db: Path, memory_limit: str = "6GB") -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect(str(db), read_only=True, config={"memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")
    return con


# --- fetching and hashing -----------------------------------------------------------------------

BATCH = 250_000


@dataclass
class _Digested(Results):
    """Results known by their per-relation digests only; `hash()` is `Results.hash()`."""

    digested: dict[str, str] = field(default_factory=dict)

    def digest(self, name: str) -> str:
        return self.digested[name]


class Sink:
    """Receives the five relations as they are fetched, batch by batch: times the fetching, and
    (with `keep`) keeps each row as the text line `Results.digest` hashes, so that the hash of
    15 M decisions is taken without holding 15 M tuples."""

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self.fetch = 0.0
        self.counts = dict.fromkeys(RELATIONS, 0)
        self.lines: dict[str, list[str]] = {name: [] for name in RELATIONS}

    def consume(self, relation: str, batches: Iterator[Sequence[Row]]) -> None:
        while True:
            started = time.perf_counter()
            batch = next(batches, None)
            self.fetch += time.perf_counter() - started
            if not batch:
                if batch is None:
                    return
                continue
            self.counts[relation] += len(batch)
            if self.keep:
                self.lines[relation].extend("\t".join(cell(v) for v in row) for row in batch)

    def results(self, as_of: date, pack_version: str) -> Results:
        """What `Results.hash()` sees; the lines are released."""
        digested = {}
        for name in RELATIONS:
            h = hashlib.sha256()
            for line in sorted(self.lines[name]):
                h.update(line.encode("utf-8"))
                h.update(b"\n")
            digested[name] = h.hexdigest()
            self.lines[name] = []
        return _Digested(as_of, pack_version, digested=digested)


def _duckdb_batches(cursor: Any) -> Iterator[Sequence[Row]]:
    while batch := cursor.fetchmany(BATCH):
        yield batch
    yield from ()


class _Watched:
    """A DuckDB connection as `DuckDBEngine` uses it, but for its outputs: the moment the engine
    starts reading them ends its compute time, and their rows go to a `Sink` (the engine gets
    empty relations back). Everything else reaches the connection unchanged."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sink: Sink) -> None:
        self.con = con
        self.sink = sink
        self.outputs_at: float | None = None
        self.cpu_at = 0.0

    def execute(self, sql: str, parameters: Any = None) -> Any:
        words = sql.split()
        if words[:1] == ["SELECT"] and words[-2:-1] == ["FROM"] and words[-1] in RELATIONS:
            if self.outputs_at is None:
                self.outputs_at = time.perf_counter()
                self.cpu_at = time.process_time()
            self.sink.consume(words[-1], _duckdb_batches(self.con.execute(sql)))
            return _NoRows()
        if parameters is None:
            return self.con.execute(sql)
        return self.con.execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any) -> Any:
        return self.con.executemany(sql, parameters)


class _NoRows:
    def fetchall(self) -> list[Row]:
        return []


# --- the contenders -----------------------------------------------------------------------------


@dataclass
class Run:
    """One evaluation: seconds computing the five relations inside the engine or library, and
    seconds fetching their rows into Python; the hash when it was taken."""

    compute: float
    fetch: float
    counts: dict[str, int]
    hash: str | None = None
    # CPU-seconds of this process while computing (DuckDB's and Polars' threads run in it):
    # steadier than wall time when other work shares the machine
    cpu: float = 0.0

    @property
    def total(self) -> float:
        return self.compute + self.fetch


def _finish(sink: Sink, compute: float, as_of: date, pack: Pack, cpu: float) -> Run:
    run = Run(compute, sink.fetch, dict(sink.counts), cpu=cpu)
    if sink.keep:
        run.hash = sink.results(as_of, pack.version).hash()
    return run


def run_engine(
    con: duckdb.DuckDBPyConnection, pack: Pack, as_of: date, *, keep: bool, table: str = TABLE
) -> Run:
    """`DuckDBEngine.evaluate` itself, watched: compute ends when it starts reading outputs."""
    sink = Sink(keep=keep)
    watched = _Watched(con, sink)
    cpu = time.process_time()
    started = time.perf_counter()
    DuckDBEngine(watched, source=table).evaluate(pack, as_of)  # type: ignore[arg-type]
    assert watched.outputs_at is not None
    return _finish(sink, watched.outputs_at - started, as_of, pack, watched.cpu_at - cpu)


def handwritten_statements(pack_name: str, as_of: date, table: str) -> list[str]:
    """The hand-written script, one statement per element, with the input table and date."""
    text = (HANDWRITTEN / f"{pack_name}.sql").read_text(encoding="utf-8")
    text = text.replace("h_input", table).replace(":as_of", f"DATE '{as_of.isoformat()}'")
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


def run_handwritten_duckdb(
    con: duckdb.DuckDBPyConnection,
    pack: Pack,
    pack_name: str,
    as_of: date,
    *,
    keep: bool,
    table: str = TABLE,
) -> Run:
    """The hand-written script: temporary tables (and views), the outputs named h_<relation>."""
    sink = Sink(keep=keep)
    created: list[str] = []
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        for statement in handwritten_statements(pack_name, as_of, table):
            con.execute(statement)
            words = statement.split()
            if words[:2] == ["CREATE", "TEMP"]:
                created.append(f"{words[2]} {words[3]}")
        compute = time.perf_counter() - started
        cpu = time.process_time() - cpu
        for name, columns in RELATIONS.items():
            cursor = con.execute(f"SELECT {', '.join(columns)} FROM h_{name}")
            sink.consume(name, _duckdb_batches(cursor))
        return _finish(sink, compute, as_of, pack, cpu)
    finally:
        for what in reversed(created):
            con.execute(f"DROP {what}")


def _module(path: Path) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_polars(parquet: Path, pack: Pack, pack_name: str, as_of: date, *, keep: bool) -> Run:
    """The hand-written Polars query over the Parquet copy of the entries (`scan_parquet`)."""
    import polars as pl

    module = _module(HANDWRITTEN / f"polars_{pack_name.replace('-', '_')}.py")
    sink = Sink(keep=keep)
    cpu = time.process_time()
    started = time.perf_counter()
    relations: dict[str, pl.DataFrame] = module.evaluate(pl.scan_parquet(parquet), as_of)
    compute = time.perf_counter() - started
    cpu = time.process_time() - cpu
    for name, columns in RELATIONS.items():
        frame = relations.pop(name).select(columns)
        sink.consume(name, (s.rows() for s in frame.iter_slices(BATCH)))
        del frame
    return _finish(sink, compute, as_of, pack, cpu)


def sample_rows(
    con: duckdb.DuckDBPyConnection, subjects: int, table: str = TABLE
) -> tuple[list[Row], list[str]]:
    """The entries of the first `subjects` subjects (in key order) of the first copy."""
    keys = [
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT subject_key FROM {table} WHERE subject_key LIKE '%~0' "
            f"ORDER BY 1 LIMIT {int(subjects)}"
        ).fetchall()
    ]
    rows = con.execute(
        f"SELECT {COLUMNS} FROM {table} WHERE subject_key IN (SELECT unnest(?)) ORDER BY seq",
        [keys],
    ).fetchall()
    return rows, keys


# --- timing -------------------------------------------------------------------------------------


@dataclass
class Timing:
    name: str
    records: int
    runs: list[Run] = field(default_factory=list)

    @property
    def compute(self) -> float:
        return min(r.compute for r in self.runs)

    @property
    def total(self) -> float:
        return min(r.total for r in self.runs)

    @property
    def cpu(self) -> float:
        return min(r.cpu for r in self.runs)

    @property
    def rate(self) -> float:
        return self.records / self.compute

    def line(self) -> str:
        spread = ", ".join(f"{r.compute:.1f}" for r in self.runs)
        return (
            f"  {self.name:<24} compute best {self.compute:6.2f}s {self.rate:11,.0f} records/s"
            f" (runs {spread}; median {statistics.median(r.compute for r in self.runs):.1f}s)"
            f"; + fetch {min(r.fetch for r in self.runs):.1f}s; CPU best {self.cpu:.1f}s"
        )


def check(timing: Timing, run: Run, expect: str | None) -> None:
    timing.runs.append(run)
    if expect is not None and run.hash is not None and run.hash != expect:
        raise SystemExit(
            f"{timing.name}: results differ from the engine's ({run.counts}); run "
            "tests/benchmarks/test_evaluate_bench.py or compare at a small --records to see where"
        )


def diff(a: Results, b: Results, limit: int = 3) -> str:
    """Where two results differ: for each relation, a few rows only one side has."""
    lines = []
    for name in RELATIONS:
        if a.digest(name) == b.digest(name):
            continue
        left, right = set(a.sorted()[name]), set(b.sorted()[name])
        lines.append(
            f"{name}: {len(a[name])} vs {len(b[name])} rows; only first "
            f"{sorted(left - right, key=str)[:limit]}; only second "
            f"{sorted(right - left, key=str)[:limit]}"
        )
    return "\n".join(lines)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "uptime unavailable"


# --- one pack -----------------------------------------------------------------------------------


@dataclass
class PackRun:
    pack_name: str
    records: int
    subjects: int
    counts: dict[str, int]
    timings: dict[str, Timing]
    reference: Timing
    spark: dict[str, Timing] = field(default_factory=dict)


ENGINE, HAND, POLARS = "engine (DuckDB)", "hand-written DuckDB", "hand-written Polars"


def bench_pack(
    data: Dataset,
    *,
    repeat: int,
    reference_subjects: int,
    spark_copies: int,
    memory_limit: str,
) -> PackRun:
    pack_name = data.pack_name
    pack = load_pack(shipped_pack(pack_name))
    con = connect(data.db, memory_limit)
    try:
        records, subjects = con.execute(
            f"SELECT count(*), count(DISTINCT subject_key) FROM {TABLE}"
        ).fetchall()[0]
        _log(f"\n{pack_name}: {records:,} entries about {subjects:,} subjects, as of {AS_OF}")
        timings = {name: Timing(name, records) for name in (ENGINE, HAND, POLARS)}
        expect: str | None = None
        # the contenders take turns, so that a change of load on the machine hits them alike;
        # the first round also hashes each one's results
        for i in range(repeat):
            keep = i == 0
            run = run_engine(con, pack, AS_OF, keep=keep)
            check(timings[ENGINE], run, None)
            if keep:
                expect = run.hash
                counts = run.counts
                _log(f"  results: {counts}")
            check(
                timings[HAND],
                run_handwritten_duckdb(con, pack, pack_name, AS_OF, keep=keep),
                expect,
            )
            check(
                timings[POLARS], run_polars(data.parquet, pack, pack_name, AS_OF, keep=keep), expect
            )
            _log(
                f"  round {i + 1}: "
                + ", ".join(f"{t.name} {t.runs[-1].compute:.1f}s" for t in timings.values())
                + f"  [{uptime()}]"
            )
        _log(f"  hand-written DuckDB and Polars give the engine's Results.hash() {expect}")
        for t in timings.values():
            _log(t.line())
        reference_timing = bench_reference(con, pack, reference_subjects)
    finally:
        con.close()
    run = PackRun(pack_name, records, subjects, counts, timings, reference_timing)
    if spark_copies:
        run.spark = bench_spark(data, pack, spark_copies, repeat)
    return run


def bench_reference(con: duckdb.DuckDBPyConnection, pack: Pack, subjects: int) -> Timing:
    """The pure-Python reference on the entries of `subjects` subjects, held to the engine."""
    rows, keys = sample_rows(con, subjects)
    timing = Timing("Python reference", len(rows))
    started = time.perf_counter()
    ref = reference.evaluate(pack, rows, AS_OF)
    timing.runs.append(Run(time.perf_counter() - started, 0.0, ref.counts()))
    scoped = DuckDBEngine(con, source=TABLE).evaluate(pack, AS_OF, subjects=keys)
    if scoped.hash() != ref.hash():
        raise SystemExit(f"the reference differs from the engine\n{diff(scoped, ref)}")
    _log(timing.line() + f"  [{len(keys):,} subjects; equal to the engine on them]")
    return timing


# --- Spark --------------------------------------------------------------------------------------


def spark_statements(pack_name: str, as_of: date) -> list[tuple[str, str]]:
    """The hand-written script as (name, Spark SQL query) pairs, transpiled by SQLGlot."""
    import sqlglot
    from sqlglot import exp

    out = []
    for statement in handwritten_statements(pack_name, as_of, "xy_input"):
        tree = sqlglot.parse_one(statement, read="duckdb").transform(_one_path_each)
        assert isinstance(tree, exp.Create), statement[:60]
        query = tree.expression
        assert isinstance(query, exp.Query)
        out.append((tree.this.name, query.sql(dialect="spark")))
    return out


def _one_path_each(node: Any) -> Any:
    """DuckDB reads several JSON paths in one parse (`json_extract_string(x, [paths])`); Spark's
    `get_json_object` takes one path: the list becomes an array of single reads."""
    from sqlglot import exp

    if isinstance(node, exp.JSONExtractScalar) and isinstance(node.expression, exp.Array):
        return exp.Array(
            expressions=[
                exp.JSONExtractScalar(this=node.this.copy(), expression=path.copy())
                for path in node.expression.expressions
            ]
        )
    return node


def run_handwritten_spark(spark: Any, pack: Pack, pack_name: str, as_of: date) -> Results:
    """The hand-written script on Spark: each table a checkpointed view, as SparkEngine runs
    each step."""
    views: list[str] = []
    cached = []
    try:
        for name, sql in spark_statements(pack_name, as_of):
            df = spark.sql(sql)
            if not name.startswith("h_live"):
                df = df.localCheckpoint(eager=True)
                cached.append(df)
            df.createOrReplaceTempView(name)
            views.append(name)
        results = Results(as_of, pack.version)
        for name, columns in RELATIONS.items():
            rows = spark.table(f"h_{name}").select(*columns).collect()
            results.relations[name] = [tuple(r) for r in rows]
        return results
    finally:
        for view in reversed(views):
            spark.catalog.dropTempView(view)
        for df in cached:
            df.unpersist()


def bench_spark(data: Dataset, pack: Pack, copies: int, repeat: int) -> dict[str, Timing]:
    try:
        import pyspark  # noqa: F401

        from xinyong.engines.spark import SparkEngine
    except ImportError as e:
        _log(f"  Spark: skipped ({e})")
        return {}
    import duckdb

    path = data.base.with_name(f"{data.base.stem}-x{copies}-spark.parquet")
    if not path.exists():
        con = duckdb.connect()
        try:
            replicate(con, data.base, copies)
            con.execute(f"COPY {TABLE} TO '{path}' (FORMAT parquet)")
        finally:
            con.close()
    engine = SparkEngine()
    try:
        records = engine.load_parquet(path)
        _log(f"  Spark (local, {records:,} entries, {copies} cop{'y' if copies == 1 else 'ies'}):")
        ours, hand = Timing("engine (Spark)", records), Timing("hand-written Spark SQL", records)
        expect: str | None = None
        for _ in range(repeat):
            started = time.perf_counter()
            got = engine.evaluate(pack, AS_OF)
            ours.runs.append(Run(time.perf_counter() - started, 0.0, got.counts(), got.hash()))
            expect = expect or got.hash()
            if got.hash() != expect:
                raise SystemExit("the Spark engine's results changed between runs")
            started = time.perf_counter()
            mine = run_handwritten_spark(engine.spark, pack, data.pack_name, AS_OF)
            hand.runs.append(Run(time.perf_counter() - started, 0.0, mine.counts(), mine.hash()))
            if mine.hash() != expect:
                raise SystemExit(
                    f"hand-written Spark SQL differs from the engine\n{diff(got, mine)}"
                )
        _log(f"  hand-written Spark SQL gives the Spark engine's Results.hash() {expect}")
        for t in (ours, hand):
            _log(t.line() + " (compute includes collecting the results)")
        return {t.name: t for t in (ours, hand)}
    finally:
        engine.close()


# --- report -------------------------------------------------------------------------------------


def report(run: PackRun) -> list[str]:
    t = run.timings
    engine, hand, pol, ref = t[ENGINE], t[HAND], t[POLARS], run.reference
    lines = [
        f"{run.pack_name}: {run.records:,} records, {run.subjects:,} subjects; {run.counts}",
        f"  engine {engine.rate:,.0f} records/s; hand-written DuckDB {hand.rate:,.0f}; "
        f"Polars {pol.rate:,.0f}; Python reference {ref.rate:,.0f}",
        f"  engine / hand-written DuckDB : {hand.compute / engine.compute:.2f}  (goal >= 0.7;"
        f" with fetching the rows into Python {hand.total / engine.total:.2f})",
        f"  engine / hand-written Polars : {pol.compute / engine.compute:.2f}  (goal >= 0.5;"
        f" with fetching {pol.total / engine.total:.2f})",
        f"  in CPU-seconds               : {hand.cpu / engine.cpu:.2f} (hand-written DuckDB), "
        f"{pol.cpu / engine.cpu:.2f} (Polars)",
        f"  engine speed-up over Python  : {run.records / engine.total / ref.rate:,.0f}x"
        f"  (engine with fetching; reference on {ref.records:,} records)",
    ]
    if run.spark:
        ours, mine = run.spark["engine (Spark)"], run.spark["hand-written Spark SQL"]
        lines.append(
            f"  Spark engine / hand-written  : {mine.compute / ours.compute:.2f}  (goal >= 0.7; "
            f"{ours.records:,} records)"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--subjects", type=int, default=2_000_000)
    parser.add_argument("--copies", type=int, default=20, help="replicas of the generated base")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-subjects", type=int, default=20_000)
    parser.add_argument("--packs", default=",".join(PACKS))
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB's memory_limit")
    parser.add_argument("--spark", action="store_true", help="also the engine on Spark")
    parser.add_argument(
        "--spark-copies", type=int, default=1, help="copies of the base Spark evaluates"
    )
    parser.add_argument("--spark-only", action="store_true", help="only the Spark comparison")
    args = parser.parse_args(argv)
    packs = [p for p in args.packs.split(",") if p]
    _log(f"start: {uptime()}")
    data = {p: prepare(p, args.records, args.subjects, args.copies) for p in packs}
    if args.spark_only:
        for p in packs:
            _log(f"\n{p}:")
            timings = bench_spark(
                data[p], load_pack(shipped_pack(p)), args.spark_copies, args.repeat
            )
            if timings:
                ours, mine = timings["engine (Spark)"], timings["hand-written Spark SQL"]
                _log(
                    f"  Spark engine / hand-written: {mine.compute / ours.compute:.2f}"
                    " (goal >= 0.7)"
                )
            _log(f"after {p}: {uptime()}")
        return
    runs = []
    for p in packs:
        runs.append(
            bench_pack(
                data[p],
                repeat=args.repeat,
                reference_subjects=args.reference_subjects,
                spark_copies=args.spark_copies if args.spark else 0,
                memory_limit=args.memory_limit,
            )
        )
        gc.collect()
        _log(f"after {p}: {uptime()}")
    _log("")
    for run in runs:
        for line in report(run):
            _log(line)


if __name__ == "__main__":
    main()
