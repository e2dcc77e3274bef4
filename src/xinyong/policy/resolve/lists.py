"""`Blacklist` / `RedList` / `WatchList` documents → `domain.lists.CreditList`."""

from __future__ import annotations

from xinyong.domain.catalogue import AttributeType, Period
from xinyong.domain.lists import (
    CreditList,
    EntryRule,
    Exclusion,
    ExitEvent,
    ExitRule,
    Extension,
    ExtensionLength,
    ListKind,
    Notice,
    Objection,
    Publication,
    PublicationScope,
    RecordCondition,
    SubjectCondition,
)
from xinyong.domain.subject import AGE_OF_MAJORITY, SubjectKind
from xinyong.policy.resolve.conditions import conditions, entry_conditions
from xinyong.policy.resolve.context import Context
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.lists import (
    RawBlacklistSpec,
    RawEntryRuleSpec,
    RawExtensionSpec,
    RawListSpec,
    RawRedListSpec,
)


def list_kind(raw: RawListSpec) -> ListKind:
    if isinstance(raw, RawBlacklistSpec):
        return ListKind.blacklist
    if isinstance(raw, RawRedListSpec):
        return ListKind.red_list
    return ListKind.watch_list


def credit_list(ctx: Context, doc: Document, raw: RawListSpec) -> CreditList:
    ctx.unique(doc, ("entry",), [r.name for r in raw.entry], "entry rule name")
    ctx.unique(doc, ("exclusions",), [r.name for r in raw.exclusions], "exclusion name")
    ctx.unique(doc, ("exit",), [r.name for r in raw.exit], "exit rule name")
    entry = tuple(_entry_rule(ctx, doc, ("entry", i), r) for i, r in enumerate(raw.entry))

    exclusions = []
    for i, ex in enumerate(raw.exclusions):
        loc: Loc = ("exclusions", i)
        subject = None
        if ex.subject is not None:
            if ex.subject.age_under is None and not ex.subject.kinds:
                ctx.problems.add(doc, (*loc, "subject"), "needs `age_under:` or `kinds:`")
            if ex.subject.age_under is not None and ex.subject.age_under > AGE_OF_MAJORITY:
                ctx.problems.add(
                    doc,
                    (*loc, "subject", "age_under"),
                    f"must be at most {AGE_OF_MAJORITY} (got {ex.subject.age_under}): the ledger"
                    " keeps a birth date only on records decided while the subject is a minor",
                )
            subject = SubjectCondition(
                ex.subject.age_under, frozenset(SubjectKind(k) for k in ex.subject.kinds)
            )
        if bool(ex.when) == (ex.subject is not None):
            ctx.problems.add(doc, loc, "an exclusion needs exactly one of `when:` or `subject:`")
        exclusions.append(
            Exclusion(
                name=ex.name,
                when=conditions(ctx, doc, (*loc, "when"), ex.when),
                subject=subject,
                legal_basis=ctx.citations(doc, (*loc, "legal_basis"), ex.legal_basis),
            )
        )

    exits = []
    rule_names = [r.name for r in raw.entry]
    for i, rule in enumerate(raw.exit):
        loc = ("exit", i)
        if bool(rule.when) == (rule.event is not None):
            ctx.problems.add(doc, loc, "an exit rule needs exactly one of `event:` or `when:`")
        for k, name in enumerate(rule.rules):
            if name not in rule_names:
                ctx.unknown(doc, (*loc, "rules", k), "entry rule", name, rule_names, of=raw.name)
        exits.append(
            ExitRule(
                name=rule.name,
                event=ExitEvent(rule.event) if rule.event is not None else None,
                when=conditions(ctx, doc, (*loc, "when"), rule.when),
                legal_basis=ctx.citations(doc, (*loc, "legal_basis"), rule.legal_basis),
                deadline_working_days=rule.deadline_working_days,
                description=rule.description,
                rules=rule.rules,
            )
        )
    for k, r in enumerate(entry):
        if (
            raw.exit
            and r.term is None
            and r.when
            and isinstance(r.anchor, RecordCondition)  # a list anchor ends with its listing
            and not any(e.ends(r.name) for e in exits)
        ):
            ctx.problems.add(
                doc,
                ("entry", k, "term"),
                f"no exit rule ends listings of {r.name!r} and its term is open: "
                "they would never end (design principle 7: every adverse decision is time-limited)",
            )

    notice = None
    if raw.notice is not None:
        n = raw.notice
        if n.before_listing and not n.when and not n.workflow:
            ctx.problems.add(
                doc,
                ("notice", "when"),
                "name the record that proves notice was given (e.g. an enforcement notice), "
                "or serve it through the notice workflow (`workflow: true`)",
            )
        if n.workflow and (n.objection_days is None or not n.before_listing):
            ctx.problems.add(
                doc,
                ("notice", "objection_days"),
                "a workflow notice before listing needs `before_listing: true` and the days "
                "the subject has to object after service (`objection_days`)",
            )
        if n.objection_days is not None and not n.workflow:
            ctx.problems.add(
                doc,
                ("notice", "objection_days"),
                "`objection_days` counts from a notice served through the workflow: set "
                "`workflow: true`",
            )
        notice = Notice(
            before_listing=n.before_listing,
            when=conditions(ctx, doc, ("notice", "when"), n.when),
            wait=ctx.period(n.wait),
            legal_basis=ctx.citations(doc, ("notice", "legal_basis"), n.legal_basis),
            workflow=n.workflow,
            objection_days=n.objection_days,
        )

    objection = None
    if raw.objection is not None:
        objection = Objection(
            raw.objection.description,
            ctx.citations(doc, ("objection", "legal_basis"), raw.objection.legal_basis),
        )
    publication = Publication(
        scope=PublicationScope(raw.publication.scope),
        legal_basis=ctx.citations(doc, ("publication", "legal_basis"), raw.publication.legal_basis),
    )
    return CreditList(
        name=raw.name,
        kind=list_kind(raw),
        title=raw.title,
        legal_basis=ctx.citations(doc, ("legal_basis",), raw.legal_basis),
        subject_kinds=frozenset(SubjectKind(k) for k in raw.subject_kinds),
        entry=entry,
        exclusions=tuple(exclusions),
        exit=tuple(exits),
        notice=notice,
        publication=publication,
        description=raw.description,
        objection=objection,
    )


