"""`Sanction` / `Reward` documents → `domain.measures.Measure`.

Roles resolve against the whole role vocabulary, prohibited members included, so that the
principle rule can refuse `family_member` with principle 3 rather than "unknown role".
"""

from __future__ import annotations

from collections.abc import Mapping

from xinyong.domain.catalogue import BreachDomain, Confidence
from xinyong.domain.measures import (
    ACTIONS,
    PERMITTED_ROLES,
    RESPONSIBLE_ROLES,
    GradeTrigger,
    ListTrigger,
    Measure,
    MeasureCitation,
    MeasureKind,
    Role,
    Trigger,
)
from xinyong.domain.scoring import ScoringScheme
from xinyong.policy.resolve.context import LIST, SCHEME, Context
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.measure import RawMeasureSpec, RawRewardSpec, RawTriggerSpec


def measure(
    ctx: Context,
    doc: Document,
    raw: RawMeasureSpec,
    lists: Mapping[str, object],
    schemes: Mapping[str, ScoringScheme],
) -> Measure | None:
    kind = MeasureKind.reward if isinstance(raw, RawRewardSpec) else MeasureKind.sanction
    trigger = _trigger(ctx, doc, raw.trigger, lists, schemes)

    actions = []
    for i, action in enumerate(raw.actions):
        if action not in ACTIONS:
            ctx.unknown(doc, ("actions", i), "action", action, ACTIONS)
        elif action in actions:
            ctx.problems.add(doc, ("actions", i), f"duplicate action {action!r}")
        else:
            actions.append(action)

    targets = set()
    for i, target in enumerate(raw.targets):
        role = ctx.vocab(doc, ("targets", i), target, Role, what="role", suggest=PERMITTED_ROLES)
        if role is not None:
            targets.add(role)

    domains = set()
    for i, d in enumerate(raw.domains):
        domain = ctx.vocab(doc, ("domains", i), d, BreachDomain, what="breach domain")
        if domain is not None:
            domains.add(domain)

    basis = []
    for i, c in enumerate(raw.legal_basis):
        loc: Loc = ("legal_basis", i)
        ctx.source_ok(doc, (*loc, "source"), c.source)  # kept even if unknown, as in citations
        names = set()
        for j, n in enumerate(c.names):
            role = ctx.vocab(
                doc,
                (*loc, "names", j),
                n,
                Role,
                what="role",
                suggest=[r.value for r in RESPONSIBLE_ROLES],
            )
            if role is not None:
                names.add(role)
        basis.append(
            MeasureCitation(
                source=c.source,
                article=c.article,
                note=c.note,
                confidence=Confidence(c.confidence) if c.confidence else None,
                names=frozenset(names),
            )
        )

    if trigger is None:
        return None
    return Measure(
        name=raw.name,
        kind=kind,
        title=raw.title,
        trigger=trigger,
        actions=tuple(actions),
        agency=raw.agency,
        legal_basis=tuple(basis),
        targets=frozenset(targets),
        domains=frozenset(domains),
        cross_domain_basis=ctx.citations(doc, ("cross_domain_basis",), raw.cross_domain_basis),
        description=raw.description,
    )


def _trigger(
    ctx: Context,
    doc: Document,
    raw: RawTriggerSpec,
    lists: Mapping[str, object],
    schemes: Mapping[str, ScoringScheme],
) -> Trigger | None:
    loc: Loc = ("trigger",)
    if (raw.list_name is None) == (raw.scheme is None):
        ctx.problems.add(doc, loc, "a trigger needs exactly one of `list:` or `scheme:`")
        return None
    if raw.list_name is not None:
        if raw.grades:
            ctx.problems.add(doc, (*loc, "grades"), "grades belong to a `scheme:` trigger")
        if raw.list_name not in lists:
            ctx.unknown(doc, (*loc, "list"), LIST, raw.list_name, lists)
            return None
        return ListTrigger(raw.list_name)
    assert raw.scheme is not None
    scheme = schemes.get(raw.scheme)
    if scheme is None:
        ctx.unknown(doc, (*loc, "scheme"), SCHEME, raw.scheme, schemes)
        return None
    if not raw.grades:
        ctx.problems.add(doc, (*loc, "grades"), "name the grades that trigger the measure")
    known = scheme.grade_names()
    for i, g in enumerate(raw.grades):
        if g not in known:
            ctx.unknown(doc, (*loc, "grades", i), "grade", g, known, of=scheme.name)
    return GradeTrigger(raw.scheme, frozenset(raw.grades))
