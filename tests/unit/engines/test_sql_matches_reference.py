"""The compiled SQL (on DuckDB) and the pure-Python reference agree, row for row.

Both read docs/concepts/evaluation.md; this holds them to each other on generated ledgers for
every shipped pack, at several dates, including subjects evaluated alone (single-subject
evaluation equals batch evaluation).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xinyong.domain.results import ENTRY_COLUMNS, Results
from xinyong.engines import reference
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

PACKS = sorted(p.name for p in (Path(__file__).parents[3] / "packs").iterdir() if p.is_dir())
DATES = [date(2019, 6, 30), date(2022, 2, 28), date(2024, 2, 29), date(2026, 11, 22)]


def _diff(a: Results, b: Results) -> str:
    lines = []
    for name, rows in a.sorted().items():
        other = b.sorted()[name]
        if rows != other:
            only_a = [r for r in rows if r not in other][:3]
            only_b = [r for r in other if r not in rows][:3]
            lines.append(f"{name}: sql-only {only_a} reference-only {only_b}")
    return "\n".join(lines)


@pytest.fixture(scope="module", params=PACKS)
def ledger(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp(request.param)
    ws = Workspace.init(
        root / "ws", today=DATES[-1], pack=Path(__file__).parents[3] / "packs" / request.param
    )
    sample = write_csv(
        root / "records.csv",
        ws.pack.catalogue,
        rows=4_000,
        subjects=300,
        seed=5,
        today=DATES[-1],
    )
    ws.ingest(sample.path)
    return ws


@pytest.mark.parametrize("as_of", DATES)
def test_sql_equals_reference(ledger: Workspace, as_of: date) -> None:
    pack = ledger.pack
    with ledger.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        rows = con.execute(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries").fetchall()
        sql = DuckDBEngine(con).evaluate(pack, as_of)
        officer_types = {n for n, rt in pack.catalogue.items() if rt.officer_role is not None}
        holders = sorted({r[4] for r in rows if r[3] in officer_types})[:3]
        # (rows include init's activation of the pack: a subject-less step both ignore)
        keys = sorted({r[4] for r in rows if r[4] is not None})[:5] + holders
        scoped = DuckDBEngine(con).evaluate(pack, as_of, subjects=keys)
    ref = reference.evaluate(pack, rows, as_of)
    assert sql.hash() == ref.hash(), _diff(sql, ref)
    mine = {k: [r for r in v if r[0] in keys] for k, v in ref.sorted().items()}
    assert scoped.sorted() == mine
    for key in keys:
        # a subject alone, with the entities its officer records name (a measure reaching an
        # officer rests on the entity's evaluation)
        own = [r for r in rows if r[4] == key]
        linked = reference.linked_entities(pack, own)
        mine_rows = own + [r for r in rows if r[4] in linked]
        alone = reference.evaluate_subject(pack, mine_rows, as_of, subject_key=key)
        assert alone.sorted() == {k: [r for r in v if r[0] == key] for k, v in mine.items()}
