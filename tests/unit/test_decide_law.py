"""Decisions built from evaluated rows: the remedies a listing has, and why a measure on an entity
reaches its officer (national pack, reference evaluator, real dates)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.unit.engines.ledger import NATIONAL, Ledger

from xinyong.decide import decide
from xinyong.engines.reference import evaluate
from xinyong.policy import Pack, load_pack

CASE = "(2023)苏0102执311号"
COURT = "Xuanwu District People's Court"
FIRM = "91440300MA03QX909K"


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(NATIONAL)


def _debtor(ground: str, subject: str = "s", kind: str = "individual") -> Ledger:
    ledger = Ledger()
    ledger.subject(subject, kind, date(1979, 4, 12) if kind == "individual" else None)
    notice = {
        "case_number": CASE,
        "court": COURT,
        "performance_deadline": date(2023, 8, 11),
        "listing_risk_warning": True,
    }
    ledger.add("court.enforcement.notice", date(2023, 8, 1), notice, subject=subject)
    ledger.add(
        "court.enforcement.dishonesty_decision",
        date(2023, 9, 4),
        {"case_number": CASE, "court": COURT, "ground": ground},
        subject=subject,
    )
    return ledger


@pytest.mark.parametrize(
    ("ground", "remedies"),
    [
        (
            "refuses_despite_ability",
            ["performed", "settlement_performed", "deleted", "wrongly_listed"],
        ),
        (
            "violates_property_reporting",
            ["deleted_early", "fixed_term_elapsed", "wrongly_listed"],
        ),
    ],
)
def test_remedies_are_the_exits_that_can_end_the_listing(
    pack: Pack, ground: str, remedies: list[str]
) -> None:
    results = evaluate(pack, _debtor(ground).rows, date(2024, 6, 1))
    bid = decide(pack, results, "s", "procurement.bid", {})
    assert bid.outcome == "restrict"
    assert [r.name for r in bid.measures[0].remedies] == remedies
    # the consumption restriction resting on the listing ends the way the listing does
    fly = decide(pack, results, "s", "air_travel.book", {})
    names = [r.name for r in fly.measures[0].remedies]
    assert set(remedies) <= set(names)
    assert "performed" not in names or ground == "refuses_despite_ability"


def test_an_officer_is_told_the_role_entity_and_provision(pack: Pack) -> None:
    firm = f"uscc:{FIRM}"
    ledger = _debtor("refuses_despite_ability", subject=firm, kind="enterprise")
    ledger.subject("p", "individual", date(1969, 12, 3))
    appointed = date(2021, 2, 1)
    ledger.add(
        "registration.officer_role",
        appointed + timedelta(days=3),
        {"entity_uscc": FIRM, "role": "actual_controller", "appointed_on": appointed},
        subject="p",
    )
    results = evaluate(pack, ledger.rows, date(2024, 6, 1))
    fly = decide(pack, results, "p", "air_travel.book", {})
    assert fly.outcome == "restrict"
    (m,) = fly.measures
    assert m.officer is not None
    assert str(m.officer) == (
        f"restricted as actual controller of {FIRM}, "
        "Art 3 para 2 of Fa Shi [2010] No. 8, amended by Fa Shi [2015] No. 17"
    )
    # the reasons are the entity's listings
    assert {lr.list_name for lr in m.listings} == {
        "high_consumption_restricted",
        "dishonest_judgment_debtors",
    }
    # the MOU procurement bar names no officer: the person may bid
    assert decide(pack, results, "p", "procurement.bid", {}).outcome == "allow"
