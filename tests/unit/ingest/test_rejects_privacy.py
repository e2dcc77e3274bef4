"""The rejects file masks individuals' identifiers, keeps line and field, and is 0600."""

from __future__ import annotations

import csv
import json
import random
import stat
from datetime import date
from pathlib import Path

from xinyong.domain.identifiers import generate_resident_id, generate_uscc
from xinyong.sample.generate import COLUMNS
from xinyong.service import Workspace


def test_rejects_mask_individuals_and_are_private(workspace: Workspace, tmp_path: Path) -> None:
    rng = random.Random(3)
    person = generate_resident_id(rng, date(1980, 5, 1))
    bad_person = person[:-1] + ("0" if person[-1] != "0" else "1")  # wrong check character
    firm = generate_uscc(rng)
    base = {
        "provider": "court:110105",
        "record_type": "no.such.type",
        "subject_kind": "individual",
        "decision_date": "2024-01-01",
        "attributes": json.dumps({"note": f"see {person}"}),
    }
    rows = [
        {**base, "subject_scheme": "resident_id", "subject_id": bad_person, "document_ref": "A"},
        {**base, "subject_scheme": "resident_ID", "subject_id": person, "document_ref": "B"},
        {
            **base,
            "subject_scheme": "uscc",
            "subject_id": firm,
            "subject_kind": "enterprise",
            "document_ref": f"ref {person}",
        },
    ]
    path = tmp_path / "r.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in rows)
        fh.write(f"court:110105,x,{person},surplus\n")  # an unreadable row: raw text
    report = workspace.ingest(path)
    assert report.rejects_path is not None
    text = report.rejects_path.read_text(encoding="utf-8")
    for secret in (person, bad_person, person[6:14]):
        assert secret not in text
    with report.rejects_path.open(newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert [r["line"] for r in got] == ["2", "3", "4", "5"]
    assert "subject_id" in got[0]["field"]
    assert got[0]["subject_id"] == bad_person[:2] + "*" * 14 + bad_person[-2:]
    assert got[2]["subject_id"] == firm  # a USCC is public
    assert stat.S_IMODE(report.rejects_path.stat().st_mode) == 0o600
