"""The reference evaluator's plan: what evaluation needs from a pack, worked out once so that
evaluating many subjects does not re-read the pack for each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from xinyong.domain.catalogue import AttributeSpec, Disclosure, OfficerRole
from xinyong.domain.lists import CreditList
from xinyong.domain.measures import Measure
from xinyong.domain.scoring import CapBucket, ScoreItem, ScoringScheme
from xinyong.policy.pack import Pack


@dataclass(frozen=True, slots=True)
class ItemPlan:
    item: ScoreItem
    bucket: CapBucket | None
    grade_at_most: str | None


@dataclass(frozen=True, slots=True)
class SchemePlan:
    scheme: ScoringScheme
    items: tuple[ItemPlan, ...]


@dataclass(frozen=True)
class Plan:
    """Lists with the lists they rest on first, attribute specs and disclosure by record type,
    points schemes with their cap buckets, and the measures."""

    pack_version: str
    specs: Mapping[str, Mapping[str, AttributeSpec]]
    disclosures: Mapping[str, Disclosure]
    lists: tuple[CreditList, ...]
    schemes: tuple[SchemePlan, ...]
    measures: tuple[Measure, ...]
    # record type → the role its records establish, when some measure reaches a role
    officers: Mapping[str, OfficerRole] = field(default_factory=dict)
    # (measure name, role) for every role a measure reaches
    reached: frozenset[tuple[str, str]] = frozenset()


def compile_plan(pack: Pack) -> Plan:
    """The evaluation plan of a pack. Raises ValueError on a cycle of list anchors (the loader
    refuses those, so only a hand-built pack can have one) or a cap period that is not a
    calendar bucket."""
    catalogue = pack.catalogue
    schemes = tuple(
        SchemePlan(
            s,
            tuple(
                ItemPlan(
                    i,
                    None if i.cap is None else i.cap.bucket,
                    getattr(i, "grade_at_most", None),
                )
                for i in s.items
            ),
        )
        for s in pack.schemes.values()
    )
    reached = frozenset(
        (m.name, r.value) for m in pack.measures.values() for r in m.reached_roles()
    )
    officers = {
        name: rt.officer_role
        for name, rt in catalogue.items()
        if rt.officer_role is not None and reached
    }
    return Plan(
        officers=officers,
        reached=reached,
        pack_version=pack.version,
        specs={name: rt.attributes for name, rt in catalogue.items()},
        disclosures={name: rt.disclosure for name, rt in catalogue.items()},
        lists=dependency_order(pack.lists),
        schemes=schemes,
        measures=tuple(pack.measures.values()),
    )


def dependency_order(lists: Mapping[str, CreditList]) -> tuple[CreditList, ...]:
    """Lists so that each comes after the lists whose listings anchor it; otherwise in pack
    order, so the plan is the same on every run."""
    done: dict[str, CreditList] = {}
    visiting: set[str] = set()

    def visit(lst: CreditList) -> None:
        if lst.name in done:
            return
        if lst.name in visiting:
            raise ValueError(f"list {lst.name!r} rests on itself through list anchors")
        visiting.add(lst.name)
        for name in sorted(lst.upstream()):
            if name in lists:
                visit(lists[name])
        visiting.discard(lst.name)
        done[lst.name] = lst

    for lst in lists.values():
        visit(lst)
    return tuple(done.values())


_PLANS: dict[int, tuple[Pack, Plan]] = {}
_PLAN_CACHE_SIZE = 8


def plan_of(pack: Pack | Plan) -> Plan:
    """The plan of a pack, compiled once per pack object (a few are kept); a plan as it is."""
    if isinstance(pack, Plan):
        return pack
    # Pack is not hashable (it holds mappings); key on identity and keep the pack alive with
    # its plan so that the id cannot be reused by another object while cached.
    cached = _PLANS.get(id(pack))
    if cached is not None and cached[0] is pack:
        return cached[1]
    plan = compile_plan(pack)
    if len(_PLANS) >= _PLAN_CACHE_SIZE:
        _PLANS.clear()  # packs change rarely; starting over is simpler than tracking use
    _PLANS[id(pack)] = (pack, plan)
    return plan
