"""Small builders for the SQLGlot expressions the compiler needs.

Pack values reach SQL only as literals built here (`lit`, `date_lit`); names of steps and columns
are the compiler's own. Nothing is formatted into SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from sqlglot import exp

from xinyong.domain.catalogue import AttributeSpec, AttributeType, Period, Scalar


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def lit(value: Scalar | None) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, date):
        return date_lit(value)
    if isinstance(value, int | Decimal):
        return exp.Literal.number(str(value))
    return exp.Literal.string(value)


def date_lit(d: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(d.isoformat()), exp.DataType.Type.DATE)


def null_of(type_: exp.DataType | str) -> exp.Expr:
    """A NULL of a stated type. A bare NULL has no type of its own: PostgreSQL makes a column of
    it `text` and then refuses to compare or CASE it with a date or a number."""
    return exp.cast(exp.null(), type_)


def null_date() -> exp.Expr:
    return null_of("DATE")


def plus(expr: exp.Expr, period: Period) -> exp.Expr:
    """`expr + period` as a DATE: months first (clamped to month end), then days."""
    months = period.years * 12 + period.months
    out = expr
    if months:
        out = exp.Add(this=out, expression=_interval(months, "MONTH"))
    if period.days:
        out = exp.Add(this=out, expression=_interval(period.days, "DAY"))
    return exp.cast(out, exp.DataType.Type.DATE)


def _interval(n: int, unit: str) -> exp.Interval:
    return exp.Interval(this=exp.Literal.string(str(n)), unit=exp.var(unit))


def json_path(key: str) -> exp.JSONPath:
    return exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)])


def json_text(column: exp.Expr, key: str) -> exp.Expr:
    """The scalar at `$.key` of a JSON text column, as text."""
    return exp.JSONExtractScalar(this=column, expression=json_path(key))


def typed(spec: AttributeSpec, text: exp.Expr) -> exp.Expr:
    """An attribute's JSON text in the attribute's own type, so comparisons follow the type."""
    if spec.type in (AttributeType.integer, AttributeType.decimal, AttributeType.date):
        return exp.cast(text, sql_type(spec))
    # strings, enums, and booleans (JSON `true`/`false` extract as that text everywhere)
    return text


def sql_type(spec: AttributeSpec) -> exp.DataType:
    """The SQL type `typed` gives an attribute (text for strings, enums and booleans)."""
    t = spec.type
    if t is AttributeType.integer:
        return exp.DataType.build("BIGINT")
    if t is AttributeType.decimal:
        return exp.DataType.build(f"DECIMAL(38, {decimal_scale(spec)})")
    if t is AttributeType.date:
        return exp.DataType.build("DATE")
    return exp.DataType.build("VARCHAR")


def decimal_scale(spec: AttributeSpec) -> int:
    return spec.scale if spec.scale is not None else 10


def typed_lit(spec: AttributeSpec, value: Scalar) -> exp.Expr:
    if spec.type is AttributeType.boolean:
        return exp.Literal.string("true" if value else "false")
    if spec.type is AttributeType.decimal:
        return exp.cast(
            exp.Literal.string(str(value)),
            exp.DataType.build(f"DECIMAL(38, {decimal_scale(spec)})"),
        )
    if spec.type is AttributeType.integer:
        return exp.Literal.number(str(int(value)))  # type: ignore[arg-type]
    return lit(value if not isinstance(value, bool) else str(value).lower())


def and_(conds: Iterable[exp.Expr | None]) -> exp.Expr | None:
    kept = [c for c in conds if c is not None]
    if not kept:
        return None
    return exp.and_(*kept) if len(kept) > 1 else kept[0]


def or_(conds: Sequence[exp.Expr]) -> exp.Expr:
    return exp.or_(*conds) if len(conds) > 1 else conds[0]


def case(whens: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None) -> exp.Expr:
    c = exp.Case()
    for cond, value in whens:
        c = c.when(cond, value)
    if default is not None:
        c = c.else_(default)
    return c


def least(values: Sequence[exp.Expr]) -> exp.Expr:
    """The smallest non-NULL value (NULL when all are NULL), the same on every engine."""
    if len(values) == 1:
        return values[0]
    return exp.Least(this=values[0], expressions=list(values[1:]), ignore_nulls=True)


def greatest(values: Sequence[exp.Expr]) -> exp.Expr:
    """The largest non-NULL value (NULL when all are NULL), the same on every engine."""
    if len(values) == 1:
        return values[0]
    return exp.Greatest(this=values[0], expressions=list(values[1:]), ignore_nulls=True)


def count_star() -> exp.Expr:
    return exp.Count(this=exp.Star())


def row_number(partition: Sequence[exp.Expr], order: Sequence[exp.Expr]) -> exp.Expr:
    """ROW_NUMBER() over `partition` in `order` (an `exp.Ordered` keeps its direction)."""
    return exp.Window(
        this=exp.RowNumber(),
        partition_by=list(partition),
        order=exp.Order(
            expressions=[o if isinstance(o, exp.Ordered) else exp.Ordered(this=o) for o in order]
        ),
    )


def desc(expr: exp.Expr) -> exp.Ordered:
    return exp.Ordered(this=expr, desc=True)


def table(name: str, alias: str | None = None) -> exp.Table:
    t = exp.to_table(name)
    if alias:
        t.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return t


def subquery(query: exp.Query, alias: str) -> exp.Subquery:
    return query.subquery(alias)


def empty(columns: Mapping[str, str]) -> exp.Query:
    """A query of no rows with these columns, each NULL of its type."""
    return exp.select(*[null_of(t).as_(c) for c, t in columns.items()]).where(exp.false())
