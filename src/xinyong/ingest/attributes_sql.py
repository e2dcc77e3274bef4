"""A record's typed attributes, checked and made canonical as a join against the catalogue.

The catalogue's attribute specs become a small table, `attribute_specs` (one row per record type
and attribute). Each staged row is joined to the specs of its record type, each declared attribute
is extracted once, and one fixed SQL expression per attribute type checks and canonicalises it.
The SQL therefore has the same size whatever the catalogue holds (a national catalogue has
hundreds of types; a CASE per type made DuckDB spend seconds planning before reading a row).

Canonical text (equal to `domain.record.canonical_attributes` of the typed values, which a test
holds it to): keys sorted, no spaces, strings as JSON strings with UTF-8 kept, integers as numbers,
decimals as strings at the declared scale (never binary floats), dates as `"YYYY-MM-DD"`,
booleans as `true`/`false`, absent and null attributes left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from xinyong.ingest.checks import Check, all_pass, problem_list
from xinyong.ingest.sqlbuild import lit

if TYPE_CHECKING:
    import duckdb

    from xinyong.domain.catalogue import RecordType

CONTROL_CHARS = r"[\x00-\x1f\x7f]"
DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
DECIMAL_PATTERN = r"-?[0-9]{1,18}(\.[0-9]+)?"
CANONICAL_DECIMAL = r"(0|[1-9][0-9]*)(\.[0-9]+)?"


def load_specs(con: duckdb.DuckDBPyConnection, types: Mapping[str, RecordType]) -> None:
    """(Re)create `attribute_specs` and `record_type_facts` from the catalogue."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE attribute_specs (
            record_type VARCHAR, name VARCHAR, type VARCHAR, enum_values VARCHAR[],
            scale INTEGER, minimum DECIMAL(38, 10), maximum DECIMAL(38, 10),
            max_length INTEGER, pattern VARCHAR, canonical_pattern VARCHAR
        );
        CREATE OR REPLACE TEMP TABLE record_type_facts (
            record_type VARCHAR, subject_kinds VARCHAR[], entry_kinds VARCHAR[],
            attribute_names VARCHAR[], required_names VARCHAR[],
            specs MAP(VARCHAR, STRUCT(type VARCHAR, enum_values VARCHAR[], scale INTEGER,
                minimum DECIMAL(38, 10), maximum DECIMAL(38, 10), max_length INTEGER,
                pattern VARCHAR, canonical_pattern VARCHAR))
        );
        """
    )
    specs = []
    facts = []
    for name, rt in sorted(types.items()):
        facts.append(
            (
                name,
                sorted(k.value for k in rt.subject_kinds),
                sorted(k.value for k in rt.entry_kinds),
                sorted(rt.attributes),
                sorted(n for n, a in rt.attributes.items() if a.required),
            )
        )
        for attr, spec in sorted(rt.attributes.items()):
            scale = int(spec.scale or 0)
            specs.append(
                (
                    name,
                    attr,
                    str(spec.type),
                    list(spec.values),
                    scale,
                    spec.minimum,
                    spec.maximum,
                    spec.max_length,
                    r"-?[0-9]{1,18}" + (rf"(\.[0-9]{{1,{scale}}})?" if scale > 0 else ""),
                    r"(0|[1-9][0-9]*)" + (rf"\.[0-9]{{{scale}}}" if scale > 0 else ""),
                )
            )
    if specs:
        con.executemany("INSERT INTO attribute_specs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", specs)
    if facts:
        con.executemany("INSERT INTO record_type_facts VALUES (?, ?, ?, ?, ?, NULL)", facts)
    # The specs of a type as one MAP per type, so a row looks an attribute's spec up by name.
    con.execute(
        """
        UPDATE record_type_facts f SET specs = s.specs FROM (
            SELECT record_type, map_from_entries(list({'key': name, 'value': {
                'type': type, 'enum_values': enum_values, 'scale': scale, 'minimum': minimum,
                'maximum': maximum, 'max_length': max_length, 'pattern': pattern,
                'canonical_pattern': canonical_pattern}})) AS specs
            FROM attribute_specs GROUP BY record_type
        ) s WHERE s.record_type = f.record_type
        """
    )


# Each attribute of a row is first turned into `x = {k, jt, s, sp}`: its name, JSON type, text,
# and the spec of that name for the row's record type (NULL when undeclared). The expressions
# below read those fields; they are evaluated by DuckDB list lambdas, row by row, vectorised.
_OK = {
    "string": "x.jt = 'VARCHAR'",
    "enum": "x.jt = 'VARCHAR'",
    "integer": "x.jt IN ('BIGINT', 'UBIGINT') AND TRY_CAST(x.s AS BIGINT) IS NOT NULL",
    # Constant patterns only: a pattern taken from data would be compiled again for every value.
    "decimal": "x.jt IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'VARCHAR')"
    f" AND regexp_full_match(x.s, {lit(DECIMAL_PATTERN)})"
    " AND length(split_part(x.s, '.', 2)) <= x.sp.scale",
    "date": f"x.jt = 'VARCHAR' AND regexp_full_match(x.s, {lit(DATE_PATTERN)})"
    " AND TRY_CAST(x.s AS DATE) IS NOT NULL",
    "boolean": "x.jt = 'BOOLEAN'",
}
_TYPE_REASON = {
    "string": "'must be a string'",
    "enum": "'must be a string'",
    "integer": "'must be an integer'",
    "decimal": "'must be a decimal number with at most ' || x.sp.scale"
    " || ' decimal places, got ' || coalesce(x.s, 'null')",
    "date": "'must be a calendar date YYYY-MM-DD'",
    "boolean": "'must be true or false'",
}


def _case(table: dict[str, str]) -> str:
    return (
        "CASE x.sp.type " + " ".join(f"WHEN {lit(t)} THEN {v}" for t, v in table.items()) + " END"
    )


_TYPE_OK = f"coalesce({_case(_OK)}, FALSE)"
_NUMBER = "TRY_CAST(x.s AS DECIMAL(38, 10))"


def _problem(condition: str, reason: str) -> Check:
    return Check(condition, "'attributes.' || x.k", reason)


def entries_sql(attributes_map: str, specs: str) -> str:
    """The row's present attributes (JSON nulls dropped), sorted by name, as `x` structs."""
    return (
        f"list_transform(list_filter(list_sort(map_entries({attributes_map})),"
        " lambda e: e.value IS NOT NULL), lambda e: {'k': e.key, 'v': e.value,"
        " 'jt': json_type(e.value),"
        f" 's': json_extract_string(e.value, '$'), 'sp': {specs}[e.key]}})"
    )


