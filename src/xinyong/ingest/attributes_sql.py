"""SQL for a record's typed attributes: checks per the catalogue, and the canonical JSON text.

For each record type the catalogue declares its attributes; the SQL here branches on the record
type (`CASE n_record_type WHEN …`) and, for that type, lists the problems of the `n_attributes`
JSON object and builds its canonical text: keys sorted, no spaces, strings as JSON strings with
UTF-8 kept, integers as numbers, decimals as strings at the declared scale (never binary floats),
dates as `"YYYY-MM-DD"`, booleans as `true`/`false`. That text equals
`domain.record.canonical_attributes` of the typed values, which a test holds it to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from xinyong.ingest.sqlbuild import lit

if TYPE_CHECKING:
    from xinyong.domain.catalogue import AttributeSpec, RecordType

CONTROL_CHARS = r"[\x00-\x1f\x7f]"
_INTEGER_TYPES = "('BIGINT', 'UBIGINT')"


def _problem(condition: str, field: str, reason: str) -> str:
    return f"CASE WHEN {condition} THEN {{'field': {lit(field)}, 'reason': {reason}}} END"


def _value(name: str) -> tuple[str, str, str]:
    """SQL for an attribute's JSON value, its JSON type and its text."""
    path = lit(f"$.{name}")
    return (
        f"json_extract(n_attributes, {path})",
        f"json_type(json_extract(n_attributes, {path}))",
        f"json_extract_string(n_attributes, {path})",
    )


def _decimal_pattern(scale: int) -> str:
    return r"-?[0-9]{1,18}" + (rf"(\.[0-9]{{1,{scale}}})?" if scale > 0 else "")


def _type_problems(spec: AttributeSpec, field: str, jtype: str, text: str) -> list[str]:
    kind = str(spec.type)
    out: list[str] = []
    if kind in ("string", "enum"):
        out.append(_problem(f"{jtype} <> 'VARCHAR'", field, lit("must be a string")))
        if kind == "enum":
            values = list(spec.values or ())
            out.append(
                _problem(
                    f"{jtype} = 'VARCHAR' AND NOT list_contains({lit(values)}, {text})",
                    field,
                    lit(f"must be one of {', '.join(values)}") + f" || ', got ' || {text}",
                )
            )
        else:
            out.append(
                _problem(
                    f"{jtype} = 'VARCHAR' AND regexp_matches({text}, {lit(CONTROL_CHARS)})",
                    field,
                    lit("must not contain control characters"),
                )
            )
            if spec.max_length is not None:
                out.append(
                    _problem(
                        f"{jtype} = 'VARCHAR' AND length({text}) > {int(spec.max_length)}",
                        field,
                        lit(f"must be at most {spec.max_length} characters"),
                    )
                )
    elif kind == "integer":
        ok = f"{jtype} IN {_INTEGER_TYPES} AND TRY_CAST({text} AS BIGINT) IS NOT NULL"
        out.append(_problem(f"NOT ({ok})", field, lit("must be an integer")))
        out += _bounds(spec, field, ok, f"TRY_CAST({text} AS BIGINT)")
    elif kind == "decimal":
        scale = int(spec.scale or 0)
        ok = (
            f"{jtype} IN ('BIGINT', 'UBIGINT', 'DOUBLE', 'VARCHAR')"
            f" AND regexp_full_match({text}, {lit(_decimal_pattern(scale))})"
        )
        out.append(
            _problem(
                f"NOT ({ok})",
                field,
                lit(f"must be a decimal number with at most {scale} decimal places")
                + f" || ', got ' || coalesce({text}, 'null')",
            )
        )
        out += _bounds(spec, field, ok, f"TRY_CAST({text} AS DECIMAL(38, {scale}))")
    elif kind == "date":
        ok = (
            f"{jtype} = 'VARCHAR' AND regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
            f" AND TRY_CAST({text} AS DATE) IS NOT NULL"
        )
        out.append(_problem(f"NOT ({ok})", field, lit("must be a calendar date YYYY-MM-DD")))
    elif kind == "boolean":
        out.append(_problem(f"{jtype} <> 'BOOLEAN'", field, lit("must be true or false")))
    else:
        raise ValueError(f"attribute type {kind!r} has no SQL check")
    return out


