"""`ScoringScheme` documents → `domain.scoring.ScoringScheme`."""

from __future__ import annotations

from xinyong.domain.scoring import Cap, GradeBand, ScoreItem, ScoringMethod, ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.policy.resolve.conditions import record_condition
from xinyong.policy.resolve.context import Context
from xinyong.policy.resolve.scorecards import scorecard_use
from xinyong.policy.source import Document, Loc
from xinyong.policy.spec.scheme import CAP_BUCKETS, RawScoringSchemeSpec


def scheme(ctx: Context, doc: Document, raw: RawScoringSchemeSpec) -> ScoringScheme | None:
    problems = ctx.problems
    if raw.method == "scorecard":
        return _scorecard_scheme(ctx, doc, raw)
    if raw.scorecard is not None:
        problems.add(doc, ("scorecard",), "only `method: scorecard` schemes have a scorecard")
    if raw.base is None:
        problems.add(doc, ("base",), "a points scheme needs `base:`, the score it starts from")
        return None
    base: int = raw.base
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

    grades = _grades(ctx, doc, raw)
    if raw.minimum is not None and raw.maximum is not None and raw.minimum > raw.maximum:
        problems.add(doc, ("maximum",), f"must be ≥ minimum {raw.minimum} (got {raw.maximum})")
    for key, bound in (("minimum", raw.minimum), ("maximum", raw.maximum)):
        if bound is None:
            continue
        if (key == "minimum" and base < bound) or (key == "maximum" and base > bound):
            problems.add(doc, ("base",), f"base {base} is outside the scheme's {key} {bound}")

    return ScoringScheme(
        name=raw.name,
        title=raw.title,
        method=ScoringMethod.points,
        legal_basis=ctx.citations(doc, ("legal_basis",), raw.legal_basis),
        subject_kinds=frozenset(SubjectKind(k) for k in raw.subject_kinds),
        base=base,
        items=tuple(items),
        grades=tuple(grades),
        rewards_only=raw.rewards_only,
        minimum=raw.minimum,
        maximum=raw.maximum,
        description=raw.description,
    )


def _scorecard_scheme(
    ctx: Context, doc: Document, raw: RawScoringSchemeSpec
) -> ScoringScheme | None:
    """A statistical scorecard: no base, items or bounds of its own (the card has them)."""
    problems = ctx.problems
    for key, value in (
        ("base", raw.base),
        ("minimum", raw.minimum),
        ("maximum", raw.maximum),
        ("items", raw.items or None),
    ):
        if value is not None:
            problems.add(
                doc,
                (key,),
                f"a scorecard scheme has no `{key}:`: the fitted card and its scaling give it",
            )
    if raw.rewards_only:
        problems.add(doc, ("rewards_only",), "a scorecard can lower a score: not rewards-only")
    if raw.scorecard is None:
        problems.add(doc, ("method",), "`method: scorecard` needs a `scorecard:` block")
        return None
    use = scorecard_use(ctx, doc, raw.scorecard)
    grades = _grades(ctx, doc, raw, floor=raw.scorecard.scaling.minimum)
    if use is None:
        return None
    return ScoringScheme(
        name=raw.name,
        title=raw.title,
        method=ScoringMethod.scorecard,
        legal_basis=ctx.citations(doc, ("legal_basis",), raw.legal_basis),
        subject_kinds=frozenset(SubjectKind(k) for k in raw.subject_kinds),
        base=use.card.base,
        items=(),
        grades=tuple(grades),
        minimum=use.card.scaling.minimum,
        maximum=use.card.scaling.maximum,
        description=raw.description,
        scorecard=use,
    )


def _grades(
    ctx: Context, doc: Document, raw: RawScoringSchemeSpec, floor: int | None = None
) -> list[GradeBand]:
    problems = ctx.problems
    minimum = raw.minimum if floor is None else floor
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
    lowest = raw.grades[last].minimum if raw.grades else None
    if lowest is not None and (minimum is None or minimum < lowest):
        problems.add(
            doc,
            ("grades", last, "minimum"),
            "the lowest band must have no minimum, or the scheme's `minimum:` must reach it, "
            "so that every score has a grade",
        )
    return grades
