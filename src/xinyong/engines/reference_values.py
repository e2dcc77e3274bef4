"""Values for the reference evaluator: calendar arithmetic, attributes in their types, attribute
tests, and capped points. Every engine must compute these the same way; see
`docs/concepts/evaluation.md`.
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from xinyong.domain.catalogue import AttributeSpec, AttributeType, Period, Scalar, as_decimal
from xinyong.domain.lists import AttributeCondition
from xinyong.domain.scoring import Cap, CapBucket


def add_period(start: date, period: Period) -> date:
    """`start + period` as every engine computes it: months first (years × 12 + months), clamped
    to the end of a shorter month, then days. Past the last representable date it saturates at
    `date.max`, which no evaluation date reaches.

    >>> add_period(date(2024, 1, 31), Period(months=1))
    datetime.date(2024, 2, 29)
    >>> add_period(date(2024, 2, 29), Period(years=1))
    datetime.date(2025, 2, 28)
    >>> add_period(date(2024, 1, 31), Period(months=1, days=1))
    datetime.date(2024, 3, 1)
    """
    months = period.years * 12 + period.months
    try:
        if months:
            index = start.year * 12 + start.month - 1 + months
            year, month0 = divmod(index, 12)
            last = calendar.monthrange(year, month0 + 1)[1]
            start = date(year, month0 + 1, min(start.day, last))
        return start + timedelta(days=period.days)
    except (ValueError, OverflowError):
        return date.max


def as_date(value: object) -> date:
    """A ledger date (a date, a datetime or ISO text) as a calendar day."""
    if isinstance(value, date):
        # a datetime is a date too; evaluation reads the calendar day only
        return date(value.year, value.month, value.day)
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def earliest(*dates: date | None) -> date | None:
    """The earliest known date; None (open) when none is known."""
    known = [d for d in dates if d is not None]
    return min(known) if known else None


# exact decimals: 12.10 must compare equal to "12.10" and to 12.1, never to 12.0999…; one
# decoder for all rows, since json.loads with options builds a new one per call
_DECODER = json.JSONDecoder(parse_float=Decimal)


def parse_attributes(text: object) -> Mapping[str, Any]:
    """The attributes of a ledger row: canonical JSON text (or an already parsed mapping)."""
    if text is None:
        return {}
    if isinstance(text, Mapping):
        return text
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    loaded = _DECODER.decode(str(text))
    return loaded if isinstance(loaded, dict) else {}


def typed_attributes(
    specs: Mapping[str, AttributeSpec], values: Mapping[str, Any]
) -> dict[str, Scalar]:
    """Attributes in their types; a value that cannot be read as its type is left out, so it
    matches no test (as a failed cast gives NULL in SQL). Attributes the catalogue does not
    know are kept as they are."""
    out: dict[str, Scalar] = {}
    for name, value in values.items():
        spec = specs.get(name)
        typed = value if spec is None else typed_value(spec, value)
        if typed is not None:
            out[name] = typed
    return out


def typed_value(spec: AttributeSpec, value: object) -> Scalar | None:
    """A stored value in its attribute's type, or None when it cannot be read as one.

    Only the type matters here, not the spec's bounds or enum values: ingest validated the
    record, and a value outside them should still compare as what it is. Numbers may be stored
    as JSON numbers or as text.
    """
    if value is None:
        return None
    t = spec.type
    if t is AttributeType.boolean:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        return None
    if t is AttributeType.integer:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        d = as_decimal(value)
        return int(d) if d is not None and d == d.to_integral_value() else None
    if t is AttributeType.decimal:
        return as_decimal(value)
    if t is AttributeType.date:
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    return None


def passes(attrs: Mapping[str, Scalar], where: Sequence[AttributeCondition]) -> bool:
    """Every test of `where` holds: the value is one of the listed values and lies in the closed
    range, compared in the attribute's type. An absent value passes no test."""
    for test in where:
        value = attrs.get(test.attribute)
        if value is None:
            return False
        try:
            if test.one_of and value not in test.one_of:
                return False
            if test.at_least is not None and value < test.at_least:  # type: ignore[operator]
                return False
            if test.at_most is not None and value > test.at_most:  # type: ignore[operator]
                return False
        except TypeError:
            return False  # a value of another type than the test's cannot pass it
    return True


def shares(attrs: Mapping[str, Scalar], anchor: Mapping[str, Scalar], names: Sequence[str]) -> bool:
    """`attrs` has the same values as `anchor` for every name; an absent value is never the
    same as anything (as NULL = NULL is not true in SQL)."""
    for name in names:
        value = attrs.get(name)
        if value is None or value != anchor.get(name):
            return False
    return True


def bucket_of(day: date, bucket: CapBucket) -> object:
    """The calendar bucket a decision date counts in for a per-period cap."""
    if bucket is CapBucket.year:
        return day.year
    if bucket is CapBucket.month:
        return (day.year, day.month)
    if bucket is CapBucket.week:
        iso = day.isocalendar()
        return (iso.year, iso.week)
    return day


def capped_points(
    points: int, cap: Cap | None, bucket: CapBucket | None, decided: Iterable[date]
) -> int:
    """An item's points for matching records decided on `decided`, held to the cap in absolute
    value within each calendar bucket, or over all of them when the cap has no `per`."""
    days = list(decided)
    if cap is None:
        return points * len(days)
    sign = -1 if points < 0 else 1
    if bucket is None:
        return sign * min(abs(points) * len(days), cap.points)
    counts: dict[object, int] = defaultdict(int)
    for day in days:
        counts[bucket_of(day, bucket)] += 1
    return sign * sum(min(abs(points) * n, cap.points) for n in counts.values())
