"""Measures → decisions (docs/concepts/evaluation.md, "Measures and decisions").

One row per subject, action and applying measure; the outcome of a (subject, action) is folded
from these rows where it is read (restrict beats reward beats allow), so the relation stays flat
and identical on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import OUTPUT_TYPES, Plan
from xinyong.compiler.records import Records, officer_key
from xinyong.domain.catalogue import RecordType
from xinyong.domain.measures import GradeTrigger, ListTrigger, Measure, MeasureKind
from xinyong.domain.results import LISTED, RELATIONS, RESTRICT, REWARD

OWN = "xy_own"  # the subjects' own decisions, before officers are reached


def _values(rows: Sequence[tuple[str, ...]], alias: str, columns: list[str]) -> exp.Expr:
    """An inline table of string rows: the measures' triggers and actions as data, so one join
    of the memberships (or scores) makes every decision row, not one scan per action."""
    return exp.Values(
        expressions=[exp.Tuple(expressions=[q.lit(v) for v in row]) for row in rows],
        alias=exp.TableAlias(
            this=exp.to_identifier(alias), columns=[exp.to_identifier(c) for c in columns]
        ),
    )


def build(
    plan: Plan,
    measures: Mapping[str, Measure],
    rec: Records | None = None,
    officers: Sequence[RecordType] = (),
) -> None:
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
    own = [q.null_of(exp.DataType.build("VARCHAR")).as_(c) for c in ("via_subject", "via_role")]
    parts: list[exp.Query] = []
    if by_list:
        cols = ["list_name", "action", "measure_name", "outcome"]
        parts.append(
            exp.select(q.col("subject_key", "m"), *out, *[c.copy() for c in own])
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
            exp.select(
                q.col("subject_key", "s"), *[c.copy() for c in out], *[c.copy() for c in own]
            )
            .from_(q.table("scores", "s"))
            .join(_values(by_grade, "t", cols), on=on)
        )
    if not parts:
        plan.add("decisions", q.empty(OUTPUT_TYPES["decisions"]), output=True)
        return
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    reached = sorted((m.name, r.value) for m in measures.values() for r in m.reached_roles())
    if rec is None or not officers or not reached:
        plan.add("decisions", union, output=True)
        return
    plan.add(OWN, union)
    plan.add("decisions", _officers(rec, officers, reached), output=True)


def _officers(
    rec: Records, officers: Sequence[RecordType], reached: list[tuple[str, str]]
) -> exp.Query:
    """The subjects' own decisions, and for each officer holding on D a role some measure
    reaches, that measure's decisions on the entity, as the officer's (docs/concepts/
    evaluation.md, "Officers"): through role records only, for the roles the measure's legal
    basis names only."""
    links: list[exp.Query] = []
    for rt in officers:
        o = rt.officer_role
        assert o is not None
        start = rec.column(rt.name, o.start, "x")
        holds: list[exp.Expr] = [
            exp.EQ(this=q.col("record_type", "x"), expression=q.lit(rt.name)),
            exp.LTE(this=start, expression=rec.d),
        ]
        if o.end is not None:
            end = rec.column(rt.name, o.end, "x")
            holds.append(
                exp.or_(
                    exp.Is(this=end, expression=exp.null()),
                    exp.LT(this=rec.d, expression=end.copy()),
                )
            )
        cond = q.and_(holds)
        assert cond is not None
        links.append(
            exp.select(
                q.col("subject_key", "x"),
                officer_key(o.scheme, rec.column(rt.name, o.entity, "x")).as_("entity_key"),
                rec.column(rt.name, o.role, "x").as_("role"),
            )
            .from_(q.table(rec.live, "x"))
            .where(cond)
        )
    link: exp.Query = links[0]
    for part in links[1:]:
        link = exp.union(link, part, distinct=False)
    cols = ["measure_name", "role"]
    reach = (
        exp.select(
            q.col("subject_key", "o"),
            q.col("action", "d"),
            q.col("measure_name", "d"),
            q.col("outcome", "d"),
            q.col("subject_key", "d").as_("via_subject"),
            q.col("role", "o").as_("via_role"),
        )
        .distinct()
        .from_(q.table(OWN, "d"))
        .join(
            link.subquery("o"),
            on=exp.EQ(this=q.col("entity_key", "o"), expression=q.col("subject_key", "d")),
        )
        .join(
            _values(reached, "t", cols),
            on=exp.and_(
                exp.EQ(this=q.col("measure_name", "t"), expression=q.col("measure_name", "d")),
                exp.EQ(this=q.col("role", "t"), expression=q.col("role", "o")),
            ),
        )
    )
    mine = exp.select(*RELATIONS["decisions"]).from_(OWN)
    return exp.union(mine, reach, distinct=False)


__all__ = ["LISTED", "build"]
