"""A record's typed attributes, checked and made canonical: one SELECT per record type.

Each record type present in the file gets its own SELECT over its rows only (types with the same
attribute specs share one). The declared attributes are read out of the object by JSON pointer,
two lists in all (values as JSON text, decoded texts: one parse of the object each; a value's
JSON type is read off its text), each attribute becomes columns of its own, and every check is
a column expression with the spec's values as constants. The SELECTs are joined by UNION ALL
into a table that validation joins back by line, as the identifier checks are.

Why this shape: DuckDB shares common subexpressions only outside CASE and list lambdas. Checking
attributes in lambdas over a MAP of each row, looking each spec up by name, cost ~6 µs a row (the
MAP cast alone ~1 µs); as columns with constant specs the same checks cost ~2 µs. The filter on a
small integer type number lets each SELECT pass over the other types' rows cheaply (zone maps do
not help: types interleave), so a catalogue of hundreds of types costs a few ms of planning and
scanning per type present in the file.

Canonical text (equal to `domain.record.canonical_attributes` of the typed values, which a test
holds it to): keys sorted, no spaces, strings as JSON strings with UTF-8 kept, integers as numbers,
decimals as strings at the declared scale (never binary floats), dates as `"YYYY-MM-DD"`,
booleans as `true`/`false`, absent and null attributes left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from xinyong.domain.catalogue import AttributeSpec, AttributeType
from xinyong.domain.record import RECORD_KINDS
from xinyong.domain.subject import SubjectKind
from xinyong.ingest.checks import Check, all_pass
from xinyong.ingest.sqlbuild import col, lit, sql

if TYPE_CHECKING:
    import duckdb

    from xinyong.domain.catalogue import RecordType

CONTROL_CHARS = r"[\x00-\x1f\x7f]"
DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
DECIMAL_PATTERN = r"-?[0-9]{1,18}(\.[0-9]+)?"
CANONICAL_DECIMAL = r"(0|[1-9][0-9]*)(\.[0-9]+)?"
FACTS_TABLE = "record_type_facts"

# The kinds a file may submit: workflow steps (`step`) are written by the service only.
ENTRY_KINDS: tuple[str, ...] = tuple(k.value for k in RECORD_KINDS)
SUBJECT_KINDS: tuple[str, ...] = tuple(k.value for k in SubjectKind)


def bit_mask(values: Iterable[str], universe: Sequence[str]) -> int:
    """The set `values` as bits over `universe` (bit i for universe[i]): a membership test is
    then integer arithmetic, where a constant list_contains would be a join in DuckDB's plan."""
    return sum(1 << universe.index(v) for v in set(values))


def bit_index_sql(column: str, universe: Sequence[str]) -> str:
    """The position of `column` in `universe` (NULL when it is not one of them)."""
    whens = " ".join(f"WHEN {lit(v)} THEN {i}" for i, v in enumerate(universe))
    return f"CASE {column} {whens} END"


