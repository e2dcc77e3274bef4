"""An entity's consumption restriction reaches its legal representative through the workspace:
the check says so with the role, the entity and the provision (SPC Fa Shi [2015] No. 17 Art 3
para 2), on the index, after an incremental re-evaluation and from the reference alike."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from tests.conftest import TODAY
from xinyong.sample.generate import COLUMNS
from xinyong.service import Workspace

FIRM = "91110108MA01QX704C"
PERSON = "11010519491231002X"
CASE = "(2026)京0108执901号"
COURT = "Haidian District People's Court"


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(
    record_type: str, subject: tuple[str, str, str], decided: date, ref: str, **attrs: object
) -> dict[str, str]:
    scheme, ident, kind = subject
    return {
        "provider": "court" if record_type.startswith("court.") else "samr",
        "record_type": record_type,
        "entry_kind": "record",
        "subject_scheme": scheme,
        "subject_id": ident,
        "subject_kind": kind,
        "decision_date": decided.isoformat(),
        "document_ref": ref,
        "attributes": json.dumps(attrs, ensure_ascii=False),
        "refers_to": "",
    }


def _role(decided: date, ident: str = PERSON, **extra: object) -> dict[str, str]:
    return _row(
        "registration.officer_role",
        ("resident_id", ident, "individual"),
        decided,
        f"role-{ident}",
        entity_uscc=FIRM,
        role="legal_representative",
        appointed_on=decided.isoformat(),
        **extra,
    )


def _order() -> list[dict[str, str]]:
    return [
        _row(
            "court.enforcement.notice",
            ("uscc", FIRM, "enterprise"),
            date(2026, 9, 1),
            "notice-1",
            case_number=CASE,
            court=COURT,
            performance_deadline="2026-09-11",
            listing_risk_warning=True,
        ),
        _row(
            "court.enforcement.consumption_restriction",
            ("uscc", FIRM, "enterprise"),
            date(2026, 10, 8),
            "order-1",
            case_number=CASE,
            court=COURT,
            reason="unpaid_within_notice_period",
        ),
    ]


def test_legal_representative_is_told_why(workspace: Workspace, tmp_path: Path) -> None:
    report = workspace.ingest(_write(tmp_path / "a.csv", [_role(date(2021, 4, 1)), *_order()]))
    assert report.rejected == 0
    workspace.evaluate(as_of=TODAY)
    decision = workspace.check(PERSON, "air_travel.book", audience="subject")
    assert decision.outcome == "restrict"
    officer = [m.officer for m in decision.measures if m.officer is not None]
    assert len(officer) == 1
    text = str(officer[0])
    assert text.startswith(f"restricted as legal representative of {FIRM}")
    assert "Art 3 para 2 of Fa Shi [2010] No. 8, amended by Fa Shi [2015] No. 17" in text
    assert officer[0].record is not None
    # the person may dispute the role record itself
    assert any(line.startswith("the record: Responsible role") for line in decision.objection)
    # the entity's own listing is given as the reason the measure applies
    assert any(
        lr.list_name == "high_consumption_restricted" for lr in decision.measures[0].listings
    )
    # the reference (a date the index does not hold) agrees
    again = workspace.check(PERSON, "air_travel.book", as_of=date(2026, 11, 1), audience="subject")
    assert again.outcome == "restrict"
    assert [str(m.officer) for m in again.measures] == [text]
    # a relying party is told the role and entity it applies through, not the records
    rp = workspace.check(PERSON, "air_travel.book", purpose="ticket sale")
    assert [str(m.officer) for m in rp.measures] == [text]
    assert all(m.officer is not None and m.officer.record is None for m in rp.measures)
    # a measure whose basis names no officer does not reach them
    assert workspace.check(PERSON, "procurement.bid").outcome == "allow"


def test_restriction_of_the_entity_reaches_the_officer_incrementally(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.ingest(_write(tmp_path / "a.csv", [_role(date(2021, 4, 1))]))
    workspace.evaluate(as_of=TODAY)
    assert workspace.check(PERSON, "air_travel.book").outcome == "allow"
    # the order is about the entity only; the officer's decisions change with it
    workspace.ingest(_write(tmp_path / "b.csv", _order()))
    assert workspace.check(PERSON, "air_travel.book").outcome == "restrict"
    full = workspace.evaluate(as_of=TODAY, keep=False)
    person = workspace.subject_key(PERSON)
    assert any(r[0] == person and r[4] == f"uscc:{FIRM}" for r in full["decisions"])
