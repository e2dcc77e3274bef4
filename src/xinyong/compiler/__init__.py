"""Policy packs compiled to SQLGlot trees, one plan for every engine.

`compile_pack(pack, as_of)` returns a `Plan`: steps in dependency order that DuckDB, PostgreSQL
and Spark run alike (`engines/`). See README.md for the pipeline and
docs/concepts/evaluation.md for the semantics every step implements.
"""

from __future__ import annotations

from datetime import date

from sqlglot import exp

from xinyong.compiler import lists as list_steps
from xinyong.compiler import measures as measure_steps
from xinyong.compiler import records, scorecard
from xinyong.compiler import schemes as scheme_steps
from xinyong.compiler import sql as q
from xinyong.compiler.plan import INPUT, OUTPUT_TYPES, PORTABLE, SCOPE, Capabilities, Plan, Step
from xinyong.domain.catalogue import RecordType
from xinyong.domain.lists import RecordCondition
from xinyong.domain.results import LISTED, RELATIONS
from xinyong.policy.pack import Pack

__all__ = ["INPUT", "SCOPE", "Capabilities", "Plan", "Step", "compile_pack"]


def compile_pack(
    pack: Pack,
    as_of: date,
    *,
    scoped: bool = False,
    capabilities: Capabilities = PORTABLE,
) -> Plan:
    """The plan evaluating `pack` on `as_of`; with `scoped`, only the subjects in `xy_scope`;
    using what the engine declares it `capabilities` of."""
    plan = Plan(pack.version, as_of, scoped, capabilities)
    conditions: list[RecordCondition] = []
    same: dict[str, set[str]] = {}
    for cl in pack.lists.values():
        conditions.extend(cl.conditions())
        matched = list_steps.same_attrs(cl)
        for rule in cl.entry:
            a = rule.anchor
            if isinstance(a, RecordCondition):
                same.setdefault(a.record_type, set()).update(matched)
            else:
                for t in list_steps.root_types(pack.lists, a.list):
                    same.setdefault(t, set()).update(matched)
            for ext in rule.extensions:
                if ext.length is not None:
                    same.setdefault(ext.when[0].record_type, set()).add(ext.length.attribute)
    for s in pack.schemes.values():
        conditions.extend(i.condition for i in s.items)
        if s.scorecard is not None:
            conditions.append(scorecard.condition(s.scorecard))
    officers = officer_types(pack)
    for rt in officers:
        assert rt.officer_role is not None
        conditions.append(RecordCondition(rt.name))
        same.setdefault(rt.name, set()).update(rt.officer_role.attributes())
    rec = records.build(
        plan,
        pack.catalogue,
        conditions,
        same,
        with_subjects=bool(pack.schemes),
        officers=officers,
    )
    steps = list_steps.build(plan, rec, pack.lists)
    _listings(plan, [steps[n] for n in list_steps.list_order(pack.lists)])
    scheme_steps.build(plan, rec, pack.schemes)
    measure_steps.build(plan, pack.measures, rec, officers)
    return plan


def officer_types(pack: Pack) -> list[RecordType]:
    """The record types establishing officers' roles, when some measure reaches a role: only
    then are they read (a pack whose measures reach nobody but the subject reads none)."""
    if not any(m.reached_roles() for m in pack.measures.values()):
        return []
    return [pack.catalogue[n] for n in sorted(pack.catalogue) if pack.catalogue[n].officer_role]


def _listings(plan: Plan, list_steps_in_order: list[str]) -> None:
    cols = RELATIONS["listings"]
    if list_steps_in_order:
        union: exp.Query = exp.select(*cols).from_(list_steps_in_order[0])
        for step in list_steps_in_order[1:]:
            union = exp.union(union, exp.select(*cols).from_(step), distinct=False)
    else:
        union = q.empty(OUTPUT_TYPES["listings"])
    plan.add("listings", union, output=True)
    until = q.col("until")
    open_count = exp.Count(this=until)
    memberships = (
        exp.select(
            "subject_key",
            "list_name",
            exp.Min(this=q.col("since")).as_("since"),
            q.case(
                [(exp.LT(this=open_count, expression=q.count_star()), q.null_date())],
                exp.Max(this=until.copy()),
            ).as_("until"),
            q.count_star().as_("listings"),
        )
        .from_("listings")
        .where(exp.EQ(this=q.col("status"), expression=q.lit(LISTED)))
        .group_by("subject_key", "list_name")
    )
    plan.add("memberships", memberships, output=True)
