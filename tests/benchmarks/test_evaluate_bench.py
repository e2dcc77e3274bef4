"""benchmarks/evaluate.py at a tiny size: its hand-written baselines compute what the engine does.

A throughput ratio against a query that computes something else would mean nothing, so the
valuable assertion is equality: the hand-written DuckDB script and the hand-written Polars query
give the engine's `Results.hash()` for both packs, at several dates. No timing is asserted.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from xinyong.engines import reference
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.policy import load_pack
from xinyong.service import shipped_pack

pytestmark = pytest.mark.slow

BENCH = Path(__file__).parents[2] / "benchmarks" / "evaluate.py"
DATES = [date(2019, 6, 30), date(2024, 2, 29), date(2026, 11, 22)]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evaluate_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["national", "rongcheng"])
def dataset(
    request: pytest.FixtureRequest, bench: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    # 2,000 records about 200 subjects: a generated base of 1,000 rows, replicated twice
    return bench.prepare(request.param, 2_000, 200, 2, tmp_path_factory.mktemp("bench"))


@pytest.mark.parametrize("as_of", DATES)
def test_handwritten_equals_engine(bench: ModuleType, dataset: Any, as_of: date) -> None:
    pack_name = dataset.pack_name
    pack = load_pack(shipped_pack(pack_name))
    con = bench.connect(dataset.db)
    try:
        full = DuckDBEngine(con, source=bench.TABLE).evaluate(pack, as_of)
        engine = bench.run_engine(con, pack, as_of, keep=True)
        hand = bench.run_handwritten_duckdb(con, pack, pack_name, as_of, keep=True)
        rows = con.execute(f"SELECT {bench.COLUMNS} FROM {bench.TABLE}").fetchall()
    finally:
        con.close()
    # the benchmark's streamed hash is Results.hash() of the engine's own results
    assert engine.hash == full.hash()
    assert engine.counts == full.counts()
    assert hand.hash == full.hash(), bench.diff(full, reference.evaluate(pack, rows, as_of))
    assert reference.evaluate(pack, rows, as_of).hash() == full.hash()
    if as_of == DATES[-1]:
        # the data exercise what the baselines must get right
        if pack_name == "national":
            statuses = {r[7] for r in full["listings"]}
            assert statuses == {"listed", "notice_missing"}
            assert any(r[2] == "listed_as_dishonest" for r in full["listings"])
        else:
            assert {r[3] for r in full["scores"]} >= {"A", "C"}
        assert any(r[1] == "revocation" for r in rows)
        assert any(r[1] == "correction" for r in rows)


@pytest.mark.parametrize("as_of", DATES)
def test_polars_equals_engine(bench: ModuleType, dataset: Any, as_of: date) -> None:
    pytest.importorskip("polars")
    pack_name = dataset.pack_name
    pack = load_pack(shipped_pack(pack_name))
    con = bench.connect(dataset.db)
    try:
        full = DuckDBEngine(con, source=bench.TABLE).evaluate(pack, as_of)
    finally:
        con.close()
    got = bench.run_polars(dataset.parquet, pack, pack_name, as_of, keep=True)
    assert got.hash == full.hash()
    assert got.counts == full.counts()


def test_spark_script_transpiles(bench: ModuleType) -> None:
    """The hand-written script becomes Spark SQL (run only with `--spark`)."""
    for pack_name in ("national", "rongcheng"):
        statements = bench.spark_statements(pack_name, DATES[-1])
        names = [name for name, _ in statements]
        assert {f"h_{r}" for r in ("listings", "memberships", "scores", "decisions")} <= set(names)
        assert all("GET_JSON_OBJECT(" in sql for _, sql in statements if "json" in sql.lower())
