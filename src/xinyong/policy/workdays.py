"""The working-day override file: years of the State Council's holiday arrangement that the
`chinese-calendar` package does not hold yet (or corrections of one), as YAML. Format and a
worked example: docs/guides/calendar.md.

```yaml
2027:
  source: 国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕N号)
  holidays:
    2027-01-01: New Year's Day
    ...
  workdays: [2027-02-20]   # weekend days that are working days
```

A year is taken whole from the file (never merged with the package's). Each problem is reported
as `file:line year.field: message`, at the line of the offending key or date; the first one
stops the load, since a half-read arrangement would move deadlines.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from xinyong.domain.workdays import FIXED_HOLIDAYS, SATURDAY, YearArrangement
from xinyong.errors import CalendarError, SettingsError

KEYS = ("source", "holidays", "workdays")


class _Problem(Exception):
    def __init__(self, line: int, field: str, message: str) -> None:
        super().__init__(message)
        self.line, self.field, self.message = line, field, message


def load_workday_overrides(path: Path) -> list[YearArrangement]:
    """The arrangements in the override file at `path`; `SettingsError` names file, line and
    field."""
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import RoundTripConstructor
    from ruamel.yaml.error import YAMLError

    class DatesAsText(RoundTripConstructor):
        """Dates left as text, so a bad one is reported here with its line and field."""

    DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", DatesAsText.construct_yaml_str)
    yaml = YAML(typ="rt")
    yaml.Constructor = DatesAsText
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path}: cannot read the workday override file ({e})") from e
    except YAMLError as e:
        raise SettingsError(f"{path}: not valid YAML ({e})") from e
    if data is None:
        return []
    if not isinstance(data, dict):
        raise SettingsError(f"{path}:1 expected a mapping of years to arrangements")
    out = []
    for year, body in data.items():
        line = _line(data, year)
        try:
            out.append(_arrangement(year, body, line, path))
        except _Problem as e:
            raise SettingsError(f"{path}:{e.line} {year}{e.field}: {e.message}") from e
    return out


def _line(node: Any, key: Any, item: bool = False) -> int:
    """1-based line of a mapping's key (or, `item`, a sequence's item), from ruamel's marks."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        found = lc.item(key) if item else lc.key(key)
    except (KeyError, IndexError, TypeError):
        return int(lc.line) + 1
    return int(found[0]) + 1


def _arrangement(year: Any, body: Any, line: int, path: Path) -> YearArrangement:
    if not isinstance(year, int) or not isinstance(body, dict):
        raise _Problem(line, "", "expected `YEAR: {source, holidays, workdays}`")
    for key in body:
        if key not in KEYS:
            raise _Problem(_line(body, key), f".{key}", f"unknown key; expected {', '.join(KEYS)}")
    source = body.get("source")
    if not isinstance(source, str) or not source.strip():
        where = _line(body, "source") if "source" in body else line
        raise _Problem(where, ".source", "name the notice that published the arrangement")
    raw_holidays = body.get("holidays") or {}
    if not isinstance(raw_holidays, dict):
        raise _Problem(_line(body, "holidays"), ".holidays", "expected a mapping of date: name")
    holidays: dict[date, str] = {}
    for key, name in raw_holidays.items():
        at = _line(raw_holidays, key)
        day = _day(key, year, at, ".holidays")
        if not isinstance(name, str) or not name.strip():
            raise _Problem(at, f".holidays.{day}", "give the holiday's name")
        holidays[day] = name.strip()
    raw_workdays = body.get("workdays") or []
    if not isinstance(raw_workdays, list):
        raise _Problem(_line(body, "workdays"), ".workdays", "expected a list of dates")
    workdays: set[date] = set()
    for i, value in enumerate(raw_workdays):
        at = _line(raw_workdays, i, item=True)
        day = _day(value, year, at, ".workdays")
        if day.weekday() < SATURDAY:
            raise _Problem(at, f".workdays.{day}", "a weekday; list only weekend days swapped in")
        if day in holidays:
            raise _Problem(at, f".workdays.{day}", "also listed as a holiday")
        workdays.add(day)
    # the holidays the regulation fixes by date are never working days: a file that leaves
    # one out is incomplete, and would shorten periods across it
    for month, dom in sorted(FIXED_HOLIDAYS):
        if date(year, month, dom) not in holidays:
            raise _Problem(
                _line(body, "holidays") if "holidays" in body else line,
                ".holidays",
                f"{date(year, month, dom)} is missing: a public holiday fixed by date in the "
                "National Holidays regulation (Art 2) is a holiday in every arrangement",
            )
    try:
        return YearArrangement(year, holidays, frozenset(workdays), f"{source} ({path.name})")
    except CalendarError as e:  # checked above item by item; kept for what the domain adds
        raise _Problem(line, "", str(e)) from e


def _day(value: Any, year: int, line: int, field: str) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            raise _Problem(line, field, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if day.year != year:
        raise _Problem(line, f"{field}.{day}", f"a date of {day.year}, not of {year}")
    return day
