"""The working-day override file: years of the State Council's holiday arrangement that the
`chinese-calendar` package does not hold yet (or corrections of one), as YAML.

```yaml
2027:
  source: State Council General Office notice on the 2027 holiday arrangement
  holidays: {2027-01-01: New Year's Day, 2027-02-06: Spring Festival}
  workdays: [2027-02-20]
```

Every problem is reported as `file:line year: message`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from xinyong.domain.workdays import YearArrangement
from xinyong.errors import CalendarError, SettingsError


def load_workday_overrides(path: Path) -> list[YearArrangement]:
    """The arrangements in the override file at `path`; `SettingsError` names file and line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
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
        line = data.lc.key(year)[0] + 1 if hasattr(data, "lc") else 0
        where = f"{path}:{line} {year}:"
        try:
            out.append(_arrangement(year, body))
        except (CalendarError, TypeError, ValueError, KeyError) as e:
            raise SettingsError(f"{where} {e}") from e
    return out


def _arrangement(year: Any, body: Any) -> YearArrangement:
    if not isinstance(year, int) or not isinstance(body, dict):
        raise ValueError("expected `YEAR: {source, holidays, workdays}`")
    unknown = set(body) - {"source", "holidays", "workdays"}
    if unknown:
        raise ValueError(f"unknown key {sorted(unknown)[0]!r}")
    source = body.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValueError("`source` must name the notice that published the arrangement")
    holidays = {_day(d): str(name) for d, name in (body.get("holidays") or {}).items()}
    workdays = frozenset(_day(d) for d in body.get("workdays") or [])
    return YearArrangement(year, holidays, workdays, source)


def _day(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
