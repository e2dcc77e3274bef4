"""The due-process state machines on real dates: objections, notices, restoration, holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.dueprocess import (
    OPEN_OBJECTION,
    Event,
    Holds,
    Objection,
    ObjectionRules,
    ObjectionState,
    RestorationCondition,
    RestorationRules,
    RestorationState,
    fold_notice,
    fold_objection,
    fold_restoration,
    restoration_problems,
    step_objection,
)
from xinyong.domain.workdays import WorkdayCalendar
from xinyong.errors import Refused

CAL = WorkdayCalendar.official()
# SPC Fa Shi [2017] No. 7 Art 12, as the national pack states it
SPC = ObjectionRules(
    review_days=15,
    correction_working_days=3,
    reconsideration_filing_days=10,
    reconsideration_decision_days=15,
    suspends=False,
    suspends_on_reconsideration=False,
)
ORDER_36 = RestorationRules(
    conditions=(
        RestorationCondition("conduct_corrected", "duties performed"),
        RestorationCondition("public_credit_commitment", "a public credit commitment"),
    ),
    effect_working_days=3,
)


def ev(type_: str, on: date, seq: int, refers_to: int | None = None, **attributes: object) -> Event:
    return Event(type_, "actor", on, seq, "case-1", refers_to, attributes)


def test_review_deadline_in_the_spring_festival_moves_to_the_next_working_day() -> None:
    # filed 1 February 2026: 15 days end on 16 February, inside the holiday (15-23 February)
    o = fold_objection([ev("objection.filed", date(2026, 2, 1), 10, refers_to=3)], SPC, CAL)
    assert o.review_by.on == date(2026, 2, 24)
    assert o.overdue(date(2026, 2, 24)) == []
    assert o.overdue(date(2026, 2, 25)) == ["review due by 2026-02-24, not decided"]


def test_correction_deadline_counts_the_swapped_saturday() -> None:
    # upheld Friday 13 February 2026: Sat 14 (a swapped working day) is the first of the 3
    # working days, the holiday counts for nothing, then Tue 24 and Wed 25
    o = fold_objection(
        [
            ev("objection.filed", date(2026, 2, 2), 10, refers_to=3),
            ev("objection.upheld", date(2026, 2, 13), 11, reasons="wrong case", outcome="revoked"),
        ],
        SPC,
        CAL,
    )
    assert o.state is ObjectionState.upheld
    assert o.correct_by.on == date(2026, 2, 25)


def test_a_full_objection_through_reconsideration() -> None:
    steps = [
        ev("objection.filed", date(2026, 3, 2), 10, refers_to=3),
        ev("objection.review", date(2026, 3, 3), 11),
        ev("objection.rejected", date(2026, 3, 10), 12, reasons="the debt is unpaid"),
        ev("reconsideration.filed", date(2026, 3, 18), 13),
        ev("reconsideration.decided", date(2026, 3, 30), 14, decision="upheld", reasons="paid"),
    ]
    o = fold_objection(steps, SPC, CAL)
    assert o.state is ObjectionState.upheld_on_reconsideration
    assert o.reconsider_by.on == date(2026, 3, 20)
    assert o.reconsideration_by.on == date(2026, 4, 2)
    assert o.steps == (10, 11, 12, 13, 14)


def test_reconsideration_too_late_is_refused_with_reasons_and_the_next_remedy() -> None:
    rejected = fold_objection(
        [
            ev("objection.filed", date(2026, 3, 2), 10, refers_to=3),
            ev("objection.rejected", date(2026, 3, 10), 12, reasons="unpaid"),
        ],
        SPC,
        CAL,
    )
    with pytest.raises(Refused) as caught:
        step_objection(rejected, ev("reconsideration.filed", date(2026, 3, 23), 13), SPC, CAL)
    assert "by 2026-03-20" in caught.value.reasons[0]
    assert "object again" in caught.value.remedy


def test_a_decision_without_reasons_is_refused() -> None:
    filed = fold_objection([ev("objection.filed", date(2026, 3, 2), 10, refers_to=3)], SPC, CAL)
    with pytest.raises(Refused):
        step_objection(filed, ev("objection.rejected", date(2026, 3, 3), 11), SPC, CAL)


TYPES = [
    "objection.review",
    "objection.upheld",
    "objection.rejected",
    "reconsideration.filed",
    "reconsideration.decided",
    "notice.served",
]


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(date(2024, 1, 1), date(2026, 6, 30)),
    moves=st.lists(
        st.tuples(st.sampled_from(TYPES), st.integers(0, 20), st.booleans()), max_size=8
    ),
    rules=st.builds(
        ObjectionRules,
        review_days=st.integers(1, 30),
        correction_working_days=st.integers(0, 5),
        reconsideration_filing_days=st.just(10),
        reconsideration_decision_days=st.just(15),
        suspends=st.booleans(),
        suspends_on_reconsideration=st.booleans(),
    ),
)
def test_any_sequence_of_steps_leaves_a_consistent_objection(
    start: date, moves: list[tuple[str, int, bool]], rules: ObjectionRules
) -> None:
    """Steps the state refuses change nothing; whatever is accepted leaves deadlines on working
    days after their start, dates in order, and `open` exactly for the pending states."""
    o: Objection = fold_objection([ev("objection.filed", start, 0, refers_to=5)], rules, CAL)
    day = start
    for i, (t, gap, upheld) in enumerate(moves, start=1):
        day = day + timedelta(days=gap)
        attrs: dict[str, object] = {"reasons": "because"}
        if t == "reconsideration.decided":
            attrs["decision"] = "upheld" if upheld else "rejected"
        before = o
        try:
            o = step_objection(o, ev(t, day, i, **attrs), rules, CAL)
        except Refused as refused:
            assert refused.reasons and refused.remedy
            assert o == before
            continue
        assert o.steps[-1] == i
    assert o.open == (o.state in OPEN_OBJECTION)
    assert o.review_by.on is not None  # every day of these cases is in a known year
    assert o.review_by.on >= o.filed_on and CAL.is_workday(o.review_by.on)
    for deadline in (o.reconsider_by, o.reconsideration_by):
        assert deadline is None or (deadline.on is not None and CAL.is_workday(deadline.on))
    if o.correct_by is not None:
        # "within 0 working days" is the day of the decision itself, whatever day it is
        assert o.correct_by.on is not None and o.correct_by.on >= o.last_on
        assert rules.correction_working_days == 0 or CAL.is_workday(o.correct_by.on)
    if o.decided_on is not None:
        assert o.filed_on <= o.decided_on <= o.last_on
    for a, b in o.suspensions(rules):
        assert b is None or a <= b
    if not rules.suspends and not rules.suspends_on_reconsideration:
        assert o.suspensions(rules) == []


def test_notice_takes_effect_after_its_objection_period() -> None:
    n = fold_notice(
        [
            ev("notice.issued", date(2026, 9, 25), 20, refers_to=3, list="debtors"),
            ev("notice.served", date(2026, 9, 25), 21, channel="outbox"),
        ],
        10,
        CAL,
    )
    # 10 days from 25 September end on 5 October, inside National Day (1-7 October 2026): the
    # period runs until Thursday 8 October and the listing takes effect on the 9th
    assert n.objection_by.on == date(2026, 10, 8)
    assert n.effective_from([]) == date(2026, 10, 9)
    filed = fold_objection([ev("objection.filed", date(2026, 10, 8), 22, refers_to=3)], SPC, CAL)
    assert n.effective_from([filed]) is None  # pending: never while it is open
    upheld = step_objection(
        filed, ev("objection.upheld", date(2026, 10, 12), 23, reasons="paid"), SPC, CAL
    )
    assert n.effective_from([upheld]) is None  # and never on this notice once upheld
    rejected = step_objection(
        filed, ev("objection.rejected", date(2026, 10, 12), 23, reasons="unpaid"), SPC, CAL
    )
    assert n.effective_from([rejected]) == date(2026, 10, 12)


def test_restoration_before_the_minimum_is_not_grantable_and_after_it_is() -> None:
    problems = restoration_problems(
        ORDER_36,
        applied_on=date(2026, 5, 1),
        may_apply_from=date(2026, 6, 1),
        attested=["conduct_corrected"],
    )
    assert problems == [
        "the minimum display period runs until 2026-05-31; an application is possible from "
        "2026-06-01",
        "condition not met: public_credit_commitment (a public credit commitment)",
    ]
    assert not restoration_problems(
        ORDER_36,
        applied_on=date(2026, 6, 1),
        may_apply_from=date(2026, 6, 1),
        attested=["conduct_corrected", "public_credit_commitment"],
    )


def test_restoration_grant_takes_effect_within_three_working_days() -> None:
    r = fold_restoration(
        [
            ev("restoration.applied", date(2026, 2, 10), 30, refers_to=4),
            ev("restoration.granted", date(2026, 2, 13), 31, reasons="conditions met"),
        ],
        ORDER_36,
        CAL,
    )
    assert r.state is RestorationState.granted
    assert r.effect_by.on == date(2026, 2, 25)  # Sat 14 (swapped), then Tue 24, Wed 25
    with pytest.raises(Refused):
        fold_restoration(
            [
                ev("restoration.applied", date(2026, 2, 10), 30, refers_to=4),
                ev("restoration.granted", date(2026, 2, 13), 31, reasons="ok"),
                ev("restoration.refused", date(2026, 2, 14), 32, reasons="no"),
            ],
            ORDER_36,
            CAL,
        )


def test_holds() -> None:
    h = Holds(
        notices={("debtors", 3): date(2026, 10, 10)},
        disputes={4: ((date(2026, 3, 1), date(2026, 3, 10)),)},
    )
    assert not h.noticed("debtors", 3, date(2026, 10, 9))
    assert h.noticed("debtors", 3, date(2026, 10, 10))
    assert not h.noticed("debtors", 5, date(2026, 10, 10))
    assert h.disputed(4, date(2026, 3, 9)) and not h.disputed(4, date(2026, 3, 10))
    assert not Holds()


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(date(CAL.last_year, 10, 1), date(CAL.last_year + 2, 6, 30)),
    moves=st.lists(
        st.tuples(st.sampled_from(TYPES[:-1]), st.integers(0, 20), st.booleans()), max_size=6
    ),
    days=st.integers(1, 30),
)
def test_no_deadline_in_an_unknown_year_fails_a_fold(
    start: date, moves: list[tuple[str, int, bool]], days: int
) -> None:
    """Past the calendar's last year every fold still reads: its deadlines are pending, nothing
    is overdue on them, and a notice whose period is pending does not take effect."""
    o = fold_objection([ev("objection.filed", start, 0, refers_to=5)], SPC, CAL)
    day = start
    for i, (t, gap, upheld) in enumerate(moves, start=1):
        day += timedelta(days=gap)
        attrs: dict[str, object] = {"reasons": "because"}
        if t == "reconsideration.decided":
            attrs["decision"] = "upheld" if upheld else "rejected"
        try:
            o = step_objection(o, ev(t, day, i, **attrs), SPC, CAL)
        except Refused:
            continue
    for due in (o.review_by, o.correct_by, o.reconsider_by, o.reconsideration_by):
        if due is not None and due.on is None:
            assert due.pending is not None and due.pending > CAL.last_year
            assert not due.passed(date(CAL.last_year + 10, 1, 1))
    n = fold_notice(
        [
            ev("notice.issued", start, 20, refers_to=5, list="debtors"),
            ev("notice.served", start, 21, channel="outbox"),
        ],
        days,
        CAL,
    )
    assert n.objection_by is not None
    if n.objection_by.on is None:
        assert n.effective_from([]) is None and n.effective_from([o]) is None
    r = fold_restoration(
        [
            ev("restoration.applied", start, 30, refers_to=4),
            ev("restoration.granted", day, 31, reasons="conditions met"),
        ],
        ORDER_36,
        CAL,
    )
    assert r.effect_by is not None and r.effect_by.not_before > day
