"""The working-day calendar on real dates of the State Council's arrangements."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.domain.workdays import WorkdayCalendar, YearArrangement
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


def test_the_override_file_adds_a_year_and_names_file_and_line_of_a_mistake(
    tmp_path: Path,
) -> None:
    year = CAL.last_year + 1
    good = tmp_path / "workdays.yaml"
    good.write_text(
        f"{year}:\n  source: notice of the State Council General Office\n"
        f"  holidays: {{{year}-01-01: New Year's Day}}\n  workdays: []\n",
        encoding="utf-8",
    )
    ws = Workspace.init(tmp_path / "ws", today=date(2026, 11, 22))
    ws.settings.workday_overrides = good
    assert not ws.calendar.is_workday(date(year, 1, 1))
    assert ws.calendar.is_workday(date(year, 1, 4))
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        f"{year}:\n  source: notice\n  holidays: {{}}\n  workdays: []\n"
        f"{year + 1}:\n  source: notice\n  workdays: [{year + 1}-01-06]\n",
        encoding="utf-8",
    )
    with pytest.raises(SettingsError, match=rf"bad.yaml:5 {year + 1}: .* is a weekday"):
        load_workday_overrides(bad)
