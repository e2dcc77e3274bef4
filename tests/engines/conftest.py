"""Engine fixtures: one `ctx` per engine, so one test body runs on DuckDB, PostgreSQL and Spark.

PostgreSQL: `XINYONG_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`);
each test gets an engine on a schema of its own, dropped when the test ends. Spark: a local
session shared by the whole run. An engine that cannot run here (server unreachable, pyspark not
installed) skips its tests with the reason — except under CI (`CI` set), where that is a failure:
CI must exercise every engine for real.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from xinyong.domain.results import Results, Row
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.engines.spark import entries_arrow
from xinyong.policy.pack import Pack

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from xinyong.engines.postgres import PostgresEngine
    from xinyong.engines.spark import SparkEngine

POSTGRES_URL = os.environ.get(
    "XINYONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ENGINES = ("duckdb", "postgres", "spark")


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where every engine must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


class Ctx(Protocol):
    """What a conformance test does with an engine."""

    name: str

    def load(self, rows: list[Row]) -> None: ...

    def evaluate(
        self, pack: Pack, as_of: date, *, subjects: Iterable[str] | None = None
    ) -> Results: ...


class DuckDBCtx:
    name = "duckdb"

    def __init__(self) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.engine = DuckDBEngine(self.con)

    def load(self, rows: list[Row]) -> None:
        self.con.register("xy_rows", entries_arrow(rows))
        self.con.execute("CREATE OR REPLACE TABLE entries AS SELECT * FROM xy_rows")
        self.con.unregister("xy_rows")

    def evaluate(
        self, pack: Pack, as_of: date, *, subjects: Iterable[str] | None = None
    ) -> Results:
        return self.engine.evaluate(pack, as_of, subjects=subjects)

    def close(self) -> None:
        self.engine.close()


class EngineCtx:
    """PostgreSQL and Spark: the engine loads rows itself."""

    def __init__(self, name: str, engine: Any) -> None:
        self.name = name
        self.engine = engine

    def load(self, rows: list[Row]) -> None:
        self.engine.load(rows)

    def evaluate(
        self, pack: Pack, as_of: date, *, subjects: Iterable[str] | None = None
    ) -> Results:
        result: Results = self.engine.evaluate(pack, as_of, subjects=subjects)
        return result


@pytest.fixture(scope="session")
def postgres_url() -> str:
    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed: pip install -e '.[dev]'")
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as con:
            con.execute("SELECT 1")
    except psycopg.Error as e:
        unavailable(
            f"PostgreSQL at {POSTGRES_URL} is unreachable ({str(e).strip()}); "
            "set XINYONG_TEST_POSTGRES_URL to use another server"
        )
    return POSTGRES_URL


@pytest.fixture(scope="session")
def spark_session() -> Iterator[SparkSession]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed: pip install -e '.[dev,spark]'")
    from xinyong.engines.spark import local_session

    spark = local_session(partitions=2, app="xinyong-tests")
    yield spark
    spark.stop()


@pytest.fixture
def pg_engine(postgres_url: str) -> Iterator[PostgresEngine]:
    """A PostgreSQL engine on a schema of its own, dropped when the test ends."""
    from xinyong.engines.postgres import PostgresEngine

    engine = PostgresEngine(postgres_url, schema=f"xy_test_{uuid.uuid4().hex[:12]}")
    try:
        yield engine
    finally:
        engine.drop()
        engine.close()


@pytest.fixture
def spark_engine(spark_session: SparkSession) -> Iterator[SparkEngine]:
    from xinyong.engines.spark import SparkEngine

    engine = SparkEngine(spark_session)
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("spark", marks=pytest.mark.spark),
    ]
)
def ctx(request: pytest.FixtureRequest) -> Iterator[Ctx]:
    """The engine under test, empty: `ctx.load(rows)` then `ctx.evaluate(...)`."""
    name: str = request.param
    if name == "duckdb":
        duck = DuckDBCtx()
        yield duck
        duck.close()
    else:
        yield EngineCtx(
            name, request.getfixturevalue(f"{'pg' if name == 'postgres' else name}_engine")
        )
