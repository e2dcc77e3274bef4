"""Scenarios for the reference evaluator on the national pack, with real dates.

Each test builds a ledger by hand and reads the five relations as of chosen days, on both sides
of every boundary the contract (`docs/concepts/evaluation.md`) draws.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from xinyong.domain.catalogue import Period, Scalar
from xinyong.domain.record import EntryKind
from xinyong.domain.results import RELATIONS, Results
from xinyong.engines.reference import add_period, compile_plan, evaluate, evaluate_subject
from xinyong.policy import Pack, load_pack

from .ledger import NATIONAL, Ledger, measures, on_lists, outcomes
from .pack_builders import PENALTY, penalty_attrs, scored_pack

DISHONEST = "dishonest_judgment_debtors"
CONSUMPTION = "high_consumption_restricted"
CASE = "(2023)京0105执200号"
OTHER = "(2023)京0105执201号"
COURT = "Chaoyang District People's Court"
ADULT = date(1980, 5, 1)


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(NATIONAL)


def person(birth: date | None = ADULT) -> Ledger:
    ledger = Ledger()
    ledger.subject("s", "individual", birth)
    return ledger


def notice(ledger: Ledger, decided: date, case: str = CASE, warning: bool = True) -> int:
    return ledger.add(
        "court.enforcement.notice",
        decided,
        {
            "case_number": case,
            "court": COURT,
            "performance_deadline": decided + timedelta(days=10),
            "listing_risk_warning": warning,
        },
    )


def decision_attrs(ground: str, case: str = CASE, **extra: Scalar) -> dict[str, Scalar]:
    return {"case_number": case, "court": COURT, "ground": ground, **extra}


def decision(ledger: Ledger, decided: date, ground: str, case: str = CASE, **extra: Scalar) -> int:
    return ledger.add(
        "court.enforcement.dishonesty_decision",
        decided,
        decision_attrs(ground, case, **extra),
    )


def performance(ledger: Ledger, decided: date, case: str = CASE, complete: bool = True) -> int:
    return ledger.add(
        "court.enforcement.performance",
        decided,
        {"case_number": case, "court": COURT, "complete": complete, "amount_performed": "100.00"},
    )


def listings(results: Results, list_name: str) -> list[tuple[object, ...]]:
    return [row for row in results["listings"] if row[1] == list_name]


# --- the dishonest judgment debtor --------------------------------------------------------------


def test_dishonest_debtor_life_cycle(pack: Pack) -> None:
    ledger = person()
    ledger.add(
        "court.judgment.effective",
        date(2023, 1, 10),
        {
            "case_number": "(2023)京0105民初100号",
            "court": COURT,
            "document_type": "judgment",
            "amount_awarded": "150000.00",
        },
    )
    notice(ledger, date(2023, 2, 1))
    dec = decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    performance(ledger, date(2024, 1, 10))

    assert on_lists(evaluate(pack, ledger.rows, date(2023, 2, 28))) == set()

    listed = evaluate(pack, ledger.rows, date(2023, 3, 1))
    assert sorted(listed["listings"]) == [
        ("s", DISHONEST, "refuses_despite_ability", dec, None, date(2023, 3, 1), None, "listed"),
        ("s", CONSUMPTION, "listed_as_dishonest", dec, DISHONEST, date(2023, 3, 1), None, "listed"),
    ]
    assert sorted(listed["memberships"]) == [
        ("s", DISHONEST, date(2023, 3, 1), None, 1),
        ("s", CONSUMPTION, date(2023, 3, 1), None, 1),
    ]
    actions = outcomes(listed, "s")
    assert actions["air_travel.book"] == "restrict"
    assert actions["procurement.bid"] == "restrict"
    assert {"restrict_air_travel", "bar_government_procurement"} <= measures(listed)

    day_before = evaluate(pack, ledger.rows, date(2024, 1, 9))
    assert on_lists(day_before) == {DISHONEST, CONSUMPTION}

    performed = evaluate(pack, ledger.rows, date(2024, 1, 10))
    assert on_lists(performed) == set()
    assert performed["listings"] == []
    assert outcomes(performed, "s") == {}


def test_listing_ends_on_performance_date_when_evaluated_later(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    dec = decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    performance(ledger, date(2024, 1, 10))
    # evaluated after the fact for a day before performance, the listing's known end shows
    later = evaluate(pack, ledger.rows, date(2024, 1, 9))
    assert on_lists(later) == {DISHONEST, CONSUMPTION}
    # the performance is decided after D, so on D it is not yet known
    assert listings(later, DISHONEST)[0][6] is None
    assert listings(later, DISHONEST)[0][3] == dec


def test_minor_is_never_listed(pack: Pack) -> None:
    ledger = person(birth=date(2008, 1, 1))
    notice(ledger, date(2024, 1, 5))
    decision(ledger, date(2024, 2, 1), "refuses_despite_ability")
    for as_of in (date(2024, 6, 1), date(2030, 1, 1)):  # even after coming of age
        results = evaluate(pack, ledger.rows, as_of)
        assert results["listings"] == []
        assert results["decisions"] == []


@pytest.mark.parametrize(
    ("birth", "decided", "listed"),
    [
        (date(2006, 2, 1), date(2024, 2, 1), True),  # 18 on the day of the decision
        (date(2006, 2, 2), date(2024, 2, 1), False),  # 18 the day after
        (date(2004, 2, 29), date(2022, 2, 28), True),  # 29 February + 18 years = 28 February
        (date(2004, 2, 29), date(2022, 2, 27), False),
    ],
)
def test_age_is_taken_on_the_listing_date(
    pack: Pack, birth: date, decided: date, listed: bool
) -> None:
    ledger = person(birth=birth)
    notice(ledger, decided - timedelta(days=20))
    decision(ledger, decided, "refuses_despite_ability")
    assert (DISHONEST in on_lists(evaluate(pack, ledger.rows, date(2024, 6, 1)))) is listed


def test_enterprise_has_no_age(pack: Pack) -> None:
    ledger = Ledger()
    ledger.subject("s", "enterprise", None)
    notice(ledger, date(2024, 1, 5))
    decision(ledger, date(2024, 2, 1), "refuses_despite_ability")
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 6, 1))) == {DISHONEST, CONSUMPTION}


def extension(
    ledger: Ledger,
    decided: date,
    years: int,
    case: str = CASE,
    circumstance: str = "serious_violent_or_threatening_obstruction",
) -> int:
    return ledger.add(
        "court.enforcement.listing_extension",
        decided,
        {
            "case_number": case,
            "court": COURT,
            "circumstance": circumstance,
            "extended_by_years": years,
        },
    )


@pytest.mark.parametrize(("ordered", "years"), [(None, 2), (1, 3), (3, 5)])
def test_ground_two_listing_lasts_two_years_plus_the_years_ordered(
    pack: Pack, ordered: int | None, years: int
) -> None:
    ledger = person()
    notice(ledger, date(2022, 3, 1))
    dec = decision(ledger, date(2022, 3, 15), "obstructs_by_forgery_or_violence")
    if ordered is not None:
        extension(ledger, date(2023, 1, 9), ordered)
    end = date(2022 + years, 3, 15)

    last_day = evaluate(pack, ledger.rows, end - timedelta(days=1))
    assert listings(last_day, DISHONEST) == [
        ("s", DISHONEST, "other_grounds", dec, None, date(2022, 3, 15), end, "listed")
    ]
    assert on_lists(last_day) == {DISHONEST, CONSUMPTION}
    # the consumption restriction resting on it ends with it
    assert listings(last_day, CONSUMPTION)[0][6] == end
    assert on_lists(evaluate(pack, ledger.rows, end)) == set()


def test_extension_in_another_case_does_not_extend(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2022, 3, 1))
    decision(ledger, date(2022, 3, 15), "obstructs_by_forgery_or_violence")
    extension(ledger, date(2022, 3, 20), 3, case=OTHER)
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 3, 15))) == set()


def test_several_decisions_do_not_extend_without_an_order(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2022, 3, 1))
    notice(ledger, date(2022, 5, 1), case=OTHER)
    first = decision(ledger, date(2022, 3, 15), "evades_by_sham_or_concealment")
    decision(ledger, date(2022, 6, 1), "violates_property_reporting", case=OTHER)
    rows = listings(evaluate(pack, ledger.rows, date(2024, 3, 1)), DISHONEST)
    assert {(r[3], r[6]) for r in rows} == {
        (first, date(2024, 3, 15)),
        (first + 1, date(2024, 6, 1)),
    }
    # the court orders one year for several dishonest acts in the second case only
    extension(ledger, date(2023, 5, 1), 1, case=OTHER, circumstance="multiple_dishonest_acts")
    membership = evaluate(pack, ledger.rows, date(2024, 3, 1))["memberships"]
    assert ("s", DISHONEST, date(2022, 3, 15), date(2025, 6, 1), 2) in membership


@pytest.mark.parametrize("ground", ["violates_property_reporting", "refuses_settlement_agreement"])
def test_performance_does_not_end_a_fixed_term_listing(pack: Pack, ground: str) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), ground)
    performance(ledger, date(2023, 9, 1))
    results = evaluate(pack, ledger.rows, date(2024, 6, 1))
    assert on_lists(results) == {DISHONEST, CONSUMPTION}
    assert [r[6] for r in listings(results, DISHONEST)] == [date(2025, 3, 1)]
    assert [r[6] for r in listings(results, CONSUMPTION)] == [date(2025, 3, 1)]
    # the court's early deletion (Art 2) ends both
    ledger.add(
        "court.enforcement.list_deletion",
        date(2024, 7, 2),
        {"case_number": CASE, "court": COURT, "ground": "early_for_active_performance"},
    )
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 7, 1))) == {DISHONEST, CONSUMPTION}
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 7, 2))) == set()


def test_performance_ends_an_open_listing_and_its_restriction(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    performance(ledger, date(2023, 9, 1))
    assert on_lists(evaluate(pack, ledger.rows, date(2023, 8, 31))) == {DISHONEST, CONSUMPTION}
    assert on_lists(evaluate(pack, ledger.rows, date(2023, 9, 1))) == set()


def test_extension_length_is_held_within_its_range(pack: Pack) -> None:
    ext = pack.lists[DISHONEST].entry[1].extensions[0]
    assert [(n, str(p)) for n, p in ext.lengths()] == [(1, "P1Y"), (2, "P2Y"), (3, "P3Y")]
    assert str(ext.period_for(None)) == "P1Y"
    assert str(ext.period_for(0)) == "P1Y"
    assert str(ext.period_for(2)) == "P2Y"
    assert str(ext.period_for(7)) == "P3Y"


# --- due process --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice_case", "warning", "notice_day", "status"),
    [
        (None, True, None, "notice_missing"),
        (OTHER, True, date(2023, 2, 1), "notice_missing"),  # notice in another case
        (CASE, False, date(2023, 2, 1), "notice_missing"),  # no listing risk warning
        (CASE, True, date(2023, 3, 2), "notice_missing"),  # notified after listing
        (CASE, True, date(2023, 3, 1), "listed"),  # notified the same day: no wait required
    ],
)
def test_listing_without_prior_notice(
    pack: Pack, notice_case: str | None, warning: bool, notice_day: date | None, status: str
) -> None:
    ledger = person()
    if notice_case is not None and notice_day is not None:
        notice(ledger, notice_day, case=notice_case, warning=warning)
    dec = decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    results = evaluate(pack, ledger.rows, date(2023, 6, 1))
    assert listings(results, DISHONEST) == [
        ("s", DISHONEST, "refuses_despite_ability", dec, None, date(2023, 3, 1), None, status)
    ]
    if status == "notice_missing":
        assert results["memberships"] == []
        assert results["decisions"] == []
        # only a `listed` listing anchors a listing of another list
        assert listings(results, CONSUMPTION) == []
    else:
        assert on_lists(results) == {DISHONEST, CONSUMPTION}


def test_revoked_decision_lists_nobody(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    dec = decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    ledger.act(EntryKind.revocation, dec, date(2023, 4, 1))
    assert on_lists(evaluate(pack, ledger.rows, date(2023, 3, 31))) == {DISHONEST, CONSUMPTION}
    revoked = evaluate(pack, ledger.rows, date(2023, 4, 1))
    assert revoked["listings"] == []
    assert revoked["decisions"] == []


def test_correction_changes_rule_and_term(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2022, 1, 1))
    dec = decision(ledger, date(2022, 1, 10), "refuses_despite_ability")
    ledger.act(
        EntryKind.correction,
        dec,
        date(2022, 2, 1),
        decision_attrs("violates_property_reporting"),
    )
    before = listings(evaluate(pack, ledger.rows, date(2022, 1, 20)), DISHONEST)
    assert [(r[2], r[6]) for r in before] == [("refuses_despite_ability", None)]
    after = listings(evaluate(pack, ledger.rows, date(2023, 6, 1)), DISHONEST)
    # the listing still dates from the decision, now with the two-year term of ground (4)
    assert after == [
        ("s", DISHONEST, "other_grounds", dec, None, date(2022, 1, 10), date(2024, 1, 10), "listed")
    ]
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 1, 10))) == set()


def test_latest_correction_wins(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2022, 1, 1))
    dec = decision(ledger, date(2022, 1, 10), "violates_property_reporting")
    # entered out of order: the later decision date wins, whatever the ledger order
    ledger.act(
        EntryKind.correction, dec, date(2022, 3, 1), decision_attrs("refuses_despite_ability")
    )
    ledger.act(
        EntryKind.correction, dec, date(2022, 2, 1), decision_attrs("evades_by_sham_or_concealment")
    )
    rows = listings(evaluate(pack, ledger.rows, date(2024, 6, 1)), DISHONEST)
    assert [r[2] for r in rows] == ["refuses_despite_ability"]


def test_performance_in_another_case_does_not_end_the_listing(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    performance(ledger, date(2023, 9, 1), case=OTHER)
    performance(ledger, date(2023, 10, 1), complete=False)
    results = evaluate(pack, ledger.rows, date(2024, 6, 1))
    assert on_lists(results) == {DISHONEST, CONSUMPTION}
    assert listings(results, DISHONEST)[0][6] is None


def test_deletion_ends_the_listing(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    ledger.add(
        "court.enforcement.list_deletion",
        date(2024, 1, 12),
        {"case_number": CASE, "court": COURT, "ground": "creditor_application_approved"},
    )
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 1, 11))) == {DISHONEST, CONSUMPTION}
    assert on_lists(evaluate(pack, ledger.rows, date(2024, 1, 12))) == set()


@pytest.mark.parametrize(("bar_case", "listed"), [(CASE, False), (OTHER, True)])
def test_listing_bar_in_the_same_case_prevents_ground_one(
    pack: Pack, bar_case: str, listed: bool
) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    ledger.add(
        "court.enforcement.listing_bar",
        date(2023, 3, 1),
        {"case_number": bar_case, "court": COURT, "ground": "assets_secured"},
    )
    assert (DISHONEST in on_lists(evaluate(pack, ledger.rows, date(2023, 6, 1)))) is listed


def test_restriction_order_and_dishonesty_gather_in_one_membership(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    order = ledger.add(
        "court.enforcement.consumption_restriction",
        date(2023, 2, 20),
        {"case_number": CASE, "court": COURT, "reason": "unpaid_within_notice_period"},
    )
    dec = decision(ledger, date(2023, 3, 1), "violates_property_reporting")
    results = evaluate(pack, ledger.rows, date(2023, 6, 1))
    assert sorted((r[2], r[3], r[4], r[6]) for r in listings(results, CONSUMPTION)) == [
        ("listed_as_dishonest", dec, DISHONEST, date(2025, 3, 1)),
        ("restriction_order", order, None, None),
    ]
    assert ("s", CONSUMPTION, date(2023, 2, 20), None, 2) in results["memberships"]


# --- calendar arithmetic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "period", "end"),
    [
        (date(2024, 2, 29), "P1Y", date(2025, 2, 28)),
        (date(2024, 2, 29), "P4Y", date(2028, 2, 29)),
        (date(2024, 1, 31), "P1M", date(2024, 2, 29)),
        (date(2023, 1, 31), "P1M", date(2023, 2, 28)),
        (date(2023, 3, 31), "P1M", date(2023, 4, 30)),
        (date(2024, 1, 31), "P1M1D", date(2024, 3, 1)),  # months first, then days
        (date(2023, 12, 15), "P1M", date(2024, 1, 15)),
        (date(2023, 11, 30), "P1Y3M", date(2025, 2, 28)),
        (date(2024, 12, 25), "P2W", date(2025, 1, 8)),
        (date(2024, 5, 1), "P0D", date(2024, 5, 1)),
        (date(9999, 6, 1), "P1Y", date.max),
    ],
)
def test_add_period(start: date, period: str, end: date) -> None:
    assert add_period(start, Period.parse(period)) == end


def test_month_end_listing_term(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2024, 2, 1))
    decision(ledger, date(2024, 2, 29), "violates_property_reporting")
    rows = listings(evaluate(pack, ledger.rows, date(2026, 2, 27)), DISHONEST)
    assert [r[6] for r in rows] == [date(2026, 2, 28)]
    assert on_lists(evaluate(pack, ledger.rows, date(2026, 2, 28))) == set()


# --- red list and entries over several subjects -------------------------------------------------


def test_red_list_needs_a_recent_rating(pack: Pack) -> None:
    ledger = Ledger()
    ledger.subject("firm", "enterprise")
    rating = ledger.add(
        "tax.rating.a_grade", date(2024, 4, 15), {"assessment_year": 2023}, subject="firm"
    )
    results = evaluate(pack, ledger.rows, date(2025, 4, 14))
    assert results["listings"] == [
        (
            "firm",
            "a_grade_taxpayers",
            "a_grade_rating",
            rating,
            None,
            date(2024, 4, 15),
            date(2025, 4, 15),
            "listed",
        )
    ]
    assert outcomes(results, "firm") == {
        "admin.green_channel": "reward",
        "admin.inspection_reduced": "reward",
    }
    assert evaluate(pack, ledger.rows, date(2025, 4, 15))["listings"] == []


def test_subjects_are_evaluated_apart(pack: Pack) -> None:
    ledger = Ledger()
    ledger.subject("a", "individual", ADULT)
    ledger.subject("b", "individual", ADULT)
    ledger.add(
        "court.enforcement.notice",
        date(2023, 2, 1),
        {
            "case_number": CASE,
            "court": COURT,
            "performance_deadline": date(2023, 2, 11),
            "listing_risk_warning": True,
        },
        subject="a",
    )
    # b's decision shares a's case number, but a's notice is no notice to b
    ledger.add(
        "court.enforcement.dishonesty_decision",
        date(2023, 3, 1),
        decision_attrs("refuses_despite_ability"),
        subject="b",
    )
    results = evaluate(pack, ledger.rows, date(2023, 6, 1))
    assert [(r[0], r[7]) for r in listings(results, DISHONEST)] == [("b", "notice_missing")]
    one = evaluate_subject(pack, [r for r in ledger.rows if r[4] == "b"], date(2023, 6, 1))
    assert one.sorted() == {
        name: [r for r in rows if r[0] == "b"] for name, rows in results.sorted().items()
    }
    with pytest.raises(ValueError, match="2 subjects"):
        evaluate_subject(pack, ledger.rows, date(2023, 6, 1))


def test_rows_have_the_relation_shapes(pack: Pack) -> None:
    ledger = Ledger()
    ledger.subject("s", "enterprise")
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    ledger.add(PENALTY, date(2023, 3, 2), penalty_attrs("general"))
    results = evaluate(scored_pack(pack), ledger.rows, date(2023, 6, 1))
    for name, rows in results.relations.items():
        assert rows, name
        assert all(len(row) == len(RELATIONS[name]) for row in rows)


def test_attributes_may_come_as_numbers_or_text(pack: Pack) -> None:
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    seq = decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    text = ledger.rows[seq - 1]
    # JSON numbers and numeric text are the same decimal; neither breaks evaluation
    for amount in ('"150000.50"', "150000.5", "150000"):
        attrs = text[8][:-1] + f',"amount_unperformed":{amount}}}'
        rows = [*ledger.rows[: seq - 1], (*text[:8], attrs)]
        assert DISHONEST in on_lists(evaluate(pack, rows, date(2023, 6, 1)))


# --- schemes ------------------------------------------------------------------------------------


def firm() -> Ledger:
    ledger = Ledger()
    ledger.subject("firm", "enterprise")
    return ledger


def test_every_subject_of_the_schemes_kinds_with_an_entry_is_scored(pack: Pack) -> None:
    scored = scored_pack(pack)
    ledger = firm()
    ledger.subject("person", "individual", ADULT)
    ledger.add(
        "court.enforcement.case_filed",
        date(2024, 1, 5),
        {"case_number": CASE, "court": COURT},
        subject="firm",
    )
    ledger.add(
        "court.enforcement.case_filed",
        date(2024, 1, 5),
        {"case_number": CASE, "court": COURT},
        subject="person",
    )
    assert evaluate(scored, ledger.rows, date(2024, 1, 4))["scores"] == []
    results = evaluate(scored, ledger.rows, date(2024, 1, 5))
    assert results["scores"] == [("firm", "test_points", 100, "B")]
    assert results["score_items"] == []


def test_monthly_cap_and_grade_cap(pack: Pack) -> None:
    scored = scored_pack(pack)
    ledger = firm()
    for day in (date(2024, 1, 3), date(2024, 1, 20), date(2024, 1, 31), date(2024, 2, 1)):
        ledger.add(PENALTY, day, penalty_attrs("general"), subject="firm")
    results = evaluate(scored, ledger.rows, date(2024, 3, 1))
    # January: 3 × 10 capped to 15; February: 10
    assert results["score_items"] == [("firm", "test_points", "penalties", 4, -25)]
    assert results["scores"] == [("firm", "test_points", 75, "C")]
    assert outcomes(results, "firm") == {"procurement.bid": "restrict"}


@pytest.mark.parametrize(
    ("per", "points"),
    [
        ("P1Y", -20),  # 2024 and 2025: two buckets of 10
        ("P1M", -20),  # December and January
        ("P1W", -15),  # Monday 2024-12-30 and Sunday 2025-01-05 are both in ISO week 2025-W01
        ("P1D", -20),
        (None, -15),  # the whole window
    ],
)
def test_cap_buckets(pack: Pack, per: str | None, points: int) -> None:
    scored = scored_pack(pack, per)
    ledger = firm()
    ledger.add(PENALTY, date(2024, 12, 30), penalty_attrs("general"), subject="firm")
    ledger.add(PENALTY, date(2025, 1, 5), penalty_attrs("general"), subject="firm")
    results = evaluate(scored, ledger.rows, date(2025, 2, 1))
    assert results["score_items"] == [("firm", "test_points", "penalties", 2, points)]


def test_iso_week_bucket_counts_sunday_with_its_monday(pack: Pack) -> None:
    scored = scored_pack(pack, "P1W")
    ledger = firm()
    for day in (date(2024, 1, 8), date(2024, 1, 14), date(2024, 1, 15)):  # Mon, Sun, Mon
        ledger.add(PENALTY, day, penalty_attrs("general"), subject="firm")
    results = evaluate(scored, ledger.rows, date(2024, 2, 1))
    assert results["score_items"] == [("firm", "test_points", "penalties", 3, -25)]


def test_grade_cap_overrides_points(pack: Pack) -> None:
    scored = scored_pack(pack)
    ledger = firm()
    ledger.add("tax.rating.a_grade", date(2024, 1, 2), {"assessment_year": 2023}, subject="firm")
    ledger.add("tax.rating.a_grade", date(2024, 1, 3), {"assessment_year": 2022}, subject="firm")
    ledger.add(PENALTY, date(2024, 1, 10), penalty_attrs("serious"), subject="firm")
    results = evaluate(scored, ledger.rows, date(2024, 2, 1))
    assert sorted(results["score_items"]) == [
        ("firm", "test_points", "penalties", 1, -10),
        ("firm", "test_points", "rated", 2, 20),
        ("firm", "test_points", "serious_penalty", 1, 0),
    ]
    # 100 - 10 + 20 = 110 is grade A by points, held at C by the serious penalty
    assert results["scores"] == [("firm", "test_points", 110, "C")]


def test_tiered_display_ends_counting_and_restoration_ends_it_early(pack: Pack) -> None:
    scored = scored_pack(pack)
    ledger = firm()
    minor = ledger.add(PENALTY, date(2024, 1, 31), penalty_attrs("minor"), subject="firm")
    general = ledger.add(PENALTY, date(2024, 3, 5), penalty_attrs("general"), subject="firm")
    ledger.act(EntryKind.restoration, general, date(2024, 6, 5))
    assert minor == 1

    def points(as_of: date) -> int:
        return int(evaluate(scored, ledger.rows, as_of)["scores"][0][2])

    assert points(date(2024, 4, 29)) == 80  # both count
    assert points(date(2024, 4, 30)) == 90  # minor: 31 January + P3M = 30 April
    assert points(date(2024, 6, 5)) == 100  # general restored


def test_grade_measures_reward_and_sanction(pack: Pack) -> None:
    scored = scored_pack(pack)
    ledger = firm()
    ledger.add("tax.rating.a_grade", date(2024, 1, 2), {"assessment_year": 2023}, subject="firm")
    results = evaluate(scored, ledger.rows, date(2024, 2, 1))
    assert results["scores"] == [("firm", "test_points", 120, "A")]
    own = ("firm", "admin.green_channel", "grade_a_green_channel", "reward", None, None)
    assert own in results["decisions"]


def test_plan_is_reusable(pack: Pack) -> None:
    plan = compile_plan(pack)
    ledger = person()
    notice(ledger, date(2023, 2, 1))
    decision(ledger, date(2023, 3, 1), "refuses_despite_ability")
    assert (
        evaluate(plan, ledger.rows, date(2023, 6, 1)).hash()
        == evaluate(pack, ledger.rows, date(2023, 6, 1)).hash()
    )


# --- officers of an entity (SPC Fa Shi [2015] No. 17 Art 3 para 2) -----------------------------

FIRM = "91110108MA01QX704C"
ROLE = "registration.officer_role"


def restricted_firm(ledger: Ledger) -> str:
    key = ledger.subject(f"uscc:{FIRM}", "enterprise")
    notice_attrs = {
        "case_number": CASE,
        "court": COURT,
        "performance_deadline": date(2023, 2, 11),
        "listing_risk_warning": True,
    }
    ledger.add("court.enforcement.notice", date(2023, 2, 1), notice_attrs, subject=key)
    ledger.add(
        "court.enforcement.consumption_restriction",
        date(2023, 3, 1),
        {"case_number": CASE, "court": COURT, "reason": "unpaid_within_notice_period"},
        subject=key,
    )
    return key


def role(
    ledger: Ledger, held: str, appointed: date, ceased: date | None = None, firm: str = FIRM
) -> int:
    attrs: dict[str, Scalar | None] = {
        "entity_uscc": firm,
        "role": held,
        "appointed_on": appointed,
        "ceased_on": ceased,
    }
    return ledger.add(ROLE, appointed, {k: v for k, v in attrs.items() if v}, subject="s")


def test_officer_is_reached_while_the_role_holds(pack: Pack) -> None:
    ledger = person()
    firm = restricted_firm(ledger)
    role(ledger, "legal_representative", date(2020, 1, 6), ceased=date(2023, 9, 1))
    during = evaluate(pack, ledger.rows, date(2023, 6, 1))
    reached = {r for r in during["decisions"] if r[0] == "s"}
    assert (
        "s",
        "air_travel.book",
        "restrict_air_travel",
        "restrict",
        firm,
        "legal_representative",
    ) in reached
    assert {r[2] for r in reached} == {
        "restrict_air_travel",
        "restrict_high_speed_rail",
        "restrict_luxury_consumption",
    }
    # the person is not listed; the firm's own rows are unchanged
    assert on_lists(during) == set()
    assert all(r[4] is None for r in during["decisions"] if r[0] == firm)
    assert outcomes(evaluate(pack, ledger.rows, date(2023, 9, 1)), "s") == {}
    # before the appointment the role does not hold yet
    late = person()
    restricted_firm(late)
    role(late, "actual_controller", date(2023, 7, 1))
    assert outcomes(evaluate(pack, late.rows, date(2023, 6, 30)), "s") == {}
    assert outcomes(evaluate(pack, late.rows, date(2023, 7, 1)), "s")["air_travel.book"] == (
        "restrict"
    )


def test_officer_of_another_entity_is_not_reached(pack: Pack) -> None:
    ledger = person()
    restricted_firm(ledger)
    role(ledger, "legal_representative", date(2020, 1, 6), firm="91310115MA02QX801W")
    assert outcomes(evaluate(pack, ledger.rows, date(2023, 6, 1)), "s") == {}


def test_a_measure_whose_basis_names_no_officer_reaches_none(pack: Pack) -> None:
    ledger = person()
    firm = ledger.subject(f"uscc:{FIRM}", "enterprise")
    ledger.add(
        "court.enforcement.notice",
        date(2023, 2, 1),
        {
            "case_number": CASE,
            "court": COURT,
            "performance_deadline": date(2023, 2, 11),
            "listing_risk_warning": True,
        },
        subject=firm,
    )
    ledger.add(
        "court.enforcement.dishonesty_decision",
        date(2023, 3, 1),
        decision_attrs("refuses_despite_ability"),
        subject=firm,
    )
    role(ledger, "principal_responsible_person", date(2020, 1, 6))
    results = evaluate(pack, ledger.rows, date(2023, 6, 1))
    assert "procurement.bid" in outcomes(results, firm)
    mine = outcomes(results, "s")
    assert mine["air_travel.book"] == "restrict"  # the restriction resting on the listing
    assert "procurement.bid" not in mine  # the MOU bar names no officer (principle 3)
    assert "company.officer.appoint" not in mine


def test_single_subject_evaluation_reads_the_linked_entity(pack: Pack) -> None:
    from xinyong.engines.reference import linked_entities

    ledger = person()
    firm = restricted_firm(ledger)
    role(ledger, "legal_representative", date(2020, 1, 6))
    mine = [r for r in ledger.rows if r[4] == "s"]
    assert linked_entities(pack, mine) == {firm}
    rows = [r for r in ledger.rows if r[4] in {"s", firm}]
    one = evaluate_subject(pack, rows, date(2023, 6, 1), subject_key="s")
    full = evaluate(pack, ledger.rows, date(2023, 6, 1))
    assert one.sorted() == {
        name: [r for r in rs if r[0] == "s"] for name, rs in full.sorted().items()
    }
    assert one["decisions"]
