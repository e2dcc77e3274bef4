"""Points schemes → score items and scores (docs/concepts/evaluation.md, "Schemes").

`xy_items` holds every item's contribution per subject (one union over all schemes), with the
rank of the grade ceiling it imposes; `score_items` and `scores` are read from it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import OUTPUT_TYPES, Plan
from xinyong.compiler.records import SUBJECTS, Records
from xinyong.domain.scoring import CapBucket, ScoreItem, ScoringScheme
from xinyong.engines.results import RELATIONS

ITEMS = "xy_items"


def _bucket(kind: CapBucket) -> exp.Expr:
    """The calendar bucket of a record's decision date, as the bucket's first day: 1 January,
    the 1st of the month, the ISO week's Monday, or the day itself. A date on every engine (no
    numeric EXTRACT, no day counts divided by 7, which PostgreSQL divides as integers)."""
    decided = q.col("decision_date")
    if kind is CapBucket.day:
        return decided
    unit = {CapBucket.year: "YEAR", CapBucket.month: "MONTH", CapBucket.week: "WEEK"}[kind]
    trunc = exp.DateTrunc(this=decided, unit=exp.var(unit))  # type: ignore[no-untyped-call]
    return exp.cast(trunc, exp.DataType.Type.DATE)


def _item(rec: Records, s: ScoringScheme, item: ScoreItem, rank: Mapping[str, int]) -> exp.Query:
    n = q.count_star()
    sign = 1 if item.points >= 0 else -1
    raw = exp.Mul(this=n, expression=exp.Literal.number(abs(item.points)))
    contribution: exp.Expr = raw
    keys: list[exp.Expr] = [q.col("subject_key")]
    if item.cap is not None:
        contribution = q.least([raw, exp.Literal.number(item.cap.points)])
        if item.cap.bucket is not None:
            keys.append(_bucket(item.cap.bucket).as_("bucket"))
    if sign < 0:
        contribution = exp.Neg(this=exp.paren(contribution))
    kinds = exp.In(
        this=q.col("subject_kind"), expressions=[q.lit(k.value) for k in sorted(s.subject_kinds)]
    )
    per_bucket = (
        exp.select(*keys, n.copy().as_("n"), contribution.as_("points"))
        .from_(rec.source(item.condition))
        .where(kinds)
        .group_by(*[k.this if isinstance(k, exp.Alias) else k for k in keys])
    )
    ceiling = (
        exp.Literal.number(rank[item.grade_at_most])
        if item.grade_at_most is not None
        else exp.cast(exp.null(), exp.DataType.Type.INT)
    )
    return (
        exp.select(
            "subject_key",
            q.lit(s.name).as_("scheme_name"),
            q.lit(item.name).as_("item_name"),
            exp.cast(exp.Sum(this=q.col("n")), exp.DataType.Type.BIGINT).as_("records"),
            exp.cast(exp.Sum(this=q.col("points")), exp.DataType.Type.BIGINT).as_("points"),
            ceiling.as_("ceiling"),
        )
        .from_(per_bucket.subquery("b"))
        .group_by("subject_key")
    )


def build(plan: Plan, rec: Records, schemes: Mapping[str, ScoringScheme]) -> None:
    """Add `xy_items`, `score_items` and `scores`."""
    parts: list[exp.Query] = []
    for name in sorted(schemes):
        s = schemes[name]
        rank = {b.grade: i for i, b in enumerate(s.grades)}
        parts.extend(_item(rec, s, item, rank) for item in s.items)
    if parts:
        union = parts[0]
        for part in parts[1:]:
            union = exp.union(union, part, distinct=False)
        plan.add(ITEMS, union)
        plan.add(
            "score_items",
            exp.select(*RELATIONS["score_items"]).from_(ITEMS),
            output=True,
        )
    else:
        plan.add("score_items", _empty("score_items"), output=True)
    scores = [_scores(s, has_items=bool(parts)) for _, s in sorted(schemes.items())]
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
    if has_items and s.items:
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
    ).where(kinds)
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
