"""`ScoringScheme` documents → `domain.scoring.ScoringScheme`."""

from __future__ import annotations

from xinyong.domain.scoring import Cap, GradeBand, ScoreItem, ScoringMethod, ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.policy.resolve.conditions import record_condition
from xinyong.policy.resolve.context import Context
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.scheme import CAP_BUCKETS, RawScoringSchemeSpec


def scheme(ctx: Context, doc: Document, raw: RawScoringSchemeSpec) -> ScoringScheme | None:
    problems = ctx.problems
    if raw.method == "scorecard":
        problems.add(
            doc,
            ("method",),
            "statistical scorecards are reserved but not supported yet; use `method: points`",
        )
        return None
    ctx.unique(doc, ("items",), [i.name for i in raw.items], "item name")
    grade_names = [band.grade for band in raw.grades]
    items = []
    for i, item in enumerate(raw.items):
        loc: Loc = ("items", i)
        condition = record_condition(
            ctx, doc, loc, item.record_type, item.where, within=item.within
        )
        if item.grade_at_most is not None:
            if item.grade_at_most not in grade_names:
                ctx.unknown(
                    doc,
                    (*loc, "grade_at_most"),
                    "grade",
                    item.grade_at_most,
                    grade_names,
                    of=raw.name,
                )
            if item.points > 0:
                # a record that raises the score yet caps the grade would make the scheme
                # non-monotone: more of it could both help and harm the subject
                problems.add(
                    doc,
                    (*loc, "points"),
                    f"an item with `grade_at_most:` cannot add points (got {item.points})",
                )
        elif item.points == 0:
            problems.add(
                doc,
                (*loc, "points"),
                "must not be 0: an item adds or deducts points",
                hints=["An item that only lowers the grade names it with `grade_at_most:`."],
            )
        cap = None
        if item.cap is not None:
            if item.cap.per is not None and item.cap.per not in CAP_BUCKETS:
                problems.add(
                    doc,
                    (*loc, "cap", "per"),
                    f"cap periods are calendar buckets: P1Y, P1M, P1W or P1D (got {item.cap.per})",
                )
                cap = Cap(item.cap.points)
            else:
                cap = Cap(item.cap.points, ctx.period(item.cap.per))
            if item.cap.points < abs(item.points):
                problems.add(
                    doc,
                    (*loc, "cap", "points"),
                    f"is below one record's points ({abs(item.points)}), so the item never counts",
                )
        basis = ctx.citations(doc, (*loc, "legal_basis"), item.legal_basis)
        if condition is not None:
            items.append(
                ScoreItem(item.name, condition, item.points, cap, basis, item.grade_at_most)
            )

    grades = []
    seen: set[str] = set()
    last = len(raw.grades) - 1
    previous: int | None = None
    for i, band in enumerate(raw.grades):
        loc = ("grades", i)
        if band.grade in seen:
            problems.add(doc, (*loc, "grade"), f"duplicate grade {band.grade!r}")
        seen.add(band.grade)
        if band.minimum is None and i != last:
            problems.add(doc, (*loc, "minimum"), "only the lowest (last) band may omit `minimum:`")
        elif band.minimum is not None:
            if previous is not None and band.minimum >= previous:
                problems.add(
                    doc,
                    (*loc, "minimum"),
                    f"bands go from highest to lowest: must be below {previous} "
                    f"(got {band.minimum})",
                )
            previous = band.minimum
        grades.append(GradeBand(band.grade, band.minimum))
    floor = raw.grades[last].minimum if raw.grades else None
    if floor is not None and (raw.minimum is None or raw.minimum < floor):
        problems.add(
            doc,
            ("grades", last, "minimum"),
            "the lowest band must have no minimum, or the scheme's `minimum:` must reach it, "
            "so that every score has a grade",
        )
    if raw.minimum is not None and raw.maximum is not None and raw.minimum > raw.maximum:
        problems.add(doc, ("maximum",), f"must be ≥ minimum {raw.minimum} (got {raw.maximum})")
    for key, bound in (("minimum", raw.minimum), ("maximum", raw.maximum)):
        if bound is None:
            continue
        if (key == "minimum" and raw.base < bound) or (key == "maximum" and raw.base > bound):
            problems.add(doc, ("base",), f"base {raw.base} is outside the scheme's {key} {bound}")

    return ScoringScheme(
        name=raw.name,
        title=raw.title,
        method=ScoringMethod.points,
        legal_basis=ctx.citations(doc, ("legal_basis",), raw.legal_basis),
        subject_kinds=frozenset(SubjectKind(k) for k in raw.subject_kinds),
        base=raw.base,
        items=tuple(items),
        grades=tuple(grades),
        rewards_only=raw.rewards_only,
        minimum=raw.minimum,
        maximum=raw.maximum,
        description=raw.description,
    )
