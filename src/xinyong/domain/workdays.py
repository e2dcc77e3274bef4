"""The PRC's working-day calendar: public holidays and weekend days swapped into working days.

Deadlines in the rules are counted two ways, and both need the State Council's yearly arrangement
of public holidays, which moves weekend days into working days around the long holidays:

- **working days** ("deleted within 3 working days", SPC Fa Shi [2017] No. 7 Art 10): count only
  working days, so a Saturday swapped into a working day counts and a holiday does not;
- **calendar periods** ("review within 15 days"): when the last day falls on a public holiday or a
  weekend day that is not a working day, the period ends on the first working day after it (the
  rule of the Civil Procedure Law on the expiry of periods).

The arrangement is published year by year, so a calendar knows a closed range of years: the
years of the maintained `chinese-calendar` package (official arrangements since 2004) plus years an
operator adds from the State Council's notice (`YearArrangement`, loaded from an override file by
the service). A date past the last known year is never guessed: a guessed holiday would move a
subject's deadline. `is_workday` refuses it (`CalendarError`); the deadline methods the workflows
use (`period_due`, `working_days_due`) give a `Due` that is *pending* the year's arrangement,
with the earliest day it can be (`Due.not_before`), and the workflows decide in the subject's
favour while it is pending (docs/guides/calendar.md).

The earliest day rests on what no arrangement can change: a day of a known year is what its
arrangement says, and of an unknown year only the public holidays fixed by date in the National
Holidays regulation (2024 revision, Art 2: New Year's Day 1 January, Labour Day 1-2 May, National
Day 1-3 October) are certainly not working days. Weekends are not: the arrangement swaps some
into working days. The lunar holidays (Spring Festival, Dragon Boat, Mid-Autumn) and Qingming are
left out, which only makes the bound earlier, never later than the true deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from xinyong.errors import CalendarError

SATURDAY = 5

#: The public holidays the National Holidays regulation fixes by Gregorian date (2024 revision,
#: Art 2), as (month, day): non-working days whatever a year's arrangement says.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline: its day (`on`), or, while a year it depends on has no known arrangement
    (`pending`), None and the earliest day it can be (`not_before`). Known: `not_before == on`."""

    on: date | None
    not_before: date
    pending: int | None = None  # the year whose arrangement it waits for

    def passed(self, day: date) -> bool:
        """Whether `day` is certainly after the deadline: never while it is pending, so nothing
        is late (nor overdue) on a deadline that cannot be computed yet."""
        return self.on is not None and day > self.on

    def __str__(self) -> str:
        if self.on is not None:
            return self.on.isoformat()
        return (
            f"{self.not_before.isoformat()} or later (pending the {self.pending} working-day "
            "arrangement)"
        )


@dataclass(frozen=True)
class YearArrangement:
    """One year's official arrangement: its public holidays (date → name) and the weekend days
    that are working days, with the notice that published it."""

    year: int
    holidays: Mapping[date, str]
    workdays: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        stray = sorted(d for d in [*self.holidays, *self.workdays] if d.year != self.year)
        if stray:
            raise CalendarError(f"arrangement for {self.year} lists {stray[0]}, of another year")
        both = sorted(set(self.holidays) & self.workdays)
        if both:
            raise CalendarError(f"{both[0]} is both a holiday and a working day in {self.year}")
        weekday_workdays = sorted(d for d in self.workdays if d.weekday() < SATURDAY)
        if weekday_workdays:
            raise CalendarError(
                f"{weekday_workdays[0]} is listed as a swapped working day but is a weekday"
            )


