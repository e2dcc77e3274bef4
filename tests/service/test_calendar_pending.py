"""Deadlines that fall in a year whose working-day arrangement is not known (2027, in December
2026): pending, decided in the subject's favour, and nobody else's evaluation, check or ingest
fails; then the same cases once an arrangement for 2027 is loaded.

The 2027 arrangement below is SYNTHETIC: made up for these tests (the State Council had not
published 2027's when they were written). Its 4 January "holiday" and 9 January "working
Saturday" are there to prove the file is read: no real arrangement is implied.
"""

from __future__ import annotations

import email
from datetime import date
from pathlib import Path

import pytest

from tests.service.test_dueprocess import (
    COURT,
    OTHER,
    PERSON,
    _debtor,
    _ingest,
    _outcome,
    _seq,
    _variant,
)
from xinyong.domain.workdays import WorkdayCalendar
from xinyong.errors import Refused
from xinyong.service import Workspace

THIRD = "110105199001010010"  # a third valid resident ID, with no due process at all
LIST = "dishonest_judgment_debtors"
DECISION = "court.enforcement.dishonesty_decision"

SYNTHETIC_2027 = """\
# SYNTHETIC TEST DATA, NOT THE STATE COUNCIL'S 2027 ARRANGEMENT (unpublished when written).
2027:
  source: SYNTHETIC arrangement for tests (not official)
  holidays:
    2027-01-01: New Year's Day
    2027-01-04: synthetic bridge day
    2027-05-01: Labour Day
    2027-05-02: Labour Day
    2027-10-01: National Day
    2027-10-02: National Day
    2027-10-03: National Day
  workdays: [2027-01-09]
"""


def test_the_shipped_calendar_does_not_know_2027() -> None:
    """The premise of this file; when a package release adds 2027, move these dates on."""
    assert 2027 not in WorkdayCalendar.official().years


def _at(ws: Workspace, day: date) -> Workspace:
    ws.settings.today = day
    return ws


def _setup(tmp_path: Path) -> Workspace:
    ws = Workspace.init(
        tmp_path / "ws", pack=_variant(tmp_path, notice=True), today=date(2026, 12, 5)
    )
    _ingest(
        ws,
        tmp_path,
        *_debtor("(2026)京0105执21号", "2026-12-01", notice="2026-11-02"),
        *_debtor("(2026)京0105执22号", "2026-12-01", notice="2026-11-02", subject=OTHER),
    )
    dp = _at(ws, date(2026, 12, 20)).dueprocess
    # 10 days from Sunday 20 December end on Wednesday 30 December 2026: a known day
    served = dp.issue_notice(
        PERSON, _seq(ws, PERSON, DECISION), LIST, actor=COURT, reasons="refuses to perform",
        to="person@example.invalid", on=date(2026, 12, 20),
    )  # fmt: skip
    assert served.notice is not None and served.notice.objection_by is not None
    assert served.notice.objection_by.on == date(2026, 12, 30)
    # 10 days from 22 December end on 1 January 2027, or later: 2027 is not known
    _at(ws, date(2026, 12, 22))
    pending = dp.issue_notice(
        OTHER, _seq(ws, OTHER, DECISION), LIST, actor=COURT, reasons="refuses to perform",
        to="other@example.invalid", on=date(2026, 12, 22),
    )  # fmt: skip
    assert pending.notice is not None and pending.notice.objection_by is not None
    by = pending.notice.objection_by
    # 1 January is New Year's Day by law; Saturday 2 January may be a swapped working day
    assert (by.on, by.pending, by.not_before) == (None, 2027, date(2027, 1, 2))
    return ws


def test_a_period_ending_in_an_unknown_year_holds_the_listing_and_nobody_else_fails(
    tmp_path: Path,
) -> None:
    ws = _setup(tmp_path)
    # the notice tells the subject the earliest day, and that a filing before the end is known
    # is in time
    sent = sorted(ws.settings.path(ws.settings.outbox_dir).glob("*.eml"))
    texts = []
    for path in sent:
        body = email.message_from_bytes(path.read_bytes()).get_payload(decode=True)
        assert isinstance(body, bytes)
        texts.append(body.decode("utf-8"))
    assert any("until 2026-12-30 (case" in t for t in texts)
    told = next(t for t in texts if "2027" in t)
    assert "until 2027-01-02 at least" in told and "2027 holiday arrangement" in told
    # an ingest touching the held subject and a third one re-evaluates both without error
    _at(ws, date(2026, 12, 28))
    _ingest(
        ws, tmp_path,
        *_debtor("(2026)京0105执23号", "2026-12-28", notice="2026-11-27", subject=OTHER),
        *_debtor("(2026)京0105执24号", "2026-12-28", notice="2026-11-27", subject=THIRD),
    )  # fmt: skip
    for day in (date(2026, 12, 31), date(2027, 1, 6), date(2027, 3, 1)):
        _at(ws, day).evaluate(as_of=day)
        # PERSON's listing took effect the day after its period; OTHER's is held
        assert _outcome(ws, PERSON, day) == "restrict", day
        assert _outcome(ws, OTHER, day) == "allow", day
        assert _outcome(ws, THIRD, day) == "allow", day  # no notice served on it at all
    why = ws.check(OTHER, "air_travel.book", audience="subject")
    held = [r for r in why.reasons if r.code.value == "notice_pending"]
    assert any(
        "held: the objection period's end cannot be computed until the 2027 working-day "
        "arrangement is loaded" in getattr(r, "held", "")
        for r in held
    )
    # the subject's own view says the same, and no one is flagged overdue on a pending day
    found = ws.dueprocess.subject(OTHER)
    pending = [(n, on) for n, on in found.notices if n.record_seq == _seq(ws, OTHER, DECISION)]
    assert pending and pending[0][1] is None
    assert ws.dueprocess.overdue() == []


