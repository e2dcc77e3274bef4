"""Measures → decisions (docs/concepts/evaluation.md, "Measures and decisions").

One row per subject, action and applying measure; the outcome of a (subject, action) is folded
from these rows where it is read (restrict beats reward beats allow), so the relation stays flat
and identical on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import OUTPUT_TYPES, Plan
from xinyong.domain.measures import GradeTrigger, ListTrigger, Measure, MeasureKind
from xinyong.engines.results import LISTED, RESTRICT, REWARD


def _values(rows: list[tuple[str, ...]], alias: str, columns: list[str]) -> exp.Expr:
    """An inline table of string rows: the measures' triggers and actions as data, so one join
    of the memberships (or scores) makes every decision row, not one scan per action."""
    return exp.Values(
        expressions=[exp.Tuple(expressions=[q.lit(v) for v in row]) for row in rows],
        alias=exp.TableAlias(
            this=exp.to_identifier(alias), columns=[exp.to_identifier(c) for c in columns]
        ),
    )


def build(plan: Plan, measures: Mapping[str, Measure]) -> None:
    by_list: list[tuple[str, ...]] = []
    by_grade: list[tuple[str, ...]] = []
    for name in sorted(measures):
        m = measures[name]
        outcome = RESTRICT if m.kind is MeasureKind.sanction else REWARD
        t = m.trigger
        for action in sorted(set(m.actions)):
            if isinstance(t, ListTrigger):
                by_list.append((t.list, action, m.name, outcome))
            else:
                assert isinstance(t, GradeTrigger)
                by_grade.extend((t.scheme, g, action, m.name, outcome) for g in sorted(t.grades))
    out = [q.col(c, "t") for c in ("action", "measure_name", "outcome")]
    parts: list[exp.Query] = []
    if by_list:
        cols = ["list_name", "action", "measure_name", "outcome"]
        parts.append(
            exp.select(q.col("subject_key", "m"), *out)
            .from_(q.table("memberships", "m"))
            .join(
                _values(by_list, "t", cols),
                on=exp.EQ(this=q.col("list_name", "t"), expression=q.col("list_name", "m")),
            )
        )
    if by_grade:
        cols = ["scheme_name", "grade", "action", "measure_name", "outcome"]
        on = exp.and_(
            exp.EQ(this=q.col("scheme_name", "t"), expression=q.col("scheme_name", "s")),
            exp.EQ(this=q.col("grade", "t"), expression=q.col("grade", "s")),
        )
        parts.append(
            exp.select(q.col("subject_key", "s"), *[c.copy() for c in out])
            .from_(q.table("scores", "s"))
            .join(_values(by_grade, "t", cols), on=on)
        )
    if not parts:
        plan.add("decisions", q.empty(OUTPUT_TYPES["decisions"]), output=True)
        return
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    plan.add("decisions", union, output=True)


__all__ = ["LISTED", "build"]
