"""`xinyong scorecard psi` and `pack validate` on scorecard packs, as a person runs them."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.scorecard.data import GERMAN_CREDIT

PACK = Path(__file__).resolve().parents[2] / "packs" / "german-credit"
SCHEME = PACK / "schemes" / "credit_score.yaml"


def test_psi_is_stable_on_the_same_population_and_exits_1_on_a_moved_one(
    tmp_path: Path,
) -> None:
    pytest.importorskip("pandas", reason="PSI reads data files: the scorecard extra")
    runner = CliRunner()
    same = runner.invoke(
        app, ["scorecard", "psi", str(GERMAN_CREDIT), str(GERMAN_CREDIT), "--scheme", str(SCHEME)]
    )
    assert same.exit_code == 0, same.output
    assert '"alert": "act"' not in same.output
    with GERMAN_CREDIT.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    moved = tmp_path / "moved.csv"
    with moved.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({**r, "duration_in_month": "60"})
    out = runner.invoke(
        app, ["scorecard", "psi", str(GERMAN_CREDIT), str(moved), "--scheme", str(SCHEME)]
    )
    assert out.exit_code == 1
    assert '"alert": "act"' in out.output


def test_pack_validate_names_the_line_of_a_refused_feature(tmp_path: Path) -> None:
    root = tmp_path / "german-credit"
    shutil.copytree(PACK, root)
    scheme = root / "schemes" / "credit_score.yaml"
    text = scheme.read_text(encoding="utf-8")
    scheme.write_text(
        text.replace(
            "    - name: telephone\n      dimension: personal_characteristics",
            "    - name: telephone\n      dimension: social_relations",
        ),
        encoding="utf-8",
    )
    out = CliRunner().invoke(app, ["pack", "validate", str(root)])
    assert out.exit_code == 1
    # the error handler of `main` prints it; the runner calls the app under it
    message = str(out.exception)
    assert "schemes/credit_score.yaml:" in message
    assert "social relations are refused" in message
