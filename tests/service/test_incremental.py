"""A new record re-evaluates only its subject, and the index then equals a full evaluation.

Random record streams from the seeded generator (every record type of the national pack, acts on
earlier records, subjects of all kinds, minors included) are cut at a random point: the first
part is ingested and evaluated in full, the rest ingested (which re-evaluates only the subjects
it touches), and the index must then hold exactly what a fresh full evaluation gives.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from xinyong.engines.results import RELATIONS, Results
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

AS_OF = date(2025, 6, 30)


def _index(ws: Workspace) -> Results:
    with ws.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        out = Results(AS_OF, ws.pack.version)
        for name, cols in RELATIONS.items():
            out.relations[name] = con.execute(
                f"SELECT {', '.join(cols)} FROM index_{name}"
            ).fetchall()
        return out


def _split(path: Path, cut: int, first: Path, rest: Path) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    for target, part in ((first, body[:cut]), (rest, body[cut:])):
        with target.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(part)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full(workspace: Workspace, tmp_path: Path, seed: int) -> None:
    sample = write_csv(
        tmp_path / "all.csv",
        workspace.pack.catalogue,
        rows=3_000,
        subjects=250,
        seed=seed,
        today=AS_OF,
    )
    cut = random.Random(seed).randrange(500, sample.rows - 500)
    first, rest = tmp_path / "first.csv", tmp_path / "rest.csv"
    _split(sample.path, cut, first, rest)
    workspace.ingest(first)
    workspace.evaluate(as_of=AS_OF)
    before = _index(workspace)
    workspace.ingest(rest)
    incremental = _index(workspace)
    full = workspace.evaluate(as_of=AS_OF, keep=False)
    assert incremental.sorted() == full.sorted()
    assert incremental.hash() == full.hash()
    # the stream must have changed something, or the test proves nothing
    assert before.sorted() != full.sorted()
    assert full.counts()["listings"] > 0
