"""What the PostgreSQL and Spark engines promise besides equal results: every way in gives the
same input, a failing step is named in the error, nothing is left behind, settings are checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlglot import exp

from xinyong.compiler.plan import Plan
from xinyong.engines.spark import entries_arrow
from xinyong.errors import EngineError

from .data import entries_for
from .packs import pack

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from xinyong.engines.postgres import PostgresEngine
    from xinyong.engines.spark import SparkEngine

AS_OF = date(2024, 6, 1)


def _rows() -> list[tuple[object, ...]]:
    return entries_for(pack("national"), rows=400, seed=21)[0]


def _broken_plan() -> Plan:
    plan = Plan("test", AS_OF, scoped=False)
    plan.add("xy_ok", exp.select("seq").from_("xy_input"))
    plan.add("xy_broken", exp.select("no_such_column").from_("xy_ok"))
    return plan


@pytest.mark.postgres
def test_postgres_rows_and_arrow_load_alike(pg_engine: PostgresEngine) -> None:
    rows = _rows()
    assert pg_engine.load(rows) == len(rows)
    by_rows = pg_engine.evaluate(pack("national"), AS_OF)
    assert pg_engine.load_arrow(entries_arrow(rows)) == len(rows)
    by_arrow = pg_engine.evaluate(pack("national"), AS_OF)
    assert by_arrow.hash() == by_rows.hash()
    assert by_rows.counts()["listings"] > 0


@pytest.mark.postgres
def test_postgres_names_the_failing_step_and_cleans_up(pg_engine: PostgresEngine) -> None:
    pg_engine.load(_rows())
    with pytest.raises(EngineError, match="step xy_broken"):
        pg_engine.run(_broken_plan())
    tables = pg_engine.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        (pg_engine.schema,),
    ).fetchall()
    assert tables == [("xy_input",)]
    # the connection is still usable
    assert pg_engine.evaluate(pack("national"), AS_OF).counts()["memberships"] > 0


@pytest.mark.postgres
def test_postgres_drop_removes_the_schema(postgres_url: str) -> None:
    from xinyong.engines.postgres import PostgresEngine

    engine = PostgresEngine(postgres_url, schema="xy_test_drop_me")
    try:
        engine.load(_rows()[:10])
        engine.drop()
        found = engine.con.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
            ("xy_test_drop_me",),
        ).fetchone()
        # `con` recreates the schema on a fresh connection only; this one is still open
        assert found == (0,)
    finally:
        engine.drop()
        engine.close()


def test_postgres_refuses_unsafe_schema_names() -> None:
    from xinyong.engines.postgres import PostgresEngine

    for bad in ("Upper", "semi;colon", "", "1st", "a-b"):
        with pytest.raises(EngineError, match="schema name"):
            PostgresEngine("postgresql://nowhere", schema=bad)


@pytest.mark.spark
def test_spark_rows_arrow_and_parquet_load_alike(spark_engine: SparkEngine, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = _rows()
    assert spark_engine.load(rows) == len(rows)
    by_rows = spark_engine.evaluate(pack("national"), AS_OF)
    path = tmp_path / "entries.parquet"
    pq.write_table(entries_arrow(rows), path)
    assert spark_engine.load_parquet(path) == len(rows)
    by_parquet = spark_engine.evaluate(pack("national"), AS_OF)
    assert by_parquet.hash() == by_rows.hash()
    assert by_rows.counts()["listings"] > 0


@pytest.mark.spark
def test_spark_names_the_failing_step_and_cleans_up(spark_engine: SparkEngine) -> None:
    spark_engine.load(_rows())
    with pytest.raises(EngineError, match="step xy_broken"):
        spark_engine.run(_broken_plan())
    views = {t.name for t in spark_engine.spark.catalog.listTables() if t.isTemporary}
    assert views == {"xy_input"}


@pytest.mark.spark
def test_spark_needs_a_utc_session(spark_session: SparkSession) -> None:
    from xinyong.engines.spark import SparkEngine

    spark_session.conf.set("spark.sql.session.timeZone", "Asia/Shanghai")
    try:
        with pytest.raises(EngineError, match="timeZone"):
            SparkEngine(spark_session)
    finally:
        spark_session.conf.set("spark.sql.session.timeZone", "UTC")
