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
the service). A date past the last known year is an error, never a guess: a guessed holiday would
move a subject's deadline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from xinyong.errors import CalendarError

SATURDAY = 5


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
        from chinese_calendar import constants

        by_year: dict[int, YearArrangement] = {}
        known = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
        for year in known:
            by_year[year] = YearArrangement(
                year=year,
                holidays={d: str(n) for d, n in constants.holidays.items() if d.year == year},
                workdays=frozenset(d for d in constants.workdays if d.year == year),
                source="chinese-calendar package (State Council General Office notices)",
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

    def period_end(self, start: date, days: int) -> date:
        """The last day of a period of `days` calendar days from `start` (not counted), moved to
        the next working day when it falls on a day that is not one."""
        return self.next_workday(start + timedelta(days=days))
