"""`RecordType` documents → `domain.catalogue.RecordType`, with the cross-field rules specs cannot
express (which keys belong to which attribute type, tier names against enum values, …).

Prohibited data categories resolve like any other member of the vocabulary; refusing them is the
job of the principle rules in `xinyong.policy.lint`, which say which principle is broken.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from xinyong.domain.catalogue import (
    PERMITTED_CATEGORIES,
    AttributeSpec,
    AttributeType,
    BreachDomain,
    DataCategory,
    Disclosure,
    FixedDisplay,
    NotDisplayed,
    OfficerRole,
    Period,
    Polarity,
    RecordType,
    Tier,
    TieredDisplay,
    UntilExitDisplay,
    closest,
    did_you_mean,
)
from xinyong.domain.measures import RESPONSIBLE_ROLES
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.policy.resolve.context import Context
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.record_type import (
    RawAttributeSpec,
    RawFixedDisplaySpec,
    RawRecordTypeSpec,
    RawTieredDisplaySpec,
    RawUntilExitSpec,
)

_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# which optional keys make sense for which attribute type
_ONLY_FOR: dict[str, tuple[AttributeType, ...]] = {
    "values": (AttributeType.enum,),
    "scale": (AttributeType.decimal,),
    "minimum": (AttributeType.integer, AttributeType.decimal),
    "maximum": (AttributeType.integer, AttributeType.decimal),
    "max_length": (AttributeType.string,),
}


def data_category(ctx: Context, doc: Document, loc: Loc, value: str) -> DataCategory | None:
    """A data category; prohibited ones resolve too, and the P2 rule refuses them with the
    principle. A misspelling of a prohibited one says so rather than suggesting it."""
    try:
        return DataCategory(value)
    except ValueError:
        pass
    hints = [did_you_mean(value, PERMITTED_CATEGORIES)]
    for near in closest(value, [c.value for c in DataCategory if not c.permitted], n=1):
        hints.append(f"({near!r} is close, but prohibited: design principle 2 refuses it)")
    ctx.problems.add(
        doc,
        loc,
        f"unknown data category {value!r} (a closed vocabulary; see the pack format reference)",
        hints=hints,
    )
    return None


def record_type(ctx: Context, doc: Document, raw: RawRecordTypeSpec) -> RecordType | None:
    """The resolved record type; problems are added for anything wrong (it is still returned when
    the problems are local, so later stages can check references to it)."""
    attributes = {}
    for name, spec in raw.attributes.items():
        attr = attribute(ctx, doc, ("attributes", name), name, spec)
        if attr is not None:
            attributes[name] = attr
    category = data_category(ctx, doc, ("data_category",), raw.data_category)
    domain = ctx.vocab(doc, ("domain",), raw.domain, BreachDomain, what="breach domain")
    entry_kinds = frozenset(raw.entry_kinds)
    if EntryKind.record not in entry_kinds:
        ctx.problems.add(
            doc, ("entry_kinds",), "must include `record`: without it no record can be submitted"
        )
    disclosure = _disclosure(ctx, doc, raw, attributes, entry_kinds)
    legal_basis = ctx.citations(doc, ("legal_basis",), raw.legal_basis)
    publication_basis = ctx.citations(doc, ("publication_basis",), raw.publication_basis)
    officer = _officer_role(ctx, doc, raw, attributes)
    if category is None or domain is None:
        return None
    return RecordType(
        name=raw.name,
        title=raw.title,
        authority=raw.authority,
        legal_basis=legal_basis,
        polarity=Polarity(raw.polarity),
        subject_kinds=frozenset(SubjectKind(k) for k in raw.subject_kinds),
        attributes=MappingProxyType(attributes),
        publishable=raw.publishable,
        publication_basis=publication_basis,
        # a broken disclosure is reported already; the placeholder lets the rules still run
        disclosure=disclosure or NotDisplayed(),
        data_category=category,
        domain=domain,
        entry_kinds=entry_kinds,
        description=raw.description,
        officer_role=officer,
    )


# The one scheme an entity named by an officer record is identified in: it is not personal, so
# the entity's subject key is the code itself (`uscc:<code>`) and records can name it.
OFFICER_ENTITY_SCHEMES = ("uscc",)


def _officer_role(
    ctx: Context, doc: Document, raw: RawRecordTypeSpec, attributes: dict[str, AttributeSpec]
) -> OfficerRole | None:
    """`officer_role:`: the attributes it names exist with the right types, the role is a
    closed enum of responsible roles (principle 3: never family members, relatives, associates
    or employees without a named role), and the holder is a person."""
    o = raw.officer_role
    if o is None:
        return None
    loc: Loc = ("officer_role",)
    if set(raw.subject_kinds) != {SubjectKind.individual}:
        ctx.problems.add(
            doc,
            ("subject_kinds",),
            "an officer record is about the person holding the role: "
            "subject_kinds must be [individual]",
        )
    if o.scheme not in OFFICER_ENTITY_SCHEMES:
        ctx.problems.add(
            doc,
            (*loc, "scheme"),
            f"entities are named by {', '.join(OFFICER_ENTITY_SCHEMES)} (got {o.scheme!r})",
        )
    wanted = (
        ("entity", o.entity, (AttributeType.string,), True),
        ("role", o.role, (AttributeType.enum,), True),
        ("start", o.start, (AttributeType.date,), True),
        ("end", o.end, (AttributeType.date,), False),
    )
    for key, name, types, required in wanted:
        if name is None:
            continue
        spec = attributes.get(name)
        if spec is None:
            ctx.unknown(doc, (*loc, key), "attribute", name, attributes, of=raw.name)
        elif spec.type not in types:
            ctx.problems.add(doc, (*loc, key), f"{name} must be a {types[0].value} attribute")
        elif required and not spec.required:
            ctx.problems.add(doc, (*loc, key), f"{name} must be a required attribute")
    role = attributes.get(o.role)
    if role is not None and role.type is AttributeType.enum:
        allowed = {r.value for r in RESPONSIBLE_ROLES}
        for value in role.values:
            if value not in allowed:
                ctx.problems.add(
                    doc,
                    ("attributes", o.role, "values"),
                    f"{value!r} is not a role a measure may reach: only "
                    f"{', '.join(sorted(allowed))} (design principle 3: no collective "
                    "punishment; never family members, relatives, associates or employees "
                    "without a named role)",
                )
    return OfficerRole(o.entity, o.scheme, o.role, o.start, o.end)


def attribute(
    ctx: Context, doc: Document, loc: Loc, name: str, raw: RawAttributeSpec
) -> AttributeSpec | None:
    problems = ctx.problems
    if not _ATTRIBUTE_NAME.match(name):
        problems.add(
            doc,
            loc,
            f"attribute name {name!r} must be a lower-case word with '_' (e.g. case_number)",
            at="key",
        )
    t = AttributeType(raw.type)
    for key, types in _ONLY_FOR.items():
        if getattr(raw, key) is not None and t not in types:
            allowed = " or ".join(x.value for x in types)
            problems.add(doc, (*loc, key), f"only applies to type {allowed} (this is {t.value})")
    if t is AttributeType.enum:
        values = raw.values or ()
        if not values:
            problems.add(doc, (*loc, "type"), "an enum needs `values:` (a non-empty list)")
        for i, v in enumerate(values):
            if v in values[:i]:
                problems.add(doc, (*loc, "values", i), f"duplicate enum value {v!r}")
    if t is AttributeType.decimal and raw.scale is None:
        problems.add(
            doc, (*loc, "type"), "a decimal needs `scale:` (digits after the point, 2 for yuan)"
        )
    if t is AttributeType.integer:
        for key in ("minimum", "maximum"):
            bound = getattr(raw, key)
            if bound is not None and bound != bound.to_integral_value():
                problems.add(doc, (*loc, key), f"must be a whole number (got {bound})")
    if raw.minimum is not None and raw.maximum is not None and raw.minimum > raw.maximum:
        problems.add(doc, (*loc, "maximum"), f"must be ≥ minimum {raw.minimum} (got {raw.maximum})")
    category = data_category(ctx, doc, (*loc, "data_category"), raw.data_category)
    if category is None:
        return None
    return AttributeSpec(
        name=name,
        type=t,
        data_category=category,
        description=raw.description,
        required=raw.required,
        values=tuple(raw.values or ()),
        scale=raw.scale,
        minimum=raw.minimum,
        maximum=raw.maximum,
        max_length=raw.max_length,
        unit=raw.unit,
    )


def _disclosure(
    ctx: Context,
    doc: Document,
    raw: RawRecordTypeSpec,
    attributes: dict[str, AttributeSpec],
    entry_kinds: frozenset[EntryKind],
) -> Disclosure | None:
    spec = raw.disclosure
    loc: Loc = ("disclosure",)
    if isinstance(spec, RawFixedDisplaySpec):
        return FixedDisplay(Period.parse(spec.period))
    if isinstance(spec, RawTieredDisplaySpec):
        return _tiered(ctx, doc, spec, attributes, raw)
    if isinstance(spec, RawUntilExitSpec):
        if not spec.entry_kinds and not spec.record_types:
            ctx.problems.add(
                doc, loc, "until_exit needs `entry_kinds:` or `record_types:` that end the display"
            )
        for i, k in enumerate(spec.entry_kinds):
            if k not in entry_kinds:
                ctx.problems.add(
                    doc,
                    (*loc, "entry_kinds", i),
                    f"{k.value!r} entries are not allowed for this record type (see entry_kinds)",
                )
        # record type names are checked once the whole catalogue is known (`check_exit_refs`)
        for i, name in enumerate(spec.same):
            if name not in attributes:
                ctx.problems.add(
                    doc,
                    (*loc, "same", i),
                    f"unknown attribute {name!r} of {raw.name}",
                    hints=[did_you_mean(name, attributes)],
                )
        return UntilExitDisplay(
            frozenset(spec.entry_kinds), tuple(spec.record_types), tuple(spec.same)
        )
    return NotDisplayed()


def _tiered(
    ctx: Context,
    doc: Document,
    spec: RawTieredDisplaySpec,
    attributes: dict[str, AttributeSpec],
    raw: RawRecordTypeSpec,
) -> Disclosure | None:
    loc: Loc = ("disclosure",)
    tiers = {}
    for name, t in spec.tiers.items():
        lo, hi = Period.parse(t.minimum), Period.parse(t.maximum)
        if lo.approx_days() > hi.approx_days():
            ctx.problems.add(
                doc,
                (*loc, "tiers", name, "maximum"),
                f"must not be shorter than minimum {lo} (got {hi})",
            )
        tiers[name] = Tier(name, lo, hi)
    attr = attributes.get(spec.attribute)
    if attr is None:
        if spec.attribute not in raw.attributes:
            ctx.problems.add(
                doc,
                (*loc, "attribute"),
                f"unknown attribute {spec.attribute!r}: the tier must be an enum attribute of "
                "this record type",
            )
        return None
    if attr.type is not AttributeType.enum:
        ctx.problems.add(
            doc, (*loc, "attribute"), f"{attr.name!r} must be an enum attribute (it is {attr.type})"
        )
        return None
    missing = [v for v in attr.values if v not in tiers]
    if missing:
        ctx.problems.add(
            doc, (*loc, "tiers"), f"no tier for {', '.join(map(repr, missing))} of {attr.name}"
        )
    for name in tiers:
        if name not in attr.values:
            ctx.problems.add(
                doc,
                (*loc, "tiers", name),
                f"{name!r} is not a value of {attr.name} ({', '.join(attr.values)})",
                at="key",
            )
    if not attr.required:
        ctx.problems.add(
            doc,
            ("attributes", attr.name, "required"),
            "the attribute that picks the display tier must be `required: true`",
        )
    return TieredDisplay(attr.name, MappingProxyType(tiers))


def check_exit_refs(ctx: Context, doc: Document, rt: RecordType) -> None:
    """Record types named by an until_exit display must exist (needs the whole catalogue)."""
    if isinstance(rt.disclosure, UntilExitDisplay):
        for i, name in enumerate(rt.disclosure.record_types):
            ender = ctx.record_type(doc, ("disclosure", "record_types", i), name)
            for j, attr in enumerate(rt.disclosure.same):
                if ender is not None and attr not in ender.attributes:
                    ctx.problems.add(
                        doc,
                        ("disclosure", "same", j),
                        f"{name} has no attribute {attr!r} to match on",
                    )
