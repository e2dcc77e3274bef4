"""Identifier checks as vectorised DuckDB SQL, for whole files at ingest.

The expressions themselves live beside their Python twins on each scheme
(`IdentifierScheme.sql_problem`, `sql_birth_date`) and in `xinyong.domain.pseudonym`
(`pseudonym_sql`, `subject_key_sql`), so a rule and its SQL change together. This module adds
what running them needs: normalising a raw column the way `IdentifierScheme.normalise` does,
loading the `division_codes` table that the resident ID check reads, and one query that
normalises, checks and keys a column in a single pass.

All SQL is built from constant templates; only quoted identifiers and SQLGlot literals are
spliced in, and the pseudonym key is always a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqlglot import exp

from xinyong.domain.identifiers import (
    NORMALISE_FROM,
    NORMALISE_TO,
    IdentifierScheme,
    division_codes,
)
from xinyong.domain.pseudonym import pseudonym_sql, subject_key_sql

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DIVISION_CODES_TABLE",
    "check_identifiers_sql",
    "load_division_codes",
    "normalise_sql",
    "pseudonym_sql",
    "scheme_checks_sql",
    "subject_key_sql",
]

DIVISION_CODES_TABLE = "division_codes"


def normalise_sql(column: str) -> str:
    """DuckDB expression equal to `IdentifierScheme.normalise(<column>)`.

    >>> import duckdb
    >>> duckdb.execute(f"SELECT {normalise_sql('v')} FROM (SELECT ' 9135 0100ｍ' AS v)").fetchall()
    [('91350100M',)]
    """
    c = exp.column(column, quoted=True).sql("duckdb")
    source = exp.Literal.string(NORMALISE_FROM).sql("duckdb")
    target = exp.Literal.string(NORMALISE_TO).sql("duckdb")
    # translate() costs ~1 µs a row; only values with a space or a non-ASCII character need it.
    # For printable ASCII, upper() is exactly the ASCII-only upper-casing of `normalise`.
    return (
        f"CASE WHEN regexp_matches({c}, '[^!-~]') THEN translate({c}, {source}, {target})"
        f" ELSE upper({c}) END"
    )


def load_division_codes(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)create the temporary table `division_codes(code VARCHAR)` that
    `ResidentIdScheme.sql_problem` reads; returns the number of codes.

    >>> import duckdb
    >>> load_division_codes(duckdb.connect()) > 3000
    True
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {DIVISION_CODES_TABLE} (code VARCHAR PRIMARY KEY NOT NULL)"
    )
    con.execute(
        f"INSERT INTO {DIVISION_CODES_TABLE} SELECT unnest($codes::VARCHAR[])",
        {"codes": division_codes()},
    )
    return len(division_codes())


def check_identifiers_sql(
    scheme: IdentifierScheme, relation: str, column: str, *, key_param: str = "pseudonym_key"
) -> str:
    """A query over `relation` adding four columns for the raw identifiers in `column`:

    - `identifier`: the normalised value;
    - `identifier_problem`: NULL if valid, else the reason `scheme.problem()` gives;
    - `subject_key`: `subject_key()` of a valid identifier, else NULL;
    - `subject_birth_date`: `scheme.birth_date()` of a valid identifier, else NULL.

    Bind the pseudonym key as `$key_param` when the scheme is personal, and call
    `load_division_codes` first for `resident_id`. The relation must not already have columns of
    these names.
    """
    source = exp.to_table(relation).sql("duckdb", identify=True)
    birth_date = scheme.sql_birth_date("identifier") or "CAST(NULL AS DATE)"
    return (
        "SELECT *,"
        f" CASE WHEN identifier_problem IS NULL THEN"
        f" {subject_key_sql(scheme, 'identifier', key_param)} END AS subject_key,"
        f" CASE WHEN identifier_problem IS NULL THEN {birth_date} END AS subject_birth_date"
        f" FROM (SELECT *, {scheme.sql_problem('identifier')} AS identifier_problem"
        f" FROM (SELECT *, {normalise_sql(column)} AS identifier FROM {source}))"
    )


def scheme_checks_sql(
    schemes: Iterable[IdentifierScheme],
    relation: str,
    *,
    row_columns: Sequence[str],
    scheme_column: str,
    value_column: str,
    key_param: str = "pseudonym_key",
) -> str:
    """For a relation that mixes schemes: `row_columns`, `identifier_problem`, `subject_key`
    and `subject_birth_date` (as in `check_identifiers_sql`) for each row whose `scheme_column`
    names one of `schemes`, from the *normalised* identifiers in `value_column`.

    Each scheme gets its own SELECT, the SELECTs joined by UNION ALL, rather than one
    `CASE scheme WHEN …`: DuckDB shares common subexpressions only outside CASE, which the
    checks rely on; inside a CASE they run 3-5 times slower. Bind `$key_param` if one of the
    schemes is personal.
    """
    source = exp.to_table(relation).sql("duckdb", identify=True)
    row = ", ".join(exp.column(name, quoted=True).sql("duckdb") for name in row_columns)
    scheme_col, problem = (
        exp.column(name, quoted=True).sql("duckdb")
        for name in (scheme_column, "xinyong_identifier_problem")
    )
    selects = []
    for scheme in schemes:
        key = subject_key_sql(scheme, value_column, key_param)
        born = scheme.sql_birth_date(value_column) or "CAST(NULL AS DATE)"
        name = exp.Literal.string(scheme.name).sql("duckdb")
        selects.append(
            f"SELECT {row}, {problem} AS identifier_problem,"
            f" CASE WHEN {problem} IS NULL THEN {key} END AS subject_key,"
            f" CASE WHEN {problem} IS NULL THEN {born} END AS subject_birth_date"
            f" FROM (SELECT *, {scheme.sql_problem(value_column)} AS {problem}"
            f" FROM {source} WHERE {scheme_col} = {name})"
        )
    if not selects:
        raise ValueError("no schemes given")
    return " UNION ALL ".join(selects)
