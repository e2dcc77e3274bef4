"""Scorecard schemes → score items (docs/concepts/scorecards.md).

A subject is scored from its latest live record of the scheme's record type as of D (by decision
date, then ledger order). One `sc_<scheme>` step picks that record per subject and gives each
feature's points as a column of its own — a `CASE` over its bins: numeric bins as `value < upper`
in ascending order, categorical bins as `value IN (…)`, a missing or unseen value getting the
feature's `missing_points` — with their sum and the card's base. The score reads that sum (clamped
to the card's range, `compiler/schemes.py`), not the items, so no per-subject regrouping of 18
rows is needed; each feature is also one row of `score_items`, which the decision's reasons read.
A subject without such a record has no score, as in the reference evaluator.
"""

from __future__ import annotations

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import Plan
from xinyong.compiler.records import Records
from xinyong.domain.lists import RecordCondition
from xinyong.domain.scorecard import Feature, ScorecardUse
from xinyong.domain.scoring import ScoringScheme


def condition(use: ScorecardUse) -> RecordCondition:
    """What the record stage must read for a scorecard: its record type with every feature's
    attribute (carried as `same`, the attributes read for a record type besides its tests)."""
    return RecordCondition(
        record_type=use.record_type, same=tuple(sorted({i.attribute for i in use.inputs}))
    )


def points_step(s: ScoringScheme) -> str:
    return f"sc_{s.name}"


def point_col(f: Feature) -> str:
    return f"p_{f.name}"


TOTAL = "sc_total"


def build_points(plan: Plan, rec: Records, s: ScoringScheme) -> str:
    """Add the step holding, per subject with a record to score, each feature's points (a column
    each) and their sum with the base, from the subject's latest record of the type."""
    use = s.scorecard
    assert use is not None
    rt = use.record_type
    kinds = exp.In(
        this=q.col("subject_kind", "x"),
        expressions=[q.lit(k.value) for k in sorted(s.subject_kinds)],
    )
    attribute = {i.feature: i.attribute for i in use.inputs}
    ranked = (
        exp.select(
            q.col("subject_key", "x"),
            *[rec.column(rt, a, "x").as_(f"f_{f}") for f, a in sorted(attribute.items())],
            q.row_number(
                [q.col("subject_key", "x")],
                [q.desc(q.col("decision_date", "x")), q.desc(q.col("seq", "x"))],
            ).as_("rn"),
        )
        .from_(q.table(rec.live, "x"))
        .where(exp.and_(exp.EQ(this=q.col("record_type", "x"), expression=q.lit(rt)), kinds))
    )
    cols = [points(f, q.col(f"f_{f.name}")).as_(point_col(f)) for f in use.card.features]
    latest = (
        exp.select("subject_key", *cols)
        .from_(ranked.subquery("r"))
        .where(exp.EQ(this=q.col("rn"), expression=exp.Literal.number(1)))
    )
    total: exp.Expr = exp.Literal.number(use.card.base)
    for f in use.card.features:
        total = exp.Add(this=total, expression=q.col(point_col(f)))
    step = exp.select(
        "subject_key",
        *[point_col(f) for f in use.card.features],
        total.as_(TOTAL),
    ).from_(latest.subquery("l"))
    return plan.add(points_step(s), step)


def _number(x: float) -> exp.Expr:
    if float(x).is_integer():
        return exp.Literal.number(int(x))
    return exp.Literal.number(repr(float(x)))


def points(f: Feature, column: exp.Expr) -> exp.Expr:
    """The points of `column`'s value under feature `f`, as a CASE over its bins."""
    whens: list[tuple[exp.Expr, exp.Expr]] = []
    if f.kind == "numeric":
        for b in f.bins:
            if b.upper is None:
                test: exp.Expr = exp.not_(exp.Is(this=column.copy(), expression=exp.null()))
            else:
                test = exp.LT(this=column.copy(), expression=_number(b.upper))
            whens.append((test, exp.Literal.number(b.points)))
    else:
        for b in f.bins:
            test = exp.In(this=column.copy(), expressions=[q.lit(c) for c in b.categories])
            whens.append((test, exp.Literal.number(b.points)))
    return q.case(whens, exp.Literal.number(f.missing_points))


def items(step: str, s: ScoringScheme) -> list[exp.Query]:
    """One query per feature giving `score_items` rows (records = 1: the one record scored)."""
    use = s.scorecard
    assert use is not None
    out: list[exp.Query] = []
    for f in use.card.features:
        out.append(
            exp.select(
                "subject_key",
                q.lit(s.name).as_("scheme_name"),
                q.lit(f.name).as_("item_name"),
                exp.cast(exp.Literal.number(1), exp.DataType.Type.BIGINT).as_("records"),
                exp.cast(q.col(point_col(f)), exp.DataType.Type.BIGINT).as_("points"),
                q.null_of("INT").as_("ceiling"),
            ).from_(step)
        )
    return out
