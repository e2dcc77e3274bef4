"""Every decision explained, an allow included (issue 8, section 2), on the CLI with real dates.

The national pack's cases, each about one subject: a debtor who was a minor on the decision
date; one who provided security; one never served the notice before listing; one whose
listing ended by full performance; an enterprise whose two-year listing ran out; a subject the
ledger knows nothing about. The subject and auditors are told why; a relying party is told the
outcome and the measures it must apply, never the subject's records.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.domain.identifiers import generate_resident_id, generate_uscc
from xinyong.sample.generate import COLUMNS

COURT = "Chaoyang District People's Court"
rng = random.Random(23)
PAID = generate_resident_id(rng, date(1980, 5, 1))
MINOR = generate_resident_id(rng, date(2006, 5, 1))  # 16 on the decision date, adult by 2024-05
SECURED = generate_resident_id(rng, date(1975, 1, 1))
UNNOTIFIED = generate_resident_id(rng, date(1970, 7, 7))
NOBODY = generate_resident_id(rng, date(1990, 1, 1))
FIRM = generate_uscc(rng, authority="9")


def _row(who: str, rt: str, day: str, ref: str, attrs: dict[str, object]) -> list[str]:
    kind, scheme = ("enterprise", "uscc") if who == FIRM else ("individual", "resident_id")
    attributes = json.dumps(attrs, ensure_ascii=False)
    return ["court:110105", rt, "record", scheme, who, kind, day, ref, attributes, ""]


def _notice(who: str, case: str) -> list[str]:
    attrs = {"case_number": case, "court": COURT, "performance_deadline": "2023-02-11"}
    return _row(
        who,
        "court.enforcement.notice",
        "2023-02-01",
        f"N{case}",
        {**attrs, "listing_risk_warning": True},
    )


def _decision(who: str, case: str, ground: str, day: str = "2023-03-01") -> list[str]:
    attrs = {"case_number": case, "court": COURT, "ground": ground}
    return _row(who, "court.enforcement.dishonesty_decision", day, f"D{case}", attrs)


def _case(n: int) -> str:
    return f"(2023)京0105执{n}号"


REFUSES = "refuses_despite_ability"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("explain")
    rows = [
        _notice(PAID, _case(300)),
        _decision(PAID, _case(300), REFUSES),
        _row(
            PAID,
            "court.enforcement.performance",
            "2024-01-10",
            f"P{_case(300)}",
            {"case_number": _case(300), "court": COURT, "complete": True},
        ),
        _notice(MINOR, _case(301)),
        _decision(MINOR, _case(301), REFUSES),
        _notice(SECURED, _case(302)),
        _decision(SECURED, _case(302), REFUSES),
        _row(
            SECURED,
            "court.enforcement.listing_bar",
            "2023-03-01",
            f"B{_case(302)}",
            {"case_number": _case(302), "court": COURT, "ground": "security_provided"},
        ),
        _decision(UNNOTIFIED, _case(303), REFUSES),  # no notice was ever served
        _notice(FIRM, _case(304)),
        _decision(FIRM, _case(304), "obstructs_by_forgery_or_violence", "2023-03-06"),
    ]
    data = root / "records.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    runner = CliRunner()
    workspace = root / "ws"
    env = {"XINYONG_TODAY": "2026-11-22"}
    for args in (
        ["init", str(workspace)],
        ["records", "ingest", str(data), "-w", str(workspace)],
        ["evaluate", "-w", str(workspace), "--as-of", "2024-06-01"],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 0, result.output
    return workspace


def _check(ws: Path, who: str, action: str, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["check", who, action, "-w", str(ws), "--json", *extra])
    assert result.exit_code == 0, result.output
    decision: dict[str, Any] = json.loads(result.output)
    return decision


def _codes(decision: dict[str, Any]) -> list[str]:
    return [r["code"] for r in decision["reasons"]]


def _only(decision: dict[str, Any], code: str) -> dict[str, Any]:
    found = [r for r in decision["reasons"] if r["code"] == code]
    assert len(found) == 1, decision["reasons"]
    return found[0]


def test_a_minor_on_the_decision_date_is_excluded_and_told_why(ws: Path) -> None:
    d = _check(ws, MINOR, "procurement.bid")  # from the index, as of 2024-06-01: now an adult
    assert d["outcome"] == "allow"
    assert d["audience"] == "auditor"  # the terminal's default
    assert _codes(d) == ["no_measure_applies", "excluded"]
    excluded = _only(d, "excluded")
    assert excluded["exclusion"] == "minors"
    assert excluded["age_under"] == 18
    assert excluded["listing"]["list_name"] == "dishonest_judgment_debtors"
    assert excluded["listing"]["since"] == "2023-03-01"
    assert excluded["listing"]["record"]["document_ref"] == f"D{_case(301)}"
    assert [b["text"] for b in excluded["legal_basis"]] == ["Fa Shi [2017] No. 7 Art 4"]


def test_security_provided_bars_the_listing_and_names_the_record(ws: Path) -> None:
    d = _check(ws, SECURED, "procurement.bid", "--audience", "subject")
    assert d["outcome"] == "allow"
    assert d["audience"] == "subject"
    barred = _only(d, "barred")
    assert barred["listing"]["rule_name"] == REFUSES
    assert barred["record"]["document_ref"] == f"B{_case(302)}"
    assert barred["record"]["attributes"]["ground"] == "security_provided"


def test_a_listing_without_notice_is_held_open_ended(ws: Path) -> None:
    d = _check(ws, UNNOTIFIED, "procurement.bid")
    assert d["outcome"] == "allow"
    pending = _only(d, "notice_pending")
    assert pending["listing"]["since"] == "2023-03-01"
    assert pending["listing"]["until"] is None  # held for as long as the listing would run
    assert "Fa Shi [2017] No. 7 Art 5" in [b["text"] for b in pending["notice_basis"]]


def test_performance_ends_the_listing_and_the_restriction_resting_on_it(ws: Path) -> None:
    before = _check(ws, PAID, "air_travel.book", "--as-of", "2024-01-09")
    assert before["outcome"] == "restrict"
    assert _codes(before) == ["measure_applies"]
    d = _check(ws, PAID, "air_travel.book")  # 2024-06-01, from the index
    assert d["outcome"] == "allow"
    ended = [r for r in d["reasons"] if r["code"] == "listing_ended"]
    by_list = {r["listing"]["list_name"]: r for r in ended}
    assert set(by_list) == {"high_consumption_restricted", "dishonest_judgment_debtors"}
    own = by_list["dishonest_judgment_debtors"]
    assert own["ended_on"] == "2024-01-10"
    assert own["exit"]["name"] == "performed"
    assert own["exit"]["list_name"] == "dishonest_judgment_debtors"
    assert own["record"]["document_ref"] == f"P{_case(300)}"
    via = by_list["high_consumption_restricted"]
    assert via["ended_on"] == "2024-01-10"
    assert via["exit"] is None  # it ended with the listing it rests on
    assert via["listing"]["via_list"] == "dishonest_judgment_debtors"


def test_a_fixed_term_runs_out(ws: Path) -> None:
    d = _check(ws, FIRM, "procurement.bid", "--as-of", "2025-03-06")
    ended = _only(d, "listing_ended")
    assert ended["ended_on"] == "2025-03-06"
    assert ended["exit"]["name"] == "fixed_term_elapsed"
    assert ended["record"] is None  # no record ends a term: the date does


def test_no_records(ws: Path) -> None:
    d = _check(ws, NOBODY, "air_travel.book")
    assert d["outcome"] == "allow"
    assert _codes(d) == ["no_measure_applies", "no_records"]


def test_not_listed(ws: Path) -> None:
    d = _check(ws, FIRM, "admin.green_channel")
    assert d["outcome"] == "allow"
    assert _only(d, "not_listed")["list_name"] == "a_grade_taxpayers"


def test_remedies_are_the_exits_that_can_end_the_listing(ws: Path) -> None:
    person = _check(ws, PAID, "air_travel.book", "--as-of", "2023-06-01")
    remedies = [(r["list_name"], r["name"]) for r in person["measures"][0]["remedies"]]
    # the restriction rests on the dishonest listing: the restriction order's own exits
    # (performed, lifted, revoked: `rules: [restriction_order]`) cannot end it; that listing's
    # exits do, and its term is open
    assert remedies == [
        ("dishonest_judgment_debtors", "performed"),
        ("dishonest_judgment_debtors", "settlement_performed"),
        ("dishonest_judgment_debtors", "deleted"),
        ("dishonest_judgment_debtors", "wrongly_listed"),
    ]
    firm = _check(ws, FIRM, "procurement.bid", "--as-of", "2024-06-01")
    names = [r["name"] for r in firm["measures"][0]["remedies"]]
    assert "fixed_term_elapsed" in names  # a two-year listing's term ends it


@pytest.mark.parametrize(
    ("who", "action", "day"),
    [
        (PAID, "air_travel.book", "2023-06-01"),  # restrict
        (PAID, "air_travel.book", "2024-06-01"),  # allow: listing ended
        (MINOR, "procurement.bid", "2024-06-01"),  # allow: excluded
        (SECURED, "procurement.bid", "2024-06-01"),  # allow: barred
        (UNNOTIFIED, "procurement.bid", "2024-06-01"),  # allow: held
        (NOBODY, "procurement.bid", "2024-06-01"),  # allow: nothing on file
    ],
)
def test_a_relying_party_sees_the_outcome_and_the_measures_only(
    ws: Path, who: str, action: str, day: str
) -> None:
    full = _check(ws, who, action, "--as-of", day)
    rp = _check(ws, who, action, "--as-of", day, "--audience", "relying_party")
    assert rp["outcome"] == full["outcome"]
    assert rp["audience"] == "relying_party"
    assert set(_codes(rp)) <= {"measure_applies", "no_measure_applies"}
    text = json.dumps(rp, ensure_ascii=False)
    for secret in ("document_ref", "record", "seq", "(2023)京0105执", "since", "until"):
        assert secret not in text
    # the measures it must apply, on this action only, with their basis
    assert [m["name"] for m in rp["measures"]] == [m["name"] for m in full["measures"]]
    for m in rp["measures"]:
        assert m["legal_basis"]
        assert (m["listings"], m["grade"], m["remedies"]) == ([], None, [])
    assert not any(
        m["name"] in ("restrict_high_speed_rail", "restrict_luxury_consumption")
        for m in rp["measures"]
    )


def test_the_log_records_the_audience_served(ws: Path) -> None:
    _check(ws, PAID, "air_travel.book", "--audience", "relying_party", "--by", "airline 3U")
    _check(ws, PAID, "air_travel.book", "--audience", "subject")
    lines = (ws / "logs" / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["audience"] for line in lines[-2:]] == ["relying_party", "subject"]


def test_the_terminal_says_why(ws: Path) -> None:
    result = CliRunner().invoke(app, ["check", PAID, "air_travel.book", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ALLOW air_travel.book as of 2024-06-01" in out
    assert "listing_ended: dishonest_judgment_debtors (refuses_despite_ability)" in out
    assert "ended on 2024-01-10 (performed:" in out
    assert "ended by record #" in out and f"P{_case(300)}" in out
    rp = CliRunner().invoke(
        app, ["check", PAID, "air_travel.book", "-w", str(ws), "--audience", "relying_party"]
    )
    assert "no measure touching air_travel.book applies" in rp.output
    assert "record" not in rp.output


def test_an_unknown_audience_is_a_usage_error(ws: Path) -> None:
    result = CliRunner().invoke(
        app, ["check", PAID, "air_travel.book", "-w", str(ws), "--audience", "airline"]
    )
    assert result.exit_code == 2