def load_facts(con: duckdb.DuckDBPyConnection, types: Mapping[str, RecordType]) -> None:
    """(Re)create `record_type_facts(record_type, type_no, entry_mask, subject_mask)`: each type's
    number (which the attribute SELECTs filter on) and its entry and subject kinds as bit masks."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FACTS_TABLE} (record_type VARCHAR, type_no INTEGER,"
        " entry_mask INTEGER, subject_mask INTEGER)"
    )
    rows = [
        (
            name,
            number,
            bit_mask((k.value for k in rt.entry_kinds), ENTRY_KINDS),
            bit_mask((k.value for k in rt.subject_kinds), SUBJECT_KINDS),
        )
        for number, (name, rt) in enumerate(sorted(types.items()))
    ]
    if rows:
        con.executemany(f"INSERT INTO {FACTS_TABLE} VALUES (?, ?, ?, ?)", rows)


def type_numbers(types: Mapping[str, RecordType]) -> dict[str, int]:
    """The `type_no` of each record type, as `load_facts` numbers them."""
    return {name: number for number, name in enumerate(sorted(types))}


@dataclass(frozen=True)
class _Attribute:
    """Column names of one declared attribute in a type's SELECT, and its spec."""

    name: str
    spec: AttributeSpec
    v: str  # the value as JSON text (`json_extract`): NULL when the key is absent
    q: str  # whether it is a JSON string (its text starts with a quote), for string types
    s: str  # its text (json_extract_string)
    k: str  # whether a present value has the declared type

    @property
    def scale(self) -> int:
        return int(self.spec.scale or 0)

    @property
    def present(self) -> str:
        """Given and not null (NULL, so false in a condition, when absent)."""
        return f"{self.v} <> 'null'"

    @property
    def absent(self) -> str:
        return f"({self.v} IS NULL OR {self.v} = 'null')"

    @property
    def string_typed(self) -> bool:
        return self.spec.type in (AttributeType.string, AttributeType.enum)

    def field(self) -> str:
        return lit(f"attributes.{self.name}")

    def type_ok(self) -> str:
        """Whether the value has the declared type. The JSON type is read off the value's text
        rather than by `json_type`, which would parse every object once more: a string's text
        starts with a quote, a boolean's is `true` or `false`. A decimal or a date is a string or
        a number whose decoded text has the decimal's or the date's pattern, which the text of
        no other JSON value has (null has none, `true`, `{…}`, `[…]` do not match), so the
        pattern alone decides; an integer's type is asked of its (short) text alone."""
        s, v = self.s, self.v
        kind = self.spec.type
        if kind in (AttributeType.string, AttributeType.enum):
            ok = self.q
        elif kind is AttributeType.integer:
            ok = (
                f"NOT starts_with({v}, '\"') AND json_type({v}) IN ('BIGINT', 'UBIGINT')"
                f" AND TRY_CAST({s} AS BIGINT) IS NOT NULL"
            )
        elif kind is AttributeType.decimal:
            # Constant patterns only: a pattern taken from data is compiled again for every value.
            ok = (
                f"regexp_full_match({s}, {lit(DECIMAL_PATTERN)})"
                f" AND length(split_part({s}, '.', 2)) <= {self.scale}"
            )
        elif kind is AttributeType.date:
            ok = (
                f"regexp_full_match({s}, {lit(DATE_PATTERN)}) AND TRY_CAST({s} AS DATE) IS NOT NULL"
            )
        elif kind is AttributeType.boolean:
            ok = f"({v} = 'true' OR {v} = 'false')"
        else:  # pragma: no cover - AttributeType is closed
            ok = "FALSE"
        # As a CASE condition the parts are evaluated only where the ones before them hold.
        return f"CASE WHEN {ok} THEN TRUE ELSE FALSE END"

    def type_reason(self) -> str:
        kind = self.spec.type
        if kind is AttributeType.decimal:
            return (
                f"{lit(f'must be a decimal number with at most {self.scale} decimal places, got ')}"
                f" || coalesce({self.s}, 'null')"
            )
        return lit(
            {
                AttributeType.string: "must be a string",
                AttributeType.enum: "must be a string",
                AttributeType.integer: "must be an integer",
                AttributeType.date: "must be a calendar date YYYY-MM-DD",
                AttributeType.boolean: "must be true or false",
            }[kind]
        )

    def checks(self) -> list[Check]:
        """The checks of a present value, in the order their problems are listed."""
        present, q, s, spec = self.present, self.q, self.s, self.spec
        found = [Check(f"{present} AND NOT {self.k}", self.field(), self.type_reason())]
        if spec.type is AttributeType.enum:
            values = ", ".join(lit(v) for v in spec.values)
            member = f"{s} IN ({values})" if spec.values else "FALSE"
            reason = lit(f"must be one of {', '.join(spec.values)}, got ")
            found.append(
                Check(
                    f"{q} AND NOT {member}",
                    self.field(),
                    f"{reason} || {s}",
                )
            )
        if spec.type is AttributeType.string:
            found.append(
                Check(
                    f"may_hold_controls AND {q} AND regexp_matches({s}, {lit(CONTROL_CHARS)})",
                    self.field(),
                    lit("must not contain control characters"),
                )
            )
            if spec.max_length is not None:
                found.append(
                    Check(
                        f"{q} AND length({s}) > {lit(spec.max_length)}",
                        self.field(),
                        lit(f"must be at most {spec.max_length} characters"),
                    )
                )
        if spec.type in (AttributeType.integer, AttributeType.decimal):
            number = f"TRY_CAST({s} AS DECIMAL(38, 10))"
            for bound, op, sign in ((spec.minimum, "<", "≥"), (spec.maximum, ">", "≤")):
                if bound is None:
                    continue
                limit = _decimal_literal(bound)
                found.append(
                    Check(
                        f"{self.k} AND {number} {op} {limit}",
                        self.field(),
                        f"{lit(f'must be {sign} ')} || CAST({limit} AS DOUBLE)",
                    )
                )
        return found

    def canonical_pair(self) -> str:
        """`"name":value` in canonical form, NULL when absent (for a value that passed)."""
        s = self.s
        if self.spec.type is AttributeType.integer:
            value = f"CAST(CAST({s} AS BIGINT) AS VARCHAR)"
        elif self.spec.type is AttributeType.decimal:
            # Decimals already at their scale and non-negative keep their text; others are
            # re-rendered. Everything else keeps the JSON text DuckDB wrote for the value when it
            # parsed the object (UTF-8 kept, only quote and backslash escaped: control characters
            # are refused), which is what the Python reference writes.
            value = (
                f"'\"' || CASE WHEN regexp_full_match({s}, {lit(CANONICAL_DECIMAL)})"
                f" AND length(split_part({s}, '.', 2)) = {self.scale}"
                f" THEN {s} ELSE {_decimal_text(s, self.scale)} END || '\"'"
            )
        else:
            value = f"CAST({self.v} AS VARCHAR)"
        key = lit('"' + self.name + '":')
        return f"CASE WHEN {self.present} THEN {key} || {value} END"


