"""`xinyong evaluate` gives the same result hash on DuckDB, PostgreSQL and Spark (issue 3).

The workspace holds generated sample data with the national pack's case life cycles replayed, so
every list, exit and exclusion has rows to act on. PostgreSQL and Spark must run for real under
CI (`CI` set); elsewhere a missing server or pyspark skips with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

URL = os.environ.get("XINYONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engines")
    workspace = Workspace.init(root / "ws", today=date(2026, 11, 1))
    sample = write_csv(
        root / "records.csv",
        workspace.pack.catalogue,
        rows=4_000,
        subjects=400,
        seed=9,
        today=date(2026, 11, 1),
        cases=list(workspace.pack.cases.values()),
        story_share=0.4,
    )
    workspace.ingest(sample.path)
    return root / "ws"


def _hash(ws: Path, engine: str, as_of: str) -> str:
    env = {"XINYONG_POSTGRES_URL": URL, "XINYONG_POSTGRES_SCHEMA": "xinyong_cli_test"}
    result = CliRunner().invoke(
        app, ["evaluate", "-w", str(ws), "--as-of", as_of, "--engine", engine], env=env
    )
    assert result.exit_code == 0, result.output
    assert "dishonest_judgment_debtors: 0 subjects" not in result.output
    found = re.search(r"result hash (sha256:[0-9a-f]{64})", result.output)
    assert found is not None, result.output
    return found.group(1)


@pytest.mark.postgres
@pytest.mark.spark
@pytest.mark.parametrize("as_of", ["2024-02-29"])
def test_evaluate_hash_is_the_same_on_every_engine(ws: Path, as_of: str) -> None:
    if not _postgres_reachable():
        _unavailable(f"PostgreSQL is not reachable at {URL}")
    if importlib.util.find_spec("pyspark") is None:
        _unavailable("pyspark is not installed (pip install -e '.[spark]')")
    hashes = {engine: _hash(ws, engine, as_of) for engine in ("duckdb", "postgres", "spark")}
    assert len(set(hashes.values())) == 1, hashes
