"""Spark: a compiled plan run as Spark SQL, over ledger entries read from Parquet.

The input is a Parquet file (or a pyarrow table, or rows, written to a temporary Parquet file
first) registered as the temporary view `xy_input`. Each step runs as `spark.sql(step.sql(
"spark"))` and is registered as a temporary view under its name, so later steps read it by name
exactly as on the other engines; the outputs are collected in `RELATIONS` column order and the
views dropped when the evaluation ends.

A step that later steps read more than once, and every output, is materialised with an eager
`localCheckpoint`, which also cuts its lineage. Merely caching is not enough: a view's plan
embeds the plans of the views it reads, so a plan whose steps read shared steps again and again
grows exponentially with its depth (the national pack's ran a 2 GB driver out of memory while
being analysed). A step read once stays a plain view that its reader inlines, which spares a
Spark job per such step (7 of the national pack's 24 steps).

Settings that matter for identical results: the session time zone is UTC (dates never shift), and
ANSI mode is on (Spark 4's default), so a cast that cannot succeed fails loudly instead of giving
NULL. `local_session()` also keeps shuffles to a few partitions: evaluation steps are many small
joins, and Spark's default of 200 partitions per shuffle costs more than the work on test data.

pyspark is imported inside the methods (style.md), and is an optional extra: `pip install
xinyong[spark]`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from xinyong.compiler import INPUT, SCOPE, Capabilities
from xinyong.compiler.plan import Plan
from xinyong.domain.results import ENTRY_COLUMNS, RELATIONS, Results, Row
from xinyong.engines.base import PlanEngine
from xinyong.errors import EngineError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

# Session settings every evaluation relies on (checked when a session is handed in).
REQUIRED_CONF: Mapping[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
}


def local_session(*, partitions: int = 4, memory: str = "2g", app: str = "xinyong") -> SparkSession:
    """A local-mode session with the settings evaluation needs (for tests and the CLI):
    `partitions` per shuffle, `memory` for the driver (which does all the work in local mode)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[*]").appName(app)
    conf = {
        **REQUIRED_CONF,
        "spark.sql.shuffle.partitions": str(partitions),
        "spark.default.parallelism": str(partitions),
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.adaptive.enabled": "true",
        "spark.driver.memory": memory,
        # temporary views only: keep Spark's default ./spark-warehouse out of the working folder
        "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "xinyong-spark-warehouse"),
    }
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark: SparkSession = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def entries_arrow(rows: Iterable[Row]) -> pa.Table:
    """Rows in `ENTRY_COLUMNS` order as a pyarrow table with the input's types."""
    import pyarrow as pa

    columns: list[list[Any]] = [[] for _ in ENTRY_COLUMNS]
    for row in rows:
        for i, value in enumerate(row):
            columns[i].append(value)
    return pa.Table.from_arrays(
        [pa.array(values, type=t) for values, t in zip(columns, _arrow_types(), strict=True)],
        names=list(ENTRY_COLUMNS),
    )


def _arrow_types() -> list[pa.DataType]:
    import pyarrow as pa

    types = {
        "seq": pa.int64(),
        "refers_to": pa.int64(),
        "subject_birth_date": pa.date32(),
        "decision_date": pa.date32(),
    }
    return [types.get(c, pa.string()) for c in ENTRY_COLUMNS]


class SparkEngine(PlanEngine):
    name: ClassVar[str] = "spark"
    dialect: ClassVar[str] = "spark"
    capabilities: ClassVar[Capabilities] = Capabilities()
    supports_scope: ClassVar[bool] = True
    reads_ledger: ClassVar[bool] = False

    def __init__(self, spark: SparkSession | None = None) -> None:
        """`spark` is an existing session (its time zone must be UTC); without one, the active
        session if there is one, else a local session started here and stopped by `close()`."""
        if spark is None:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
            self._own = spark is None
        else:
            self._own = False
        self.spark: SparkSession = spark if spark is not None else local_session()
        for key, value in REQUIRED_CONF.items():
            got = str(self.spark.conf.get(key)).lower()
            if got != value.lower():
                raise EngineError(
                    f"Spark session setting {key} is {got!r}; evaluation needs {value}"
                )
        self._tmp: Path | None = None

    # -- input -------------------------------------------------------------------------------

    def load_parquet(self, path: Path | str) -> int:
        """Read entries from a Parquet file (or folder) holding `ENTRY_COLUMNS`."""
        from pyspark.errors import PySparkException

        try:
            df = self.spark.read.parquet(str(path)).select(*ENTRY_COLUMNS)
            df.createOrReplaceTempView(INPUT)
            return int(df.count())
        except PySparkException as e:
            raise EngineError(f"Spark could not read the entries at {path}: {e}") from e

    def load_arrow(self, table: pa.Table) -> int:
        """Entries from a pyarrow table, by way of a temporary Parquet file."""
        import pyarrow.parquet as pq

        missing = [c for c in ENTRY_COLUMNS if c not in table.column_names]
        if missing:
            raise EngineError(f"the input table lacks {', '.join(missing)}")
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="xinyong-spark-"))
        path = self._tmp / f"entries-{len(list(self._tmp.iterdir()))}.parquet"
        pq.write_table(table.select(list(ENTRY_COLUMNS)), path)
        return self.load_parquet(path)

    def load(self, rows: Iterable[Row]) -> int:
        """Entries from rows in `ENTRY_COLUMNS` order."""
        return self.load_arrow(entries_arrow(rows))

    # -- evaluation --------------------------------------------------------------------------

    def run(self, plan: Plan, subjects: Iterable[str] | None = None) -> Results:
        from py4j.protocol import Py4JError
        from pyspark.errors import PySparkException
        from pyspark.sql.types import StringType, StructField, StructType

        spark = self.spark
        views: list[str] = []
        cached: list[DataFrame] = []
        step = SCOPE
        try:
            if plan.scoped:
                keys = sorted(set(subjects or ()))
                schema = StructType([StructField("subject_key", StringType(), False)])
                spark.createDataFrame([(k,) for k in keys], schema).createOrReplaceTempView(SCOPE)
                views.append(SCOPE)
            readers = plan.readers()
            for s in plan.steps:
                step = s.name
                df = spark.sql(s.sql(self.dialect))
                if s.output or readers[s.name] > 1:
                    df = df.localCheckpoint(eager=True)
                    cached.append(df)
                df.createOrReplaceTempView(s.name)
                views.append(s.name)
            results = Results(plan.as_of, plan.pack_version)
            for name, columns in RELATIONS.items():
                step = name
                rows = spark.table(name).select(*columns).collect()
                results.relations[name] = [tuple(r) for r in rows]
            return results
        except (PySparkException, Py4JError) as e:  # Py4JError: the JVM itself failed
            raise EngineError(f"Spark could not evaluate step {step}: {e}") from e
        finally:
            for view in reversed(views):
                spark.catalog.dropTempView(view)
            for df in cached:
                df.unpersist()

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._own:
            self.spark.stop()
