"""Checks as data: a condition, the field it concerns, and the reason text, all SQL.

A row (or attribute) yields the `{field, reason}` of every check whose condition holds. Problems
are rare, so the list is built only for rows that fail at least one check, which a test of all
the conditions decides first.

That test is written `CASE WHEN c1 OR c2 OR … THEN …`: as a CASE condition DuckDB evaluates it
row-selectively, each condition only on the rows no earlier one caught and each `a AND b` part
only where the parts before it hold, so a regular expression behind `present AND …` runs only
on the values present. As a plain expression (`NOT c1 AND NOT c2 …` in a SELECT list) every
part of every condition runs on every row: several times slower.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    condition: str
    field: str
    reason: str

    def struct(self) -> str:
        struct = f"{{'field': {self.field}, 'reason': {self.reason}}}"
        return f"CASE WHEN {self.condition} THEN {struct} END"


def any_fails(checks: Sequence[Check]) -> str:
    """A condition that holds when some check's condition holds (NULL counts as not holding);
    for a CASE WHEN, where it is evaluated row-selectively."""
    return " OR ".join(f"({c.condition})" for c in checks) or "FALSE"


def all_pass(checks: Sequence[Check]) -> str:
    """TRUE when no condition holds (a NULL condition is no problem, as in CASE WHEN)."""
    return f"CASE WHEN {any_fails(checks)} THEN FALSE ELSE TRUE END"


def problem_list(checks: Sequence[Check], more: str | None = None) -> str:
    """A LIST of `{field, reason}` structs, followed by the list `more` (an expression, NULL
    when it holds none); NULL when every check passes and `more` is NULL. NULL rather than an
    empty list, because valid rows are the many: a list per row (and concatenating two) costs
    more than the checks themselves, where a NULL is a bit."""
    structs = ", ".join(c.struct() for c in checks)
    listed = f"list_filter([{structs}], lambda p: p IS NOT NULL)" if checks else "[]"
    if more is None:
        return f"CASE WHEN {any_fails(checks)} THEN {listed} END"
    return (
        f"CASE WHEN ({any_fails(checks)}) OR {more} IS NOT NULL"
        f" THEN list_concat({listed}, coalesce({more}, [])) END"
    )