def test_steps_against_a_pending_deadline_are_never_late(tmp_path: Path) -> None:
    ws = _setup(tmp_path)
    dp = ws.dueprocess
    # OTHER objects on 5 January 2027, after the earliest day the period can end (2 January):
    # while the end is unknown it is in time, and it keeps the listing from taking effect
    filed = _at(ws, date(2027, 1, 5)).dueprocess.file_objection(
        OTHER, _seq(ws, OTHER, DECISION), grounds="paid", on=date(2027, 1, 5)
    )
    assert filed.objection is not None and filed.objection.in_time
    # the court's review deadline is pending too, shown with its earliest day
    assert filed.objection.review_by.on is None
    assert "2027-01-20 or later (pending the 2027 working-day arrangement)" in filed.remedy
    # the case as the API serves it: the pending deadline apart, with its earliest day
    case = dp.cases.read(filed.case)
    assert "review_by" not in case.deadlines
    assert (case.pending["review_by"].not_before, case.pending["review_by"].year) == (
        date(2027, 1, 20),
        2027,
    )
    assert case.overdue == []
    # PERSON objects in time (29 December), is rejected on 30 December; reconsideration may be
    # asked for within 10 days, to 9 January or later: asked on 11 January, it is not late
    mine = dp.file_objection(
        PERSON, _seq(ws, PERSON, DECISION), grounds="not me", on=date(2026, 12, 29)
    )
    dp.decide(mine.case, actor=COURT, upheld=False, reasons="it is", on=date(2026, 12, 30))
    again = dp.reconsider(mine.case, grounds="new evidence", on=date(2027, 1, 11))
    assert again.state == "reconsideration"


def test_loading_a_2027_arrangement_computes_the_held_dates(tmp_path: Path) -> None:
    ws = _setup(tmp_path)
    dp = ws.dueprocess
    mine = dp.file_objection(
        PERSON, _seq(ws, PERSON, DECISION), grounds="not me", on=date(2026, 12, 29)
    )
    dp.decide(mine.case, actor=COURT, upheld=False, reasons="it is", on=date(2026, 12, 30))
    # asked while the end was pending: in time for good, whatever 2027 turns out to be
    dp.reconsider(mine.case, grounds="new evidence", on=date(2027, 1, 11))
    overrides = tmp_path / "workdays-2027-SYNTHETIC.yaml"
    overrides.write_text(SYNTHETIC_2027, encoding="utf-8")
    ws = Workspace.open(ws.settings.workspace, workday_overrides=overrides, today=date(2027, 1, 4))
    # 1 January (holiday), 2-3 (weekend), 4 (the synthetic bridge day): the period of the
    # notice served on 22 December ends on Tuesday 5 January; the listing takes effect on the 6th
    found = ws.dueprocess.subject(OTHER)
    (notice, effective), *_ = found.notices
    assert notice.objection_by is not None and notice.objection_by.on == date(2027, 1, 5)
    assert effective == date(2027, 1, 6)
    for day, expected in ((date(2027, 1, 5), "allow"), (date(2027, 1, 6), "restrict")):
        _at(ws, day).evaluate(as_of=day)
        assert _outcome(ws, OTHER, day) == expected, day
    # the reconsideration asked on Monday 11 January was past the end now known (10 days from
    # 30 December: Saturday 9 January, a synthetic working day), but was accepted while the
    # end was pending: it stands
    (o,) = ws.dueprocess.subject(PERSON).objections
    assert o.state.value == "reconsideration" and o.reconsider_by is not None
    assert o.reconsider_by.on == date(2027, 1, 9)
    # one asked now, after the known end (17 January, a Sunday: the 18th), is refused as late
    other = ws.dueprocess.file_objection(
        OTHER, _seq(ws, OTHER, DECISION), grounds="paid", on=date(2027, 1, 7)
    )
    assert other.objection is not None and not other.objection.in_time
    ws.dueprocess.decide(other.case, actor=COURT, upheld=False, reasons="no", on=date(2027, 1, 7))
    with pytest.raises(Refused, match="too late"):
        ws.dueprocess.reconsider(other.case, grounds="again", on=date(2027, 1, 20))
    # the court's three working days to correct from Thursday 31 December: 5, 6, 7 January
    # (the synthetic 4th is off)
    assert ws.calendar.working_days_due(date(2026, 12, 31), 3).on == date(2027, 1, 7)
