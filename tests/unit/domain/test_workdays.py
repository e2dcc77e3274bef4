"""The working-day calendar on real dates of the State Council's arrangements."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.domain.workdays import (
    FIXED_HOLIDAYS,
    WorkdayCalendar,
    YearArrangement,
    coverage_warning,
)
from xinyong.errors import CalendarError, SettingsError
from xinyong.policy.workdays import load_workday_overrides
from xinyong.service import Workspace

CAL = WorkdayCalendar.official()


def test_spring_festival_2026_and_its_swapped_saturdays() -> None:
    # 2026: Spring Festival off 15–23 February; Saturday 14 and Saturday 28 February are working.
    assert not CAL.is_workday(date(2026, 2, 17))
    assert CAL.holiday_name(date(2026, 2, 17)) == "Spring Festival"
    assert CAL.is_workday(date(2026, 2, 14))  # a Saturday, swapped into a working day
    assert CAL.is_workday(date(2026, 2, 28))
    assert not CAL.is_workday(date(2026, 3, 1))  # an ordinary Sunday


def test_a_deadline_in_the_spring_festival_moves_to_the_next_working_day() -> None:
    # 15 days from 2 February 2026 ends on 17 February, inside the holiday: it moves to the 24th.
    assert CAL.period_end(date(2026, 2, 2), 15) == date(2026, 2, 24)
    # one that ends on a working day stays
    assert CAL.period_end(date(2026, 3, 2), 15) == date(2026, 3, 17)


def test_working_days_count_the_swapped_saturday_and_skip_the_holiday() -> None:
    # "within 3 working days" of Thursday 12 February 2026: Fri 13, Sat 14 (swapped), Tue 24.
    assert CAL.add_working_days(date(2026, 2, 12), 3) == date(2026, 2, 24)
    # National Day 2025: 1–8 October off, Saturday 11 October working.
    assert CAL.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert CAL.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)


def test_a_year_without_a_known_arrangement_is_an_error_not_a_guess() -> None:
    with pytest.raises(CalendarError, match=r"no official working-day arrangement .* 2099"):
        CAL.is_workday(date(2099, 1, 5))
    # counting across the end of the last known year stops there too
    with pytest.raises(CalendarError, match=f"known for {CAL.last_year + 1}"):
        CAL.add_working_days(date(CAL.last_year, 12, 28), 10)


def test_an_override_year_is_taken_whole() -> None:
    extra = YearArrangement(
        year=CAL.last_year + 1,
        holidays={date(CAL.last_year + 1, 1, 1): "New Year's Day"},
        workdays=frozenset(),
        source="test notice",
    )
    cal = WorkdayCalendar.official([extra])
    first = date(CAL.last_year + 1, 1, 1)
    assert not cal.is_workday(first)
    assert cal.sources[first.year] == "test notice"
    assert cal.last_year == first.year


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ({date(2030, 1, 1): "x"}, {date(2030, 1, 1)}, "both a holiday and a working day"),
        ({}, {date(2030, 1, 2)}, "is a weekday"),  # a Wednesday cannot be "swapped in"
        ({date(2031, 1, 1): "x"}, set(), "of another year"),
    ],
)
def test_an_arrangement_that_contradicts_itself_is_refused(
    holidays: dict[date, str], workdays: set[date], message: str
) -> None:
    with pytest.raises(CalendarError, match=message):
        YearArrangement(2030, holidays, frozenset(workdays), "test")


known = st.dates(min_value=date(min(CAL.years), 1, 1), max_value=date(CAL.last_year, 11, 30))


@given(start=known, n=st.integers(0, 20))
def test_working_days_land_on_a_working_day_after_exactly_n_of_them(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    between = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(CAL.is_workday(d) for d in between) == n
    assert n == 0 or CAL.is_workday(end)


@given(start=known, days=st.integers(0, 30))
def test_a_period_ends_on_its_day_or_the_first_working_day_after(start: date, days: int) -> None:
    end = CAL.period_end(start, days)
    due = start + timedelta(days=days)
    assert CAL.is_workday(end)
    assert end >= due
    assert all(not CAL.is_workday(due + timedelta(days=i)) for i in range((end - due).days))


# SYNTHETIC TEST DATA for a year past the package's: not an official arrangement.
SYNTHETIC = """\
{y}:
  source: SYNTHETIC arrangement for tests (not official)
  holidays:
    {y}-01-01: New Year's Day
    {y}-05-01: Labour Day
    {y}-05-02: Labour Day
    {y}-10-01: National Day
    {y}-10-02: National Day
    {y}-10-03: National Day
  workdays:
    - {sat}
