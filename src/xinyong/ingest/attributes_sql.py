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

from xinyong.ingest.sqlbuild import lit

if TYPE_CHECKING:
    import duckdb

    from xinyong.domain.catalogue import RecordType

CONTROL_CHARS = r"[\x00-\x1f\x7f]"
DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


def load_specs(con: duckdb.DuckDBPyConnection, types: Mapping[str, RecordType]) -> None:
    """(Re)create `attribute_specs` and `record_type_facts` from the catalogue."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE attribute_specs (
            record_type VARCHAR, name VARCHAR, path VARCHAR, type VARCHAR, required BOOLEAN,
            enum_values VARCHAR[], scale INTEGER, minimum DECIMAL(38, 10),
            maximum DECIMAL(38, 10), max_length INTEGER, pattern VARCHAR
        );
        CREATE OR REPLACE TEMP TABLE record_type_facts (
            record_type VARCHAR, subject_kinds VARCHAR[], entry_kinds VARCHAR[],
            attribute_names VARCHAR[], required_names VARCHAR[]
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
                    f"$.{attr}",
                    str(spec.type),
                    spec.required,
                    list(spec.values),
                    scale,
                    spec.minimum,
                    spec.maximum,
                    spec.max_length,
                    r"-?[0-9]{1,18}" + (rf"(\.[0-9]{{1,{scale}}})?" if scale > 0 else ""),
                )
            )
    if specs:
        con.executemany(
            "INSERT INTO attribute_specs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", specs
        )
    if facts:
        con.executemany("INSERT INTO record_type_facts VALUES (?, ?, ?, ?, ?)", facts)


def _problem(condition: str, reason: str) -> str:
    return f"CASE WHEN {condition} THEN {{'field': 'attributes.' || name, 'reason': {reason}}} END"


# Per extracted attribute: v (JSON), jt (its JSON type), s (its text); spec columns beside them.
_OK = {
    "string": "jt = 'VARCHAR'",
    "enum": "jt = 'VARCHAR'",
    "integer": "jt IN ('BIGINT', 'UBIGINT') AND TRY_CAST(s AS BIGINT) IS NOT NULL",
    "decimal": "jt IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'VARCHAR') AND regexp_full_match(s, pattern)",
    "date": f"jt = 'VARCHAR' AND regexp_full_match(s, {lit(DATE_PATTERN)})"
    " AND TRY_CAST(s AS DATE) IS NOT NULL",
    "boolean": "jt = 'BOOLEAN'",
}
_TYPE_REASON = {
    "string": "'must be a string'",
    "enum": "'must be a string'",
    "integer": "'must be an integer'",
    "decimal": "'must be a decimal number with at most ' || scale || ' decimal places, got '"
    " || coalesce(s, 'null')",
    "date": "'must be a calendar date YYYY-MM-DD'",
    "boolean": "'must be true or false'",
}


def _type_ok() -> str:
    return "CASE type " + " ".join(f"WHEN {lit(t)} THEN {c}" for t, c in _OK.items()) + " END"


def _type_reason() -> str:
    return "CASE type " + " ".join(f"WHEN {lit(t)} THEN {r}" for t, r in _TYPE_REASON.items()) + " END"


def _number() -> str:
    return "TRY_CAST(s AS DECIMAL(38, 10))"


def _canonical() -> str:
    return (
        "CASE type WHEN 'string' THEN CAST(to_json(s) AS VARCHAR)"
        " WHEN 'enum' THEN CAST(to_json(s) AS VARCHAR)"
        " WHEN 'integer' THEN CAST(CAST(s AS BIGINT) AS VARCHAR)"
        " WHEN 'date' THEN '\"' || s || '\"'"
        " WHEN 'boolean' THEN s END"
    )


def build_attribute_results(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Create `attribute_results(_line, attribute_problems, canonical_attributes)` from the rows
    of `source` (columns `_line`, `n_record_type`, and `m`: the attributes object parsed once into
    a MAP of JSON values). Only declared attributes that are present are judged here; unknown and
    missing required ones are row checks in `validate`."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE attribute_results AS
        WITH kv AS (
            SELECT _line, n_record_type, unnest(map_keys(m)) AS name,
                   unnest(map_values(m)) AS v
            FROM {source} WHERE m IS NOT NULL AND cardinality(m) > 0
        ), typed AS (
            SELECT kv._line, kv.name, a.type, a.enum_values, a.scale, a.minimum, a.maximum,
                   a.max_length, a.pattern, json_type(kv.v) AS jt,
                   json_extract_string(kv.v, '$') AS s
            FROM kv JOIN attribute_specs a ON a.record_type = kv.n_record_type AND a.name = kv.name
            WHERE kv.v IS NOT NULL
        ), judged AS (
            SELECT _line, name,
                   list_filter([
                       {_problem("NOT coalesce(" + _type_ok() + ", FALSE)", _type_reason())},
                       {_problem("type = 'enum' AND jt = 'VARCHAR'"
                                 " AND NOT list_contains(enum_values, s)",
                                 "'must be one of ' || array_to_string(enum_values, ', ')"
                                 " || ', got ' || s")},
                       {_problem("type = 'string' AND jt = 'VARCHAR'"
                                 f" AND regexp_matches(s, {lit(CONTROL_CHARS)})",
                                 "'must not contain control characters'")},
                       {_problem("type = 'string' AND jt = 'VARCHAR' AND length(s) > max_length",
                                 "'must be at most ' || max_length || ' characters'")},
                       {_problem("type IN ('integer', 'decimal')"
                                 f" AND coalesce({_type_ok()}, FALSE) AND {_number()} < minimum",
                                 "'must be ≥ ' || CAST(minimum AS DOUBLE)")},
                       {_problem("type IN ('integer', 'decimal')"
                                 f" AND coalesce({_type_ok()}, FALSE) AND {_number()} > maximum",
                                 "'must be ≤ ' || CAST(maximum AS DOUBLE)")}
                   ], lambda p: p IS NOT NULL) AS problems,
                   CASE WHEN coalesce({_type_ok()}, FALSE)
                        THEN '"' || name || '":' || {_scaled(_canonical())} END AS pair
            FROM typed
        )
        SELECT _line, flatten(list(problems)) AS attribute_problems,
               '{{' || coalesce(string_agg(pair, ',' ORDER BY name), '') || '}}'
                   AS canonical_attributes
        FROM judged GROUP BY _line
        """
    )


def _scaled(canonical: str) -> str:
    """Decimals as text at their declared scale, by string surgery on the validated digits:
    leading zeros dropped, the fraction padded, no "-0". Casting through DOUBLE (printf) would
    lose digits past 15; DECIMAL casts need the scale as a constant, and here it is data."""
    parts = r"'^(-?)([0-9]+)(?:\.([0-9]+))?$'"
    ip = f"ltrim(regexp_extract(s, {parts}, 2), '0')"
    fp = f"rpad(regexp_extract(s, {parts}, 3), scale, '0')"
    zero = f"({ip} = '' AND ltrim({fp}, '0') = '')"
    text = (
        f"CASE WHEN regexp_extract(s, {parts}, 1) = '-' AND NOT {zero} THEN '-' ELSE '' END"
        f" || CASE WHEN {ip} = '' THEN '0' ELSE {ip} END"
        f" || CASE WHEN scale > 0 THEN '.' || {fp} ELSE '' END"
    )
    return f"CASE WHEN type = 'decimal' THEN '\"' || {text} || '\"' ELSE {canonical} END"
