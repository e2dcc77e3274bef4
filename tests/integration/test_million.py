"""The foundation's acceptance run: a generated CSV with 1% malformed rows.

- the rejects file holds exactly the malformed rows, each with a reason;
- re-ingesting the same file adds no row;
- `verify` passes, and fails naming what is wrong after a stored row is edited, deleted, swapped
  with another, or the newest rows are cut off (each on a copy of the ledger).

The default run uses 200,000 rows: nothing here depends on the size, and the million-row file is
the ingest benchmark's (`benchmarks/ingest.py`, which checks the same rows, rejects and root).
`XINYONG_TEST_ROWS=1000000 pytest tests/integration/test_million.py` is the acceptance run at
full size (≈ 90 s more).
"""

from __future__ import annotations

import csv
import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from xinyong.sample.generate import write_csv
from xinyong.service import Workspace
from xinyong.storage.base import VerifyReport

ROWS = int(os.environ.get("XINYONG_TEST_ROWS", "200000"))


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict[int, str], Path]:
    root = tmp_path_factory.mktemp("million")
    workspace = Workspace.init(root / "ws", today=date(2026, 11, 1))
    sample = write_csv(
        root / "records.csv",
        workspace.pack.catalogue,
        rows=ROWS,
        subjects=max(ROWS // 10, 10),
        seed=2026,
        today=date(2026, 11, 1),
        malformed=0.01,
    )
    report = workspace.ingest(sample.path)
    assert report.rows == ROWS
    assert report.rejected == len(sample.bad_lines) == ROWS // 100
    assert report.accepted == ROWS - ROWS // 100
    assert report.rejects_path is not None
    return workspace, sample.bad_lines, report.rejects_path


@pytest.mark.slow
def test_rejects_file_holds_exactly_the_malformed_rows(
    ingested: tuple[Workspace, dict[int, str], Path],
) -> None:
    _, bad, rejects = ingested
    with rejects.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["line"]) for r in rows] == sorted(bad)
    assert all(r["field"] and r["reason"] for r in rows)


@pytest.mark.slow
def test_reingest_adds_nothing_and_verify_passes(
    ingested: tuple[Workspace, dict[int, str], Path],
) -> None:
    workspace, _, rejects = ingested
    before = workspace.verify()
    assert before.ok, before.problems
    again = workspace.ingest(rejects.with_name("records.csv"))
    assert again.accepted == 0
    assert again.already_in_ledger == ROWS - ROWS // 100
    after = workspace.verify()
    assert after.ok and after.size == before.size


def _tampered(workspace: Workspace, tmp: Path, *statements: str) -> VerifyReport:
    s = workspace.settings
    # A workspace whose keys are the original's, verified with the original's pinned key.
    copy = Workspace.open(Workspace.init(tmp / "copy").settings.workspace, verify_key=s.verify_key)
    c = copy.settings
    for key in ("signing_key_file", "pseudonym_key_file"):
        shutil.copyfile(s.key_path(getattr(s, key)), c.key_path(getattr(c, key)))
    shutil.rmtree(c.path(c.checkpoint_dir))
    shutil.copytree(s.path(s.checkpoint_dir), c.path(c.checkpoint_dir))
    shutil.copyfile(s.path(s.database), c.path(c.database))
    con = duckdb.connect(str(c.path(c.database)))
    for statement in statements:
        con.execute(statement)
    con.close()
    report = copy.verify()
    assert not report.ok, "tampering went unnoticed"
    return report


@pytest.mark.slow
@pytest.mark.parametrize(
    ("statements", "named"),
    [
        (["UPDATE entries SET decision_date = DATE '2020-02-02' WHERE seq = 123"], "entry seq 123"),
        (["DELETE FROM entries WHERE seq = 4567"], "entry seq 4567 is missing"),
        (
            # two records (acts must keep pointing backwards, which the table itself enforces)
            [
                "CREATE TEMP TABLE pair AS SELECT seq FROM entries"
                " WHERE entry_kind = 'record' AND seq >= 10 ORDER BY seq LIMIT 2",
                "UPDATE entries SET seq = CASE seq WHEN (SELECT min(seq) FROM pair)"
                " THEN (SELECT max(seq) FROM pair) ELSE (SELECT min(seq) FROM pair) END"
                " WHERE seq IN (SELECT seq FROM pair)",
            ],
            "does not match its stored leaf hash",
        ),
        (["DELETE FROM entries WHERE seq >= (SELECT max(seq) - 99 FROM entries)"], "truncated"),
    ],
    ids=["edited", "deleted", "reordered", "truncated"],
)
def test_tampering_is_detected_and_named(
    ingested: tuple[Workspace, dict[int, str], Path],
    tmp_path: Path,
    statements: list[str],
    named: str,
) -> None:
    workspace, _, _ = ingested
    report = _tampered(workspace, tmp_path, *statements)
    assert any(named in p for p in report.problems), report.problems