"""


def _first_saturday(year: int) -> date:
    day = date(year, 1, 1)
    return day + timedelta(days=(5 - day.weekday()) % 7)


def test_the_override_file_adds_a_year(tmp_path: Path) -> None:
    year = CAL.last_year + 1
    sat = _first_saturday(year)
    good = tmp_path / "workdays.yaml"
    good.write_text(SYNTHETIC.format(y=year, sat=sat), encoding="utf-8")
    ws = Workspace.init(tmp_path / "ws", today=date(2026, 11, 22))
    ws.settings.workday_overrides = good
    assert not ws.calendar.is_workday(date(year, 1, 1))
    assert ws.calendar.is_workday(sat)  # the swapped Saturday
    assert not ws.calendar.is_workday(sat + timedelta(days=1))
    assert ws.calendar.sources[year].endswith("(workdays.yaml)")


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("{y}-05-02: Labour", "{y}-05-32: Labour", r":6 {y}\.holidays: '{y}-05-32' is not a date"),
        ("    - {sat}", "    - {mon}", r":11 {y}\.workdays\.{mon}: a weekday"),
        ("National Day\n  w", "National Day\n    {sat}: x\n  w", r":12 {y}\.workdays\.{sat}: also"),
        ("    - {sat}", "    - {z}-01-03", r":11 {y}\.workdays\.{z}-01-03: a date of {z}, not"),
        ("    {y}-10-03: National Day\n", "", r":3 {y}\.holidays: {y}-10-03 is missing"),
        ("{y}-10-02: National Day", "{y}-10-02: ''", r":8 {y}\.holidays\.{y}-10-02: give the"),
        ("  workdays:", "  note: x\n  workdays:", r":10 {y}\.note: unknown key"),
        ("  source: SYNTHETIC arrangement for tests (not official)\n", "", r":1 {y}\.source: name"),
    ],
)
def test_a_mistake_in_the_override_file_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    year = CAL.last_year + 1
    sat = _first_saturday(year)
    names = {"y": year, "z": year + 1, "sat": sat, "mon": sat + timedelta(days=2)}
    bad = tmp_path / "bad.yaml"
    text = SYNTHETIC.format(**names)
    assert old.format(**names) in text
    bad.write_text(text.replace(old.format(**names), new.format(**names)), encoding="utf-8")
    with pytest.raises(SettingsError, match="bad.yaml" + where.format(**names)):
        load_workday_overrides(bad)


# --- deadlines in a year not known: pending, with a bound that is never late ----------------------

GAP = 2025  # a year the package knows, taken out to compare the bound with the real deadline
PARTIAL = WorkdayCalendar(
    CAL.holidays,
    CAL.workdays,
    CAL.years - {GAP},
    {y: s for y, s in CAL.sources.items() if y != GAP},
)
around = st.dates(min_value=date(GAP - 1, 10, 1), max_value=date(GAP, 12, 31))


@given(start=around, days=st.integers(0, 40))
def test_a_pending_period_end_is_never_after_the_real_one(start: date, days: int) -> None:
    real = CAL.period_end(start, days)
    due = PARTIAL.period_due(start, days)
    if due.on is not None:
        assert due.on == real and due.pending is None
    else:
        assert due.pending == GAP
        assert start + timedelta(days=days) <= due.not_before <= real


@given(start=around, n=st.integers(0, 20))
def test_a_pending_working_day_count_is_never_after_the_real_one(start: date, n: int) -> None:
    real = CAL.add_working_days(start, n)
    due = PARTIAL.working_days_due(start, n)
    if due.on is not None:
        assert due.on == real
    else:
        assert due.pending == GAP and due.not_before <= real
        assert not due.passed(date(GAP + 5, 1, 1))  # nothing is late on a pending deadline


def test_the_holidays_fixed_by_law_tighten_the_bound() -> None:
    # 10 days from 22 December end on 1 January at the earliest: New Year's Day is a holiday by
    # law, so not before 2 January (a Friday in 2025); the real end (2025) is 2 January too
    due = PARTIAL.period_due(date(GAP - 1, 12, 22), 10)
    assert (due.on, due.not_before) == (None, date(GAP, 1, 2))
    assert str(due) == f"{GAP}-01-02 or later (pending the {GAP} working-day arrangement)"


def test_operators_are_warned_90_days_before_the_calendar_ends() -> None:
    end = date(CAL.last_year, 12, 31)
    assert coverage_warning(CAL, end - timedelta(days=91)) is None
    warned = coverage_warning(CAL, end - timedelta(days=90))
    assert warned is not None and f"deadlines falling in {CAL.last_year + 1} are pending" in warned
    after = coverage_warning(CAL, date(CAL.last_year + 1, 1, 4))
    assert after is not None and f"today's year {CAL.last_year + 1} has no known" in after
    # a year added ahead moves the end
    extra = YearArrangement(CAL.last_year + 1, {}, frozenset(), "test")
    assert coverage_warning(WorkdayCalendar.official([extra]), end - timedelta(days=30)) is None


NEXT = CAL.last_year + 1
# days off and swaps up to October, deadlines from up to 1 October: every walk ends in the year
next_days = st.dates(min_value=date(NEXT, 1, 1), max_value=date(NEXT, 10, 31))


@st.composite
def arrangements(draw: st.DrawFn) -> YearArrangement:
    """Any arrangement the next year could have (SYNTHETIC, for the bound's soundness): the
    holidays fixed by law, any other days off, any weekend days swapped into working days."""
    fixed = {date(NEXT, m, d): "fixed by law" for m, d in FIXED_HOLIDAYS}
    extra = draw(st.sets(next_days, max_size=40))
    swapped = draw(st.sets(next_days.filter(lambda d: d.weekday() >= 5), max_size=12))
    holidays = {**{d: "synthetic" for d in extra}, **fixed}
    return YearArrangement(NEXT, holidays, frozenset(swapped - set(holidays)), "SYNTHETIC")


late = st.dates(min_value=date(CAL.last_year, 11, 1), max_value=date(NEXT, 10, 1))


@given(arrangement=arrangements(), start=late, days=st.integers(0, 40), n=st.integers(0, 10))
def test_no_arrangement_can_end_a_pending_deadline_before_its_bound(
    arrangement: YearArrangement, start: date, days: int, n: int
) -> None:
    """Whatever the next year's arrangement turns out to be, the deadline it gives is never
    before the earliest day shown while it was pending; a known one does not change."""
    cal = WorkdayCalendar.official([arrangement])
    for pending, real in (
        (CAL.period_due(start, days), cal.period_end(start, days)),
        (CAL.working_days_due(start, n), cal.add_working_days(start, n)),
    ):
        if pending.on is None:
            assert pending.pending == NEXT and pending.not_before <= real
        else:
            assert pending.on == real
