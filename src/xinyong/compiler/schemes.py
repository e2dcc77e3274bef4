"""Points schemes → score items and scores (docs/concepts/evaluation.md, "Schemes").

`score_items` holds every item's contribution per subject (one grouped scan over all schemes),
with the rank of the grade ceiling it imposes (a column beyond the output relation's, which
engines read by name); `scores` are read from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlglot import exp

from xinyong.compiler import scorecard
from xinyong.compiler import sql as q
from xinyong.compiler.plan import OUTPUT_TYPES, Plan
from xinyong.compiler.records import SUBJECTS, Records
from xinyong.domain.scoring import CapBucket, ScoreItem, ScoringScheme

ITEMS = "score_items"


def _bucket(kind: CapBucket, alias: str) -> exp.Expr:
    """The calendar bucket of a record's decision date, as the bucket's first day: 1 January,
    the 1st of the month, the ISO week's Monday, or the day itself. A date on every engine (no
    numeric EXTRACT, no day counts divided by 7, which PostgreSQL divides as integers)."""
    decided = q.col("decision_date", alias)
    if kind is CapBucket.day:
        return decided
    unit = {CapBucket.year: "YEAR", CapBucket.month: "MONTH", CapBucket.week: "WEEK"}[kind]
    trunc = exp.DateTrunc(this=decided, unit=exp.var(unit))  # type: ignore[no-untyped-call]
    return exp.cast(trunc, exp.DataType.Type.DATE)


def _layers(schemes: Mapping[str, ScoringScheme]) -> list[list[tuple[ScoringScheme, ScoreItem]]]:
    """Every item, in layers where no two items read the same record type: one scan of the
    live records assigns each record the one item of its layer it can count for."""
    layers: list[list[tuple[ScoringScheme, ScoreItem]]] = []
    for name in sorted(schemes):
        s = schemes[name]
        for item in s.items:
            rt = item.condition.record_type
            for layer in layers:
                if all(i.condition.record_type != rt for _, i in layer):
                    layer.append((s, item))
                    break
            else:
                layers.append([(s, item)])
    return layers


def _kinds(s: ScoringScheme, alias: str) -> exp.Expr:
    return exp.In(
        this=q.col("subject_kind", alias),
        expressions=[q.lit(k.value) for k in sorted(s.subject_kinds)],
    )


def _scan(
    rec: Records,
    layer: list[tuple[ScoringScheme, ScoreItem]],
    number: Mapping[tuple[str, str], int],
) -> exp.Query:
    """One scan of the live records giving each the item of `layer` it counts for and its cap
    bucket. A test every item of the layer makes (the same window, the same subject kinds) is
    made once, in the WHERE, rather than in every branch of the CASE."""
    parts = [[*rec.match_parts(i.condition, "x"), _kinds(s, "x")] for s, i in layer]
    common = [p for p in parts[0][1:] if all(any(p == o for o in other[1:]) for other in parts[1:])]
    item_no = []
    bucket = []
    for (s, item), own in zip(layer, parts, strict=True):
        hit = q.and_([p for p in own if not any(p == c for c in common)])
        assert hit is not None  # the record type's test is never common to two items
        item_no.append((hit, exp.Literal.number(number[(s.name, item.name)])))
        if item.cap is not None and item.cap.bucket is not None:
            bucket.append((hit.copy(), _bucket(item.cap.bucket, "x")))
    types = sorted({i.condition.record_type for _, i in layer})
    in_types = exp.In(this=q.col("record_type", "x"), expressions=[q.lit(t) for t in types])
    return (
        exp.select(
            q.col("subject_key", "x"),
            q.case(item_no, None).as_("item_no"),
            (q.case(bucket, None) if bucket else q.null_date()).as_("bucket"),
        )
        .from_(q.table(rec.live, "x"))
        .where(q.and_([in_types, *[c.copy() for c in common]]))
    )


def _items(rec: Records, schemes: Mapping[str, ScoringScheme]) -> exp.Query | None:
    """Every item's capped contribution per subject: the records each item counts, grouped
    once by (subject, item, cap bucket), then capped per bucket and summed per item."""
    layers = _layers(schemes)
    if not layers:
        return None
    number: dict[tuple[str, str], int] = {}
    meta: list[tuple[ScoringScheme, ScoreItem]] = []
    for layer in layers:
        for s, item in layer:
            number[(s.name, item.name)] = len(meta)
            meta.append((s, item))
    scans = [_scan(rec, layer, number) for layer in layers]
    union = scans[0]
    for scan in scans[1:]:
        union = exp.union(union, scan, distinct=False)
    counted = (
        exp.select("subject_key", "item_no", "bucket", q.count_star().as_("n"))
        .from_(union.subquery("m"))
        .where(exp.not_(exp.Is(this=q.col("item_no"), expression=exp.null())))
        .group_by("subject_key", "item_no", "bucket")
    )
    n = q.col("n")

    def per_item(value: Callable[[ScoringScheme, ScoreItem], exp.Expr]) -> exp.Expr:
        return q.case(
            [
                (exp.EQ(this=q.col("item_no"), expression=exp.Literal.number(i)), value(s, item))
                for i, (s, item) in enumerate(meta)
            ],
            None,
        )

    def points(s: ScoringScheme, item: ScoreItem) -> exp.Expr:
        raw: exp.Expr = exp.Mul(this=n.copy(), expression=exp.Literal.number(abs(item.points)))
        if item.cap is not None:  # per bucket, or over the whole window (one group)
            raw = q.least([raw, exp.Literal.number(item.cap.points)])
        return exp.Neg(this=exp.paren(raw)) if item.points < 0 else raw

    summed = (
        exp.select(
            "subject_key",
            "item_no",
            exp.Sum(this=n.copy()).as_("records"),
            exp.Sum(this=per_item(points)).as_("points"),
        )
        .from_(counted.subquery("c"))
        .group_by("subject_key", "item_no")
    )

    def ceiling(s: ScoringScheme, item: ScoreItem) -> exp.Expr:
        if item.grade_at_most is None:
            return q.null_of("INT")
        rank = [b.grade for b in s.grades].index(item.grade_at_most)
        return exp.cast(exp.Literal.number(rank), exp.DataType.Type.INT)

    return exp.select(
        "subject_key",
        per_item(lambda s, _: q.lit(s.name)).as_("scheme_name"),
        per_item(lambda _, item: q.lit(item.name)).as_("item_name"),
        exp.cast(q.col("records"), exp.DataType.Type.BIGINT).as_("records"),
        exp.cast(q.col("points"), exp.DataType.Type.BIGINT).as_("points"),
        per_item(ceiling).as_("ceiling"),
    ).from_(summed.subquery("i"))


def build(plan: Plan, rec: Records, schemes: Mapping[str, ScoringScheme]) -> None:
    """Add `xy_items`, `score_items` and `scores`."""
    items = _items(rec, schemes)
    for name in sorted(schemes):
        s = schemes[name]
        if s.scorecard is not None:
            step = scorecard.build_points(plan, rec, s)
            for part in scorecard.items(step, s):
                items = part if items is None else exp.union(items, part, distinct=False)
    if items is not None:
        # the output carries the grade ceiling too (engines read outputs by column name), so
        # the items are not copied into a second table for `scores` to read
        plan.add(ITEMS, items, output=True)
    else:
        plan.add("score_items", _empty("score_items"), output=True)
    scores = [_scores(s, has_items=items is not None) for _, s in sorted(schemes.items())]
    if not scores:
        plan.add("scores", _empty("scores"), output=True)
        return
    union = scores[0]
    for part in scores[1:]:
        union = exp.union(union, part, distinct=False)
    plan.add("scores", union, output=True)


def _scores(s: ScoringScheme, *, has_items: bool) -> exp.Query:
    total: exp.Expr = exp.Literal.number(s.base)
    inner = exp.select(q.col("subject_key", "s")).from_(q.table(SUBJECTS, "s"))
    ceiling: exp.Expr = exp.Literal.number(0)
    if s.scorecard is not None:
        # the card's points step holds the sum already, for exactly the subjects it scores (of
        # the scheme's kinds, with a record to score)
        inner = exp.select(q.col("subject_key", "s")).from_(q.table(scorecard.points_step(s), "s"))
        total = q.col(scorecard.TOTAL, "s")
    elif has_items and s.items:
        agg = (
            exp.select(
                "subject_key",
                exp.Sum(this=q.col("points")).as_("total"),
                exp.Max(this=q.col("ceiling")).as_("ceiling"),
            )
            .from_(ITEMS)
            .where(exp.EQ(this=q.col("scheme_name"), expression=q.lit(s.name)))
            .group_by("subject_key")
        )
        inner = inner.join(
            agg.subquery("i"),
            on=exp.EQ(this=q.col("subject_key", "i"), expression=q.col("subject_key", "s")),
            join_type="left",
        )
        total = exp.Add(
            this=total,
            expression=exp.Coalesce(this=q.col("total", "i"), expressions=[exp.Literal.number(0)]),
        )
        ceiling = exp.Coalesce(this=q.col("ceiling", "i"), expressions=[exp.Literal.number(0)])
    clamped = total
    if s.minimum is not None:
        clamped = q.greatest([clamped, exp.Literal.number(s.minimum)])
    if s.maximum is not None:
        clamped = q.least([clamped, exp.Literal.number(s.maximum)])
    kinds = exp.In(
        this=q.col("subject_kind", "s"),
        expressions=[q.lit(k.value) for k in sorted(s.subject_kinds)],
    )
    inner = inner.select(
        exp.cast(clamped, exp.DataType.Type.BIGINT).as_("points"),
        ceiling.as_("ceiling"),
    )
    if s.scorecard is None:
        inner = inner.where(kinds)
    last = len(s.grades) - 1
    band = q.case(
        [
            (
                exp.GTE(this=q.col("points"), expression=exp.Literal.number(b.minimum)),
                exp.Literal.number(i),
            )
            for i, b in enumerate(s.grades)
            if b.minimum is not None
        ],
        exp.Literal.number(last),
    )
    rank = q.greatest([band, q.col("ceiling")])
    grade = q.case(
        [
            (exp.EQ(this=rank.copy(), expression=exp.Literal.number(i)), q.lit(b.grade))
            for i, b in enumerate(s.grades)
        ],
        None,
    )
    return exp.select(
        "subject_key", q.lit(s.name).as_("scheme_name"), "points", grade.as_("grade")
    ).from_(inner.subquery("scored"))


def _empty(relation: str) -> exp.Query:
    return q.empty(OUTPUT_TYPES[relation])
