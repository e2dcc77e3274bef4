"""Golden SQL: the national pack's plan as of 2024-06-01, rendered for each engine's dialect.

`golden/<pack>.<dialect>.sql` holds `Plan.script(dialect)`, every step as `-- name` and its SQL.
A change to the compiler, to sqlglot or to the pack shows here as a diff to review: is the new
SQL what was meant, on every engine? (The conformance suite in tests/engines checks that the
engines still agree; this shows what they are asked to run.)

To accept a change, regenerate the files and review the diff before committing it:

    XINYONG_UPDATE_GOLDEN=1 python -m pytest tests/compiler
"""

from __future__ import annotations

import difflib
import os
from datetime import date
from pathlib import Path

import pytest

from xinyong.compiler import Capabilities, compile_pack
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.engines.postgres import PostgresEngine
from xinyong.engines.spark import SparkEngine
from xinyong.policy import load_pack

GOLDEN = Path(__file__).parent / "golden"
PACKS = Path(__file__).resolve().parents[2] / "packs"
AS_OF = date(2024, 6, 1)
CASES = [("national", dialect) for dialect in ("duckdb", "postgres", "spark")]
UPDATE = os.environ.get("XINYONG_UPDATE_GOLDEN") == "1"
# each dialect's plan is compiled with what its engine declares it can do
CAPABILITIES: dict[str, Capabilities] = {
    e.dialect: e.capabilities for e in (DuckDBEngine, PostgresEngine, SparkEngine)
}


@pytest.mark.parametrize(("pack_name", "dialect"), CASES)
def test_golden_sql(pack_name: str, dialect: str) -> None:
    plan = compile_pack(load_pack(PACKS / pack_name), AS_OF, capabilities=CAPABILITIES[dialect])
    got = plan.script(dialect)
    path = GOLDEN / f"{pack_name}.{dialect}.sql"
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert path.is_file(), (
        f"{path} is missing: XINYONG_UPDATE_GOLDEN=1 python -m pytest tests/compiler"
    )
    want = path.read_text(encoding="utf-8")
    if got != want:
        diff = "".join(
            list(
                difflib.unified_diff(
                    want.splitlines(keepends=True),
                    got.splitlines(keepends=True),
                    f"{path.name} (golden)",
                    f"{path.name} (compiled now)",
                )
            )[:80]
        )
        pytest.fail(
            f"{path.name} differs from the compiled plan; if the change is meant, regenerate "
            f"with `XINYONG_UPDATE_GOLDEN=1 python -m pytest tests/compiler` and review the "
            f"diff:\n{diff}",
            pytrace=False,
        )


def test_every_step_renders_once_per_dialect_without_dialect_branches() -> None:
    """The three scripts hold the same steps in the same order: one plan, three renderings (a
    capability changes what a step computes with, never which steps there are)."""
    pack = load_pack(PACKS / "national")

    def names(dialect: str) -> list[str]:
        plan = compile_pack(pack, AS_OF, capabilities=CAPABILITIES[dialect])
        return [line for line in plan.script(dialect).splitlines() if line.startswith("-- ")]

    assert names("postgres") == names("spark") == names("duckdb")