def _length(
    ctx: Context,
    doc: Document,
    loc: Loc,
    raw: RawExtensionSpec,
    when: tuple[RecordCondition, ...],
    *,
    lo: Period,
    hi: Period,
) -> ExtensionLength | None:
    """The ordered length: an integer attribute of the first condition's record type whose
    declared range fits the extension's `minimum`..`maximum` (so no record can order more)."""
    if raw.length is None:
        return None
    found = ExtensionLength(raw.length.attribute, Period.parse(raw.length.unit))
    rt = ctx.catalogue.get(when[0].record_type) if when else None
    if rt is None:
        return found
    at: Loc = (*loc, "length", "attribute")
    spec = rt.attributes.get(found.attribute)
    if spec is None:
        ctx.unknown(doc, at, "attribute", found.attribute, rt.attributes, of=rt.name)
        return found
    if spec.type is not AttributeType.integer:
        ctx.problems.add(doc, at, f"{rt.name}.{found.attribute} must be an integer attribute")
        return found
    if spec.minimum is None or spec.maximum is None:
        ctx.problems.add(
            doc, at, f"{rt.name}.{found.attribute} needs a `minimum:` and a `maximum:`"
        )
        return found
    u = found.unit
    for bound, n in (("minimum", spec.minimum), ("maximum", spec.maximum)):
        k = int(n)
        p = Period(years=u.years * k, months=u.months * k, days=u.days * k)
        if not lo.approx_days() <= p.approx_days() <= hi.approx_days():
            ctx.problems.add(
                doc,
                at,
                f"{rt.name}.{found.attribute} {bound} {n} × {u} lies outside the extension's "
                f"{lo}..{hi}",
            )
    return found


def _entry_rule(ctx: Context, doc: Document, loc: Loc, raw: RawEntryRuleSpec) -> EntryRule:
    term = None if raw.term == "open" else Period.parse(raw.term)
    when = entry_conditions(ctx, doc, (*loc, "when"), raw.when)
    anchor = (
        ctx.catalogue.get(when[0].record_type)
        if when and isinstance(when[0], RecordCondition)
        else None
    )
    if term is None and raw.extensions:
        ctx.problems.add(
            doc, (*loc, "extensions"), "an open term cannot be extended; give a fixed `term:`"
        )
    extensions = []
    for i, ext in enumerate(raw.extensions):
        eloc: Loc = (*loc, "extensions", i)
        lo, hi = Period.parse(ext.minimum), Period.parse(ext.maximum)
        if lo.approx_days() > hi.approx_days():
            ctx.problems.add(
                doc, (*eloc, "maximum"), f"must not be shorter than minimum {lo} (got {hi})"
            )
        ext_when = conditions(ctx, doc, (*eloc, "when"), ext.when, anchor=anchor)
        extensions.append(
            Extension(
                name=ext.name,
                when=ext_when,
                minimum=lo,
                maximum=hi,
                legal_basis=ctx.citations(doc, (*eloc, "legal_basis"), ext.legal_basis),
                length=_length(ctx, doc, eloc, ext, ext_when, lo=lo, hi=hi),
            )
        )
    return EntryRule(
        name=raw.name,
        when=when,
        unless=conditions(ctx, doc, (*loc, "unless"), raw.unless, anchor=anchor),
        term=term,
        extensions=tuple(extensions),
        legal_basis=ctx.citations(doc, (*loc, "legal_basis"), raw.legal_basis),
    )