@dataclass(frozen=True)
class WorkdayCalendar:
    """Working days for the years it knows; see the module docstring."""

    holidays: Mapping[date, str]
    workdays: frozenset[date]
    years: frozenset[int]
    sources: Mapping[int, str] = field(default_factory=dict)

    @classmethod
    def official(cls, overrides: Iterable[YearArrangement] = ()) -> WorkdayCalendar:
        """The `chinese-calendar` package's arrangements, with `overrides` replacing or adding
        whole years (a year is taken whole from one source, never merged)."""
        from importlib.metadata import version

        from chinese_calendar import constants

        package = f"chinese-calendar {version('chinese-calendar')} package"
        by_year: dict[int, YearArrangement] = {}
        known = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
        for year in known:
            by_year[year] = YearArrangement(
                year=year,
                holidays={d: str(n) for d, n in constants.holidays.items() if d.year == year},
                workdays=frozenset(d for d in constants.workdays if d.year == year),
                source=f"{package} (State Council General Office notices)",
            )
        for arrangement in overrides:
            by_year[arrangement.year] = arrangement
        return cls.of(by_year.values())

    @classmethod
    def of(cls, arrangements: Iterable[YearArrangement]) -> WorkdayCalendar:
        holidays: dict[date, str] = {}
        workdays: set[date] = set()
        sources: dict[int, str] = {}
        for a in arrangements:
            holidays.update(a.holidays)
            workdays |= a.workdays
            sources[a.year] = a.source
        return cls(holidays, frozenset(workdays), frozenset(sources), sources)

    @property
    def last_year(self) -> int:
        return max(self.years)

    def _known(self, day: date) -> None:
        if day.year not in self.years:
            first, last = min(self.years), max(self.years)
            raise CalendarError(
                f"no official working-day arrangement is known for {day.year} (known: "
                f"{first}–{last}); deadlines on {day.isoformat()} cannot be computed",
                details=[
                    "add the State Council's arrangement for that year to the workday "
                    "override file (settings: workday_overrides), or upgrade chinese-calendar"
                ],
            )

    def is_workday(self, day: date) -> bool:
        """A weekday that is not a public holiday, or a weekend day swapped into a working day."""
        self._known(day)
        if day in self.workdays:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays

    def holiday_name(self, day: date) -> str | None:
        self._known(day)
        return self.holidays.get(day)

    def next_workday(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself is not counted): the last day of
        "within n working days" of an act on `start`."""
        if n < 0:
            raise CalendarError(f"cannot count {n} working days")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def _maybe_workday(self, day: date) -> bool:
        """`is_workday` in a known year; in an unknown one, whether the day can be a working day
        at all (any day but a holiday fixed by date)."""
        if day.year in self.years:
            return self.is_workday(day)
        return (day.month, day.day) not in FIXED_HOLIDAYS

    def period_due(self, start: date, days: int) -> Due:
        """`period_end`, or, when it depends on a year not known, pending with its earliest day:
        every day skipped on the way is certainly not a working day."""
        day = start + timedelta(days=days)
        pending = None
        while True:
            if day.year not in self.years:
                pending = pending or day.year
            if self._maybe_workday(day):
                return Due(None if pending else day, day, pending)
            day += timedelta(days=1)

    def working_days_due(self, start: date, n: int) -> Due:
        """`add_working_days`, or, when it depends on a year not known, pending with its earliest
        day: the n-th day after `start` that can be a working day (the working days are among
        them, so the n-th working day is never earlier)."""
        if n < 0:
            raise CalendarError(f"cannot count {n} working days")
        day, pending = start, None
        while n:
            day += timedelta(days=1)
            if day.year not in self.years:
                pending = pending or day.year
            if self._maybe_workday(day):
                n -= 1
        return Due(None if pending else day, day, pending)

    def known_until(self, today: date) -> date | None:
        """The last day of the run of known years from `today`'s (None: its year is unknown)."""
        year = today.year
        if year not in self.years:
            return None
        while year + 1 in self.years:
            year += 1
        return date(year, 12, 31)

    def period_end(self, start: date, days: int) -> date:
        """The last day of a period of `days` calendar days from `start` (not counted), moved to
        the next working day when it falls on a day that is not one."""
        return self.next_workday(start + timedelta(days=days))


#: How many days before the end of the last known year operators are warned.
WARN_DAYS = 90


def spans(cal: WorkdayCalendar) -> list[tuple[int, int, str]]:
    """The known years as runs (first, last, source) of consecutive years with one source."""
    out: list[tuple[int, int, str]] = []
    for year in sorted(cal.years):
        source = cal.sources[year]
        if out and out[-1][1] == year - 1 and out[-1][2] == source:
            out[-1] = (out[-1][0], year, source)
        else:
            out.append((year, year, source))
    return out


def coverage_warning(cal: WorkdayCalendar, today: date, within: int = WARN_DAYS) -> str | None:
    """What operators must be told when the calendar ends within `within` days of `today` (or
    has ended): deadlines past its end are pending, and listings resting on them held."""
    end = cal.known_until(today)
    if end is not None and (end - today).days > within:
        return None
    year = today.year if end is None else end.year + 1
    when = (
        f"today's year {today.year} has no known working-day arrangement"
        if end is None
        else f"the working-day calendar ends on {end.isoformat()}, in {(end - today).days} days"
    )
    return (
        f"{when}: deadlines falling in {year} are pending and listings whose objection period "
        f"ends then are held until the State Council's {year} arrangement is added to the "
        "workday override file (settings: workday_overrides; docs/guides/calendar.md)"
    )