def _decimal_literal(value: Decimal) -> str:
    return f"CAST({lit(format(value, 'f'))} AS DECIMAL(38, 10))"


def _decimal_text(s: str, scale: int) -> str:
    """A decimal as text at its declared scale, by string surgery on the validated digits:
    leading zeros dropped, the fraction padded, no "-0". Casting through DOUBLE (printf) would
    lose digits past 15."""
    parts = r"'^(-?)([0-9]+)(?:\.([0-9]+))?$'"
    ip = f"ltrim(regexp_extract({s}, {parts}, 2), '0')"
    fp = f"rpad(regexp_extract({s}, {parts}, 3), {scale}, '0')"
    zero = f"({ip} = '' AND ltrim({fp}, '0') = '')"
    return (
        f"CASE WHEN regexp_extract({s}, {parts}, 1) = '-' AND NOT {zero} THEN '-' ELSE '' END"
        f" || CASE WHEN {ip} = '' THEN '0' ELSE {ip} END"
        + (f" || '.' || {fp}" if scale > 0 else "")
    )


def spec_signature(rt: RecordType) -> tuple[object, ...]:
    """Types with equal signatures are checked by the same SELECT."""
    return tuple(
        (name, s.type, s.required, s.values, s.scale, s.minimum, s.maximum, s.max_length)
        for name, s in sorted(rt.attributes.items())
    )


def json_pointer(name: str) -> str:
    """The RFC 6901 pointer to key `name` of an object: matches the key exactly, whatever its
    characters (a `$.name` path would read dots and brackets in it as steps)."""
    return "/" + name.replace("~", "~0").replace("/", "~1")


def attribute_checks_sql(groups: Sequence[tuple[Sequence[int], RecordType]], relation: str) -> str:
    """`_line`, `attribute_problems` and `canonical_attributes` for the rows of `relation` whose
    `type_no` is in a group's numbers, each group checked against its record type's specs.

    `relation` has `_line`, `type_no`, `n_record_type`, `n_entry_kind` and `doc` (the attributes
    as JSON, NULL when absent or not JSON). Give only rows whose attributes are absent, not JSON
    or an object; other rows have no attribute checks beyond the value's own.

    `attribute_problems` is the one problem of an object that has a key more than once (its
    values are not looked at), or lists, in order: unknown attribute names; required attributes
    that are absent or null (for records and corrections, which restate the record: other acts
    refer to a record that has them); then each present declared attribute's problems, by name.
    It is NULL when there are none (a constant empty list per row costs more than the checks),
    and `canonical_attributes` is then the canonical text.
    """
    if not groups:
        return (
            "SELECT CAST(NULL AS BIGINT) AS _line,"
            " CAST(NULL AS STRUCT(field VARCHAR, reason VARCHAR)[]) AS attribute_problems,"
            " CAST(NULL AS VARCHAR) AS canonical_attributes WHERE FALSE"
        )
    return " UNION ALL ".join(_type_select(numbers, rt, relation) for numbers, rt in groups)


