"""`Case` documents → `policy.pack.Case`, checked against the catalogue and the pack's names."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from xinyong.domain.catalogue import Scalar
from xinyong.domain.identifiers import UsccScheme
from xinyong.domain.measures import ACTIONS
from xinyong.domain.record import EntryKind
from xinyong.domain.scoring import ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.errors import IdentifierError
from xinyong.policy.pack import Case, CaseExpectation, CaseRecord, CaseSubject
from xinyong.policy.resolve.context import LIST, MEASURE, SCHEME, Context
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.case import RawCaseSpec


def case(
    ctx: Context,
    doc: Document,
    raw: RawCaseSpec,
    *,
    lists: Mapping[str, object],
    schemes: Mapping[str, ScoringScheme],
    measures: Mapping[str, object],
    grades: Mapping[str, tuple[str, ...]],
) -> Case:
    kind = SubjectKind(raw.subject.kind)
    if kind is not SubjectKind.individual and raw.subject.birth_date is not None:
        ctx.problems.add(doc, ("subject", "birth_date"), "only individuals have a birth date")
    ctx.unique(doc, ("records",), [r.id for r in raw.records], "record id", key="id")
    ctx.unique(doc, ("related",), [r.id for r in raw.related], "related subject id", key="id")
    related: dict[str, CaseSubject] = {}
    for i, rel in enumerate(raw.related):
        rkind = SubjectKind(rel.kind)
        if rkind is SubjectKind.individual:
            ctx.problems.add(doc, ("related", i, "kind"), "a related subject is an entity")
        try:
            code = UsccScheme().validate(rel.uscc)
        except IdentifierError as bad:
            ctx.problems.add(doc, ("related", i, "uscc"), str(bad), at="value")
            code = rel.uscc
        related[rel.id] = CaseSubject(rel.id, rkind, "uscc", code)
    seen: set[str] = set()
    records = []
    for i, r in enumerate(raw.records):
        loc: Loc = ("records", i)
        rt = ctx.record_type(doc, (*loc, "record_type"), r.record_type)
        entry_kind = EntryKind(r.entry_kind)
        attributes: dict[str, Scalar] = {}
        about = kind
        if r.subject is not None:
            if r.subject in related:
                about = related[r.subject].kind
            else:
                ctx.unknown(doc, (*loc, "subject"), "related subject", r.subject, related)
        if rt is not None:
            if about not in rt.subject_kinds:
                allowed = ", ".join(sorted(k.value for k in rt.subject_kinds))
                ctx.problems.add(
                    doc,
                    (*loc, "record_type"),
                    f"{rt.name} does not apply to a {about.value} (only {allowed})",
                )
            if entry_kind not in rt.entry_kinds:
                ctx.problems.add(
                    doc,
                    (*loc, "entry_kind"),
                    f"{entry_kind.value!r} entries are not allowed for {rt.name}",
                )
            # acts on an earlier record (corrections, revocations…) may carry a subset
            check = {k: v for k, v in r.attributes.items() if v is not None}
            for name, message in rt.check_attributes(check):
                missing = name not in check
                if missing and entry_kind is not EntryKind.record:
                    continue
                at_loc = (*loc, "attributes") if missing else (*loc, "attributes", name)
                ctx.problems.add(
                    doc, at_loc, message, at="key" if name not in rt.attributes else "value"
                )
            for name, value in check.items():
                if name in rt.attributes and rt.attributes[name].check(value) is None:
                    attributes[name] = rt.attributes[name].coerce(value)
        if entry_kind is EntryKind.record and r.refers_to is not None:
            ctx.problems.add(doc, (*loc, "refers_to"), "a new record refers to nothing")
        if entry_kind is not EntryKind.record:
            if r.refers_to is None:
                ctx.problems.add(
                    doc, (*loc, "entry_kind"), f"a {entry_kind.value} needs `refers_to:`"
                )
            elif r.refers_to not in seen:
                ctx.problems.add(
                    doc,
                    (*loc, "refers_to"),
                    f"no earlier record with id {r.refers_to!r} in this case",
                )
        seen.add(r.id)
        records.append(
            CaseRecord(
                id=r.id,
                record_type=r.record_type,
                entry_kind=entry_kind,
                refers_to=r.refers_to,
                decision_date=r.decision_date,
                provider=r.provider,
                document_ref=r.document_ref,
                attributes=MappingProxyType(attributes),
                subject=r.subject,
            )
        )
        if r.decision_date > raw.as_of:
            ctx.problems.add(
                doc, (*loc, "decision_date"), f"is after the case's as_of date {raw.as_of}"
            )

    e = raw.expect
    for key, names, group, known in (
        ("lists", e.lists, LIST, lists),
        ("not_lists", e.not_lists, LIST, lists),
        ("measures", e.measures, MEASURE, measures),
    ):
        for i, name in enumerate(names):
            if name not in known:
                ctx.unknown(doc, ("expect", key, i), group, name, known)
    for name, grade in e.grades.items():
        if name not in schemes:
            ctx.unknown(doc, ("expect", "grades", name), SCHEME, name, schemes)
        elif grade not in grades.get(name, ()):
            ctx.unknown(doc, ("expect", "grades", name), "grade", grade, grades[name], of=name)
    for name, points in e.scores.items():
        found = schemes.get(name)
        if found is None:
            ctx.unknown(doc, ("expect", "scores", name), SCHEME, name, schemes)
        else:
            _check_score(ctx, doc, found, points, e.grades.get(name))
    for action in e.actions:
        if action not in ACTIONS:
            ctx.unknown(doc, ("expect", "actions", action), "action", action, ACTIONS)
    return Case(
        name=raw.name,
        subject_kind=kind,
        birth_date=raw.subject.birth_date,
        as_of=raw.as_of,
        records=tuple(records),
        expect=CaseExpectation(
            lists=frozenset(e.lists),
            not_lists=frozenset(e.not_lists),
            grades=MappingProxyType(dict(e.grades)),
            measures=frozenset(e.measures),
            actions=MappingProxyType(dict(e.actions)),
            scores=MappingProxyType(dict(e.scores)),
        ),
        description=raw.description,
        related=tuple(related.values()),
    )


def _check_score(
    ctx: Context, doc: Document, scheme: ScoringScheme, points: int, grade: str | None
) -> None:
    """An expected score lies in the scheme's range and agrees with the expected grade: the
    grade of those points, or a lower one where the scheme has items that cap the grade. Cases
    are computed by hand, so this catches slips in the arithmetic before any engine runs."""
    name = scheme.name
    if scheme.clamp(points) != points:
        low = "" if scheme.minimum is None else str(scheme.minimum)
        high = "" if scheme.maximum is None else str(scheme.maximum)
        ctx.problems.add(
            doc,
            ("expect", "scores", name),
            f"{points} is outside the range of {name} ({low}..{high})",
        )
        return
    names = scheme.grade_names()
    if grade is None or grade not in names:
        return  # no grade expected, or an unknown one, reported already
    by_points = scheme.grade_for(points)
    capped = any(i.grade_at_most is not None for i in scheme.items)
    if names.index(grade) < names.index(by_points) or (not capped and grade != by_points):
        ctx.problems.add(
            doc,
            ("expect", "grades", name),
            f"{points} points are grade {by_points} in {name}"
            + ("; a grade cap can only lower it" if capped else "")
            + f" (got {grade!r})",
        )
