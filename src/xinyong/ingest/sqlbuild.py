"""Build DuckDB SQL from constant templates with values substituted on the syntax tree.

Pack content (record type names, enum values, attribute names) reaches the validation SQL. Rather
than format strings, templates are parsed once by SQLGlot and `:name` placeholders are replaced by
literal or expression nodes, so quoting is SQLGlot's job and a value can never become SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import sqlglot
from sqlglot import exp

Sub = exp.Expr | str | int | bool | None | Sequence[str]


@lru_cache(maxsize=512)
def _parse(template: str) -> exp.Expr:
    return sqlglot.parse_one(template, read="duckdb")


def _node(value: Sub) -> exp.Expr:
    if isinstance(value, exp.Expr):
        return value
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Array(expressions=[exp.Literal.string(v) for v in value])


def expr(template: str, **subs: Sub) -> exp.Expr:
    """An expression from `template` with each `:name` replaced by `subs[name]`.

    >>> print(expr("coalesce(:c, :v)", c=col("x"), v="it's").sql("duckdb"))
    COALESCE("x", 'it''s')
    """
    tree = _parse(f"SELECT {template}").copy()
    tree = exp.replace_placeholders(tree, **{k: _node(v) for k, v in subs.items()})
    selected = tree.expressions[0]
    assert isinstance(selected, exp.Expr)
    return selected


def statement(template: str, **subs: Sub) -> str:
    """A whole statement as DuckDB SQL text, placeholders substituted on the tree."""
    tree = _parse(template).copy()
    return exp.replace_placeholders(tree, **{k: _node(v) for k, v in subs.items()}).sql("duckdb")


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def sql(node: exp.Expr) -> str:
    return node.sql("duckdb")


def lit(value: Sub) -> str:
    """A value as a DuckDB literal (strings quoted by SQLGlot, sequences as lists)."""
    return sql(_node(value))
