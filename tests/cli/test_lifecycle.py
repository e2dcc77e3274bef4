"""The dishonest-debtor life cycle on the CLI, with real dates (issue 3's first must-show).

An adult is warned, found able to perform but refusing, and listed; relying parties see the
restriction with its legal basis; full performance ends it on the day it is recorded. A minor in
the same position is never listed; a ground-(2) listing ends two years after the decision.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.domain.identifiers import generate_resident_id, generate_uscc
from xinyong.errors import NotFound
from xinyong.sample.generate import COLUMNS

COURT = "Chaoyang District People's Court"
rng = random.Random(11)
ADULT = generate_resident_id(rng, date(1980, 5, 1))
MINOR = generate_resident_id(rng, date(2010, 5, 1))
FIRM = generate_uscc(rng, authority="9")


def _row(who: str, kind: str, rt: str, day: str, ref: str, attrs: dict[str, object]) -> list[str]:  # noqa: PLR0917
    scheme = "uscc" if kind != "individual" else "resident_id"
    attributes = json.dumps(attrs, ensure_ascii=False)
    return ["court:110105", rt, "record", scheme, who, kind, day, ref, attributes, ""]


def _story(who: str, kind: str, case: str, ground: str, decided: str) -> list[list[str]]:
    base = {"case_number": case, "court": COURT}
    return [
        _row(
            who,
            kind,
            "court.enforcement.notice",
            "2023-02-01",
            f"N{case}",
            {**base, "performance_deadline": "2023-02-11", "listing_risk_warning": True},
        ),
        _row(
            who,
            kind,
            "court.enforcement.dishonesty_decision",
            decided,
            f"D{case}",
            {**base, "ground": ground},
        ),
    ]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lifecycle")
    rows = [
        *_story(
            ADULT, "individual", "(2023)京0105执200号", "refuses_despite_ability", "2023-03-01"
        ),
        *_story(
            MINOR, "individual", "(2023)京0105执201号", "refuses_despite_ability", "2023-03-01"
        ),
        *_story(
            FIRM,
            "enterprise",
            "(2023)京0105执202号",
            "obstructs_by_forgery_or_violence",
            "2023-03-06",
        ),
        _row(
            ADULT,
            "individual",
            "court.enforcement.performance",
            "2024-01-10",
            "P(2023)京0105执200号",
            {"case_number": "(2023)京0105执200号", "court": COURT, "complete": True},
        ),
    ]
    data = root / "records.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    runner = CliRunner()
    workspace = root / "ws"
    for args in (["init", str(workspace)], ["records", "ingest", str(data), "-w", str(workspace)]):
        result = runner.invoke(app, args, env={"XINYONG_TODAY": "2026-11-22"})
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", "-w", str(workspace), "--as-of", "2023-06-01"])
    assert result.exit_code == 0, result.output
    assert "dishonest_judgment_debtors: 2 subjects listed" in result.output
    return workspace


def _check(ws: Path, who: str, action: str, *extra: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["check", who, action, "-w", str(ws), "--json", *extra])
    assert result.exit_code == 0, result.output
    decision: dict[str, object] = json.loads(result.output)
    return decision


def _texts(decision: dict[str, object]) -> list[str]:
    out = []
    for m in decision["measures"]:  # type: ignore[attr-defined]
        out += [b["text"] for b in m["legal_basis"]]
        for listing in m["listings"]:
            out += [b["text"] for b in listing["legal_basis"]]
    return out


def test_listed_debtor_may_not_fly_and_the_decision_cites_its_basis(ws: Path) -> None:
    d = _check(ws, ADULT, "air_travel.book", "--purpose", "ticket sale", "--by", "airline")
    assert d["outcome"] == "restrict"
    assert d["as_of"] == "2023-06-01"
    texts = _texts(d)
    assert "Fa Shi [2017] No. 7 Art 1 (1)" in texts
    assert any(
        t.startswith("Fa Shi [2010] No. 8, amended by Fa Shi [2015] No. 17 Art 3") for t in texts
    )
    listing = d["measures"][0]["listings"]  # type: ignore[index]
    records = [entry["record"]["document_ref"] for entry in listing]
    assert "D(2023)京0105执200号" in records
    assert d["pack_version"].startswith("sha256:")  # type: ignore[union-attr]
    assert _check(ws, ADULT, "procurement.bid")["outcome"] == "restrict"
    assert _check(ws, ADULT, "admin.green_channel")["outcome"] == "allow"


def test_full_performance_ends_the_listing_on_its_date(ws: Path) -> None:
    assert _check(ws, ADULT, "air_travel.book", "--as-of", "2024-01-09")["outcome"] == "restrict"
    after = _check(ws, ADULT, "air_travel.book", "--as-of", "2024-01-10")
    assert after["outcome"] == "allow"
    assert after["measures"] == []


def test_a_minor_is_never_listed(ws: Path) -> None:
    for day in ("2023-06-01", "2030-06-01"):  # not even after coming of age
        assert _check(ws, MINOR, "air_travel.book", "--as-of", day)["outcome"] == "allow"


def test_ground_two_listing_ends_after_two_years(ws: Path) -> None:
    assert _check(ws, FIRM, "procurement.bid", "--as-of", "2025-03-05")["outcome"] == "restrict"
    assert _check(ws, FIRM, "procurement.bid", "--as-of", "2025-03-06")["outcome"] == "allow"


def test_unknown_action_is_a_clear_error(ws: Path) -> None:
    # the error handler around `main()` prints it as `Error: …` and exits 1
    result = CliRunner().invoke(app, ["check", ADULT, "air_travel.bok", "-w", str(ws)])
    assert isinstance(result.exception, NotFound)
    assert str(result.exception) == (
        "unknown action 'air_travel.bok'. Did you mean 'air_travel.book'?"
    )


def test_every_check_is_logged_with_who_asked_and_why(ws: Path) -> None:
    _check(ws, ADULT, "hotel.star.book", "--purpose", "room booking", "--by", "hotel 88")
    lines = (ws / "logs" / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    assert last["asked_by"] == "hotel 88"
    assert last["purpose"] == "room booking"
    assert last["action"] == "hotel.star.book"
    assert last["outcome"] == "restrict"
    assert last["measures"] == ["restrict_luxury_consumption"]
    assert last["subject_key"].startswith("resident_id:#")  # pseudonymous, never the number
    assert ADULT not in "\n".join(lines)
