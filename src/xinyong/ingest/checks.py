"""Checks as data: a condition, the field it concerns, and the reason text, all SQL.

A row (or attribute) yields the `{field, reason}` of every check whose condition holds. Problems
are rare, so the list is built only for rows that fail at least one check: a plain conjunction
of the conditions decides that first, which DuckDB evaluates far faster than a list of structs.
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


def all_pass(checks: Sequence[Check]) -> str:
    """TRUE when no condition holds (a NULL condition is no problem, as in CASE WHEN)."""
    return " AND ".join(f"NOT coalesce({c.condition}, FALSE)" for c in checks) or "TRUE"


def problem_list(checks: Sequence[Check]) -> str:
    """A LIST of `{field, reason}` structs, empty when every check passes."""
    if not checks:
        return "[]"
    structs = ", ".join(c.struct() for c in checks)
    return (
        f"CASE WHEN {all_pass(checks)} THEN []"
        f" ELSE list_filter([{structs}], lambda p: p IS NOT NULL) END"
    )
