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


def _triggered(m: Measure) -> exp.Query:
    t = m.trigger
    if isinstance(t, ListTrigger):
        return (
            exp.select("subject_key")
            .from_("memberships")
            .where(exp.EQ(this=q.col("list_name"), expression=q.lit(t.list)))
        )
    assert isinstance(t, GradeTrigger)
    return (
        exp.select("subject_key")
        .from_("scores")
        .where(
            exp.and_(
                exp.EQ(this=q.col("scheme_name"), expression=q.lit(t.scheme)),
                exp.In(this=q.col("grade"), expressions=[q.lit(g) for g in sorted(t.grades)]),
            )
        )
    )


def build(plan: Plan, measures: Mapping[str, Measure]) -> None:
    parts: list[exp.Query] = []
    for name in sorted(measures):
        m = measures[name]
        outcome = RESTRICT if m.kind is MeasureKind.sanction else REWARD
        for action in sorted(set(m.actions)):
            parts.append(
                exp.select(
                    "subject_key",
                    q.lit(action).as_("action"),
                    q.lit(m.name).as_("measure_name"),
                    q.lit(outcome).as_("outcome"),
                ).from_(_triggered(m).subquery("t"))
            )
    if not parts:
        plan.add("decisions", q.empty(OUTPUT_TYPES["decisions"]), output=True)
        return
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    plan.add("decisions", union, output=True)


__all__ = ["LISTED", "build"]