def problems_sql(entries: str) -> str:
    """A LIST of `{field, reason}` for the declared attributes among `entries`."""
    checks = [
        _problem(f"NOT {_TYPE_OK}", _case(_TYPE_REASON)),
        _problem(
            "x.sp.type = 'enum' AND x.jt = 'VARCHAR' AND NOT list_contains(x.sp.enum_values, x.s)",
            "'must be one of ' || array_to_string(x.sp.enum_values, ', ') || ', got ' || x.s",
        ),
        _problem(
            "x.sp.type = 'string' AND x.jt = 'VARCHAR'"
            f" AND regexp_matches(x.s, {lit(CONTROL_CHARS)})",
            "'must not contain control characters'",
        ),
        _problem(
            "x.sp.type = 'string' AND x.jt = 'VARCHAR' AND length(x.s) > x.sp.max_length",
            "'must be at most ' || x.sp.max_length || ' characters'",
        ),
        _problem(
            f"x.sp.type IN ('integer', 'decimal') AND {_TYPE_OK} AND {_NUMBER} < x.sp.minimum",
            "'must be ≥ ' || CAST(x.sp.minimum AS DOUBLE)",
        ),
        _problem(
            f"x.sp.type IN ('integer', 'decimal') AND {_TYPE_OK} AND {_NUMBER} > x.sp.maximum",
            "'must be ≤ ' || CAST(x.sp.maximum AS DOUBLE)",
        ),
    ]
    declared = f"list_filter({entries}, lambda x: x.sp IS NOT NULL)"
    return (
        f"CASE WHEN coalesce(list_bool_and(list_transform({declared},"
        f" lambda x: {all_pass(checks)})), TRUE) THEN []"
        f" ELSE flatten(list_transform({declared}, lambda x: {problem_list(checks)})) END"
    )


def canonical_sql(entries: str) -> str:
    """The canonical JSON text of the declared attributes among `entries`, for a row whose
    attributes passed every check (so types are not tested again here)."""
    # Strings, enums, dates and booleans keep the JSON text DuckDB wrote for the value when it
    # parsed the object (UTF-8 kept, only quote and backslash escaped: control characters are
    # refused), which is what the Python reference writes. Decimals already at their scale and
    # non-negative keep their text too; others are re-rendered.
    value = (
        "CASE x.sp.type WHEN 'integer' THEN CAST(CAST(x.s AS BIGINT) AS VARCHAR)"
        " WHEN 'decimal' THEN '\"' || CASE WHEN"
        f" regexp_full_match(x.s, {lit(CANONICAL_DECIMAL)})"
        " AND length(split_part(x.s, '.', 2)) = x.sp.scale"
        f" THEN x.s ELSE {_decimal_text()} END || '\"'"
        " ELSE CAST(x.v AS VARCHAR) END"
    )
    pairs = (
        f"list_transform(list_filter({entries}, lambda x: x.sp IS NOT NULL),"
        f" lambda x: '\"' || x.k || '\":' || {value})"
    )
    return f"'{{' || array_to_string({pairs}, ',') || '}}'"


def _decimal_text() -> str:
    """A decimal as text at its declared scale, by string surgery on the validated digits:
    leading zeros dropped, the fraction padded, no "-0". Casting through DOUBLE (printf) would
    lose digits past 15; DECIMAL casts need the scale as a constant, and here it is data."""
    parts = r"'^(-?)([0-9]+)(?:\.([0-9]+))?$'"
    ip = f"ltrim(regexp_extract(x.s, {parts}, 2), '0')"
    fp = f"rpad(regexp_extract(x.s, {parts}, 3), x.sp.scale, '0')"
    zero = f"({ip} = '' AND ltrim({fp}, '0') = '')"
    return (
        f"CASE WHEN regexp_extract(x.s, {parts}, 1) = '-' AND NOT {zero} THEN '-' ELSE '' END"
        f" || CASE WHEN {ip} = '' THEN '0' ELSE {ip} END"
        f" || CASE WHEN x.sp.scale > 0 THEN '.' || {fp} ELSE '' END"
    )
