"""P6: proportionality.

A sanction names the breach domain(s) it answers (`domains:`). They must be the domains of the
breaches behind its trigger (the entry records of its list, or the deducting items of its scheme),
and every action it touches must belong to them, unless the measure cites the legal basis that
links the domains (`cross_domain_basis:`), as the joint-sanction MOU does for judgment debtors and
air travel.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.catalogue import BreachDomain
from xinyong.domain.measures import ACTIONS, GradeTrigger, ListTrigger, Measure, MeasureKind
from xinyong.policy.lint.base import Finding, Rule, Severity, principle
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import MEASURE

_WHY = principle(
    6,
    "proportionality; a pack that links unrelated domains without a stated legal basis is refused",
)


def trigger_domains(pack: Pack, m: Measure) -> frozenset[BreachDomain] | None:
    """The breach domains behind a measure's trigger; None when the trigger is unresolved."""
    t = m.trigger
    if isinstance(t, ListTrigger) and t.list in pack.lists:
        return pack.lists[t.list].breach_domains(pack.catalogue, pack.lists)
    if isinstance(t, GradeTrigger) and t.scheme in pack.schemes:
        return pack.schemes[t.scheme].breach_domains(pack.catalogue)
    return None


def _names(domains: frozenset[BreachDomain]) -> str:
    return ", ".join(sorted(d.value for d in domains)) or "none"


class Proportionality(Rule):
    code = "P6"
    severity = Severity.error
    summary = "Sanctions name their breach domains and link others only on a legal basis."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for m in pack.measures.values():
            if m.kind is not MeasureKind.sanction:
                continue
            if not m.domains:
                yield Finding(
                    MEASURE,
                    m.name,
                    ("domains",),
                    f"a sanction must name the breach domain(s) that trigger it {_WHY}",
                )
                continue
            if m.cross_domain_basis:
                continue
            behind = trigger_domains(pack, m)
            if behind and behind != m.domains:
                yield Finding(
                    MEASURE,
                    m.name,
                    ("domains",),
                    f"names {_names(m.domains)} but its trigger rests on breaches in "
                    f"{_names(behind)}; cite the link under `cross_domain_basis:` {_WHY}",
                )
            for action in m.actions:
                domain = ACTIONS[action].domain
                if domain not in m.domains:
                    yield Finding(
                        MEASURE,
                        m.name,
                        ("actions",),
                        f"{action} belongs to {domain.value}, outside the breach domains "
                        f"{_names(m.domains)}; cite the link under `cross_domain_basis:` {_WHY}",
                        item=action,
                    )
