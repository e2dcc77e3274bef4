"""The one clock: `Settings.today` (XINYONG_TODAY) is today for ingest, evaluate, check, demo.

CI also runs the date-sensitive tests with the system clock years ahead (`faketime` in .ci/run):
nothing here or there may depend on the day the suite runs.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from xinyong.demo import run_demo
from xinyong.sample.generate import COLUMNS
from xinyong.service import Workspace
from xinyong.settings import Settings

# A decision of a court in the national pack about an enterprise (a valid USCC).
FIRM = "91350100M000100Y43"


def _one_record(path: Path, decided: date, document: str) -> Path:
    row = {c: "" for c in COLUMNS}
    row |= {
        "provider": "court:110105",
        "record_type": "court.enforcement.case_filed",
        "subject_scheme": "uscc",
        "subject_id": FIRM,
        "subject_kind": "enterprise",
        "decision_date": decided.isoformat(),
        "document_ref": document,
        "entry_kind": "record",
        "attributes": json.dumps({"case_number": document, "court": "Chaoyang District Court"}),
    }
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.mark.parametrize("today", [date(2019, 3, 4), date(2041, 7, 15)])
def test_ingest_refuses_decisions_after_the_pinned_today_not_the_system_clock(
    tmp_path: Path, today: date
) -> None:
    ws = Workspace.init(tmp_path / "ws", today=today)
    assert ws.today() == today
    late = ws.ingest(_one_record(tmp_path / "late.csv", today + timedelta(days=1), "(x) 1"))
    assert (late.accepted, late.rejected) == (0, 1)
    assert late.rejects_path is not None
    assert f"is after today ({(today + timedelta(days=1)).isoformat()})" in (
        late.rejects_path.read_text(encoding="utf-8")
    )
    on_time = ws.ingest(_one_record(tmp_path / "ok.csv", today, "(x) 2"))
    assert (on_time.accepted, on_time.rejected) == (1, 0)


def test_evaluate_and_check_default_to_the_pinned_today(tmp_path: Path) -> None:
    today = date(2038, 1, 19)
    ws = Workspace.init(tmp_path / "ws", today=today)
    assert ws.evaluate(keep=True).as_of == today
    from xinyong.storage import index

    with ws.ledger(read_only=True) as store:
        found = index.meta(store.connection)  # type: ignore[attr-defined]
    assert found is not None and found.as_of == today
    assert ws.check(FIRM, "procurement.bid").as_of == today


def test_the_environment_pins_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.init(tmp_path / "ws")
    assert Workspace.open(tmp_path / "ws").settings.today is None
    monkeypatch.setenv("XINYONG_TODAY", "2033-05-06")
    assert Workspace.open(tmp_path / "ws").today() == date(2033, 5, 6)
    assert Settings().today == date(2033, 5, 6)


@pytest.mark.parametrize("today", [date(2026, 11, 22), date(2036, 2, 29)])
def test_demo_gives_the_same_account_whatever_the_day(tmp_path: Path, today: date) -> None:
    run = run_demo(tmp_path / "demo", records=1_500, subjects=150, seed=3, today=today)
    assert run.ingest.rows == 1_500
    # exactly the rows broken on purpose are rejected, on any day
    assert run.ingest.rejected == len(run.sample.bad_lines)
    assert run.reingest.accepted == 0
    assert run.verify.ok
    assert run.evaluation is not None and all(d.as_of == today for _, d in run.checks)