def _type_select(numbers: Sequence[int], rt: RecordType, relation: str) -> str:
    names = sorted(rt.attributes)
    attrs = [
        _Attribute(name, rt.attributes[name], f"v{i}", f"q{i}", f"s{i}", f"k{i}")
        for i, name in enumerate(names)
    ]
    allowed = "CAST([] AS VARCHAR[])" if not names else lit(names)
    allowed_text = lit(f" (allowed: {', '.join(names) or 'none'})")
    unknown_list = f"list_filter(json_keys(doc), lambda k: NOT list_contains({allowed}, k))"
    # An object holds every key once and no unknown one exactly when it has as many keys as the
    # declared ones it holds (null or not): only the other rows pay for looking at repeats.
    declared_keys = " + ".join(f"CAST({a.v} IS NOT NULL AS INTEGER)" for a in attrs) or "0"
    checks = [
        Check(
            "more_keys",
            lit("attributes"),
            f"'unknown attribute(s) ' || array_to_string({unknown_list}, ', ') || ' for '"
            f" || n_record_type || {allowed_text}",
        ),
        *(
            Check(
                f"n_entry_kind IN ('record', 'correction') AND {a.absent}",
                a.field(),
                lit("is required"),
            )
            for a in attrs
            if a.spec.required
        ),
        *(check for a in attrs for check in a.checks()),
    ]
    structs = ", ".join(c.struct() for c in checks)
    pairs = ", ".join(a.canonical_pair() for a in attrs) or "''"
    source = sql(col(relation))
    numbers_sql = ", ".join(str(int(n)) for n in numbers)
    # One parse of the object per list (values, texts) for all its declared attributes, then
    # each attribute's entries as columns of their own, so DuckDB computes each once: it would
    # repeat an expression written out several times inside the checks' CASEs. The values are
    # VARCHAR, not JSON, so that the expressions over them are string functions.
    pointers = lit([json_pointer(n) for n in names]) if names else "CAST([] AS VARCHAR[])"
    columns = "".join(
        f", CAST(jv[{i + 1}] AS VARCHAR) AS {a.v}, js[{i + 1}] AS {a.s}"
        for i, a in enumerate(attrs)
    )
    strings = "".join(f", starts_with({a.v}, '\"') AS {a.q}" for a in attrs if a.string_typed)
    kinds = "".join(f", {a.type_ok()} AS {a.k}" for a in attrs)
    rows = (
        f"SELECT _line, n_record_type, n_entry_kind, doc, len(json_keys(doc)) AS key_count,"
        f" json_extract(doc, {pointers}) AS jv, json_extract_string(doc, {pointers}) AS js,"
        # JSON text holds no raw control character but DEL in a string (DuckDB refuses the
        # others), so a decoded string can hold one only where the text has DEL or an escape.
        " contains(doc, '\\') OR contains(doc, chr(127)) AS may_hold_controls"
        f" FROM {source} WHERE type_no IN ({numbers_sql})"
    )
    rows = (
        "SELECT _line, n_record_type, n_entry_kind, doc, key_count, may_hold_controls"
        f"{columns} FROM ({rows})"
    )
    rows = f"SELECT *{strings} FROM ({rows})"
    rows = (
        f"SELECT *{kinds}, coalesce(key_count > {declared_keys}, FALSE) AS extra_keys FROM ({rows})"
    )
    rows = (
        "SELECT *, CASE WHEN extra_keys THEN list_unique(json_keys(doc)) < key_count"
        f" ELSE FALSE END AS repeats FROM ({rows})"
    )
    rows = f"SELECT *, extra_keys AND NOT repeats AS more_keys FROM ({rows})"
    rows = f"SELECT *, NOT repeats AND {all_pass(checks)} AS ok FROM ({rows})"
    repeated = "[{'field': 'attributes', 'reason': 'has a key more than once'}]"
    return (
        f"SELECT _line, CASE WHEN repeats THEN {repeated} WHEN NOT ok THEN list_filter([{structs}],"
        " lambda p: p IS NOT NULL) END AS attribute_problems,"
        f" CASE WHEN ok THEN '{{' || concat_ws(',', {pairs}) || '}}' END AS canonical_attributes"
        f" FROM ({rows})"
    )