def _bounds(spec: AttributeSpec, field: str, ok: str, number: str) -> list[str]:
    out = []
    if spec.minimum is not None:
        out.append(
            _problem(f"{ok} AND {number} < {spec.minimum}", field, lit(f"must be ≥ {spec.minimum}"))
        )
    if spec.maximum is not None:
        out.append(
            _problem(f"{ok} AND {number} > {spec.maximum}", field, lit(f"must be ≤ {spec.maximum}"))
        )
    return out


def _problems_for(rt: RecordType) -> str:
    names = sorted(rt.attributes)
    checks = [
        _problem(
            "n_attributes_text IS NOT NULL AND n_attributes IS NULL",
            "attributes",
            lit("must be a JSON object, got text that is not JSON"),
        ),
        _problem(
            "n_attributes IS NOT NULL AND json_type(n_attributes) <> 'OBJECT'",
            "attributes",
            "'must be a JSON object, got ' || lower(json_type(n_attributes))",
        ),
        _problem(
            "json_type(n_attributes) = 'OBJECT'"
            " AND len(json_keys(n_attributes)) <> len(list_distinct(json_keys(n_attributes)))",
            "attributes",
            lit("has a key more than once"),
        ),
        _problem(
            "json_type(n_attributes) = 'OBJECT' AND len(list_filter(json_keys(n_attributes),"
            f" lambda k: NOT list_contains({lit(names)}, k))) > 0",
            "attributes",
            "'unknown attribute(s) ' || array_to_string(list_filter(json_keys(n_attributes),"
            f" lambda k: NOT list_contains({lit(names)}, k)), ', ')"
            f" || {lit(' for ' + rt.name + ' (allowed: ' + (', '.join(names) or 'none') + ')')}",
        ),
    ]
    for name in names:
        spec = rt.attributes[name]
        value, jtype, text = _value(name)
        field = f"attributes.{name}"
        absent = f"({value} IS NULL OR {jtype} = 'NULL')"
        if spec.required:
            checks.append(_problem(absent, field, lit("is required")))
        for check in _type_problems(spec, field, jtype, text):
            checks.append(f"CASE WHEN NOT {absent} THEN {check} END")
    return f"list_filter([{', '.join(checks)}], lambda p: p IS NOT NULL)"


def attribute_problems_sql(types: Mapping[str, RecordType], known_type: str) -> str:
    """A LIST of `{field, reason}` for the row's attributes (empty when they are fine)."""
    whens = " ".join(
        f"WHEN {lit(name)} THEN {_problems_for(rt)}" for name, rt in sorted(types.items())
    )
    if not whens:
        return "[]"
    return f"CASE WHEN {known_type} THEN CASE n_record_type {whens} END ELSE [] END"


def _canonical_value(spec: AttributeSpec, text: str) -> str:
    kind = str(spec.type)
    if kind in ("string", "enum"):
        return f"CAST(to_json({text}) AS VARCHAR)"
    if kind == "integer":
        return f"CAST(CAST({text} AS BIGINT) AS VARCHAR)"
    if kind == "decimal":
        return f"'\"' || CAST(CAST({text} AS DECIMAL(38, {int(spec.scale or 0)})) AS VARCHAR) || '\"'"
    if kind == "date":
        return f"'\"' || {text} || '\"'"
    if kind == "boolean":
        return text
    raise ValueError(f"attribute type {kind!r} has no canonical form")


def _canonical_for(rt: RecordType) -> str:
    parts = []
    for name in sorted(rt.attributes):
        value, jtype, text = _value(name)
        key = lit(f'"{name}":')
        present = f"{value} IS NOT NULL AND {jtype} <> 'NULL'"
        parts.append(
            f"CASE WHEN {present} THEN {key} || {_canonical_value(rt.attributes[name], text)} END"
        )
    if not parts:
        return "'{}'"
    return (
        f"'{{' || array_to_string(list_filter([{', '.join(parts)}],"
        " lambda x: x IS NOT NULL), ',') || '}'"
    )


def canonical_attributes_sql(types: Mapping[str, RecordType]) -> str:
    """The canonical JSON text of a valid row's attributes."""
    whens = " ".join(
        f"WHEN {lit(name)} THEN {_canonical_for(rt)}" for name, rt in sorted(types.items())
    )
    return f"CASE n_record_type {whens} END" if whens else "'{}'"
