"""Record conditions (`record_type`, `where`, `at_least`, `within`) checked against the catalogue.

`where` maps attribute names to a value, a list of values, or `{at_least, at_most}`; every value
is coerced with the attribute's own spec, so `where: {ground: refuse}` against an enum is caught
here with the enum's values, not at evaluation time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from xinyong.domain.catalogue import AttributeSpec, AttributeType, RecordType, Scalar, did_you_mean
from xinyong.domain.lists import AttributeCondition, Condition, ListCondition, RecordCondition
from xinyong.policy.resolve.context import Context
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.lists import RawRecordConditionSpec

_RANGE_KEYS = ("at_least", "at_most")
_ORDERED = (AttributeType.integer, AttributeType.decimal, AttributeType.date)


def conditions(
    ctx: Context,
    doc: Document,
    loc: Loc,
    raws: Sequence[RawRecordConditionSpec],
    *,
    anchor: RecordType | None = None,
    start: int = 0,
) -> tuple[RecordCondition, ...]:
    """Record conditions; `list:` is refused here (it may only anchor an entry rule). `same:`
    attributes must exist on the condition's record type and, when known, the anchor's.
    `start` is the index of `raws[0]` in the YAML list, for error locations."""
    out = []
    for i, raw in enumerate(raws, start):
        if raw.list_name is not None:
            ctx.problems.add(
                doc,
                (*loc, i, "list"),
                "a list condition may only be the first `when:` of an entry rule (its anchor)",
                at="key",
            )
            continue
        if raw.record_type is None:
            ctx.problems.add(doc, (*loc, i), "needs `record_type:`")
            continue
        c = record_condition(
            ctx,
            doc,
            (*loc, i),
            raw.record_type,
            raw.where,
            at_least=raw.at_least,
            within=raw.within,
        )
        if c is None:
            continue
        if raw.same:
            c = replace(c, same=_same(ctx, doc, (*loc, i, "same"), raw, anchor))
        out.append(c)
    return tuple(out)


def entry_conditions(
    ctx: Context, doc: Document, loc: Loc, raws: Sequence[RawRecordConditionSpec]
) -> tuple[Condition, ...]:
    """An entry rule's `when:`: the first condition anchors the listing and may name a list; the
    others may match the anchor with `same:`."""
    if not raws:
        return ()
    first, rest = raws[0], raws[1:]
    head: Condition | None
    if first.list_name is not None:
        for key in ("record_type", "where", "within", "same"):
            if getattr(first, key):
                ctx.problems.add(
                    doc,
                    (*loc, 0, key),
                    "a list condition takes only `list:` (and `at_least:` is not allowed)",
                    at="key",
                )
        if first.at_least != 1:
            ctx.problems.add(doc, (*loc, 0, "at_least"), "a list condition takes only `list:`")
        ctx.list_name(doc, (*loc, 0, "list"), first.list_name)
        head = ListCondition(first.list_name)
    else:
        if first.same:
            ctx.problems.add(
                doc,
                (*loc, 0, "same"),
                "the anchor is the record others are matched with; `same:` belongs on the "
                "conditions after it",
                at="key",
            )
        found = conditions(ctx, doc, loc, [first.model_copy(update={"same": ()})])
        head = found[0] if found else None
    anchor_rt = ctx.catalogue.get(head.record_type) if isinstance(head, RecordCondition) else None
    out: list[Condition] = [head] if head is not None else []
    out.extend(conditions(ctx, doc, loc, rest, anchor=anchor_rt, start=1))
    return tuple(out)


def _same(
    ctx: Context,
    doc: Document,
    loc: Loc,
    raw: RawRecordConditionSpec,
    anchor: RecordType | None,
) -> tuple[str, ...]:
    own = ctx.catalogue.get(raw.record_type or "")
    for i, name in enumerate(raw.same):
        for rt in (own, anchor):
            if rt is not None and name not in rt.attributes:
                ctx.problems.add(
                    doc,
                    (*loc, i),
                    f"{rt.name} has no attribute {name!r} to match on",
                    hints=[did_you_mean(name, rt.attributes)],
                )
    return tuple(raw.same)


def record_condition(
    ctx: Context,
    doc: Document,
    loc: Loc,
    record_type: str,
    where: Mapping[str, Any],
    *,
    at_least: int = 1,
    within: str | None = None,
) -> RecordCondition | None:
    rt = ctx.record_type(doc, (*loc, "record_type"), record_type)
    if rt is None:
        return None
    tests = attribute_conditions(ctx, doc, (*loc, "where"), rt, where)
    return RecordCondition(
        record_type=record_type, where=tests, at_least=at_least, within=ctx.period(within)
    )


def attribute_conditions(
    ctx: Context, doc: Document, loc: Loc, rt: RecordType, where: Mapping[str, Any]
) -> tuple[AttributeCondition, ...]:
    out = []
    for name, value in where.items():
        spec = rt.attributes.get(name)
        if spec is None:
            ctx.problems.add(
                doc,
                (*loc, name),
                f"unknown attribute {name!r} of {rt.name}",
                at="key",
                hints=[did_you_mean(name, rt.attributes)],
            )
            continue
        test = _test(ctx, doc, (*loc, name), spec, value)
        if test is not None:
            out.append(test)
    return tuple(out)


def _test(
    ctx: Context, doc: Document, loc: Loc, spec: AttributeSpec, value: Any
) -> AttributeCondition | None:
    if isinstance(value, dict):
        if spec.type not in _ORDERED:
            ctx.problems.add(
                doc, loc, f"a range needs a number or date attribute ({spec.name} is {spec.type})"
            )
            return None
        bounds: dict[str, Scalar] = {}
        for key, bound in value.items():
            if key not in _RANGE_KEYS:
                ctx.problems.add(
                    doc,
                    (*loc, key),
                    "unknown key; a range has at_least and/or at_most",
                    at="key",
                    hints=[did_you_mean(str(key), _RANGE_KEYS)],
                )
                continue
            coerced = _coerce(ctx, doc, (*loc, key), spec, bound)
            if coerced is not None:
                bounds[key] = coerced
        if not value:
            ctx.problems.add(doc, loc, "a range needs at_least and/or at_most")
        return AttributeCondition(
            spec.name, at_least=bounds.get("at_least"), at_most=bounds.get("at_most")
        )
    values = value if isinstance(value, list) else [value]
    if not values:
        ctx.problems.add(doc, loc, "must list at least one value")
        return None
    coerced_values = []
    for i, v in enumerate(values):
        c = _coerce(ctx, doc, (*loc, i) if isinstance(value, list) else loc, spec, v)
        if c is not None:
            coerced_values.append(c)
    return AttributeCondition(spec.name, one_of=tuple(coerced_values))


def _coerce(
    ctx: Context, doc: Document, loc: Loc, spec: AttributeSpec, value: Any
) -> Scalar | None:
    try:
        return spec.coerce(value)
    except ValueError as e:
        ctx.problems.add(doc, loc, str(e))
        return None
