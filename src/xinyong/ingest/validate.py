"""Validate staged rows, vectorised: every problem of every row, as data.

`build_checked` turns `staged` (text columns) into `checked`: `_line`, `problems` (a list of
`{field, reason}` structs; NULL for a valid row) and, for valid rows, the normalised and typed
columns that resolution and the ledger need: the subject key (pseudonymised for personal
schemes) and the canonical attributes text among them. All checks are SQL expressions evaluated
by DuckDB over the whole file; Python only assembles them from the catalogue and the identifier
schemes, and computes "did you mean" hints for the few distinct unknown names.

Four main statements, each one pass:

1. `norm`: every column trimmed and normalised once, the decision date and the attributes JSON
   parsed, the record type's facts joined on;
2. `ids`: identifiers checked and keyed, once per distinct identifier, one SELECT per scheme
   (`scheme_checks_sql`);
3. `attrs`: attributes checked and made canonical, one SELECT per record type
   (`attribute_checks_sql`), over a copy of the rows sorted by type (`attrs_input`);
4. `checked`: the row's own checks, with `ids` joined back by identifier and `attrs` by line.

Splitting by scheme and by record type lets every check be a plain column expression with the
spec as constants: DuckDB evaluates common subexpressions once only outside CASE and lambdas.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from xinyong.domain.record import EntryKind
from xinyong.domain.subject import AGE_OF_MAJORITY
from xinyong.ingest.attributes_sql import (
    ENTRY_KINDS,
    FACTS_TABLE,
    SUBJECT_KINDS,
    attribute_checks_sql,
    bit_index_sql,
    bit_mask,
    load_facts,
    spec_signature,
    type_numbers,
)
from xinyong.ingest.checks import Check, problem_list
from xinyong.ingest.identifier_sql import load_division_codes, normalise_sql, scheme_checks_sql
from xinyong.ingest.sqlbuild import col, lit

if TYPE_CHECKING:
    import duckdb

    from xinyong.domain.catalogue import Catalogue, RecordType
    from xinyong.domain.identifiers import SchemeRegistry

PROVIDER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}"
TEXT_MAX = 128
CONTROL_CHARS = r"[\x00-\x1f\x7f]"
EARLIEST_DECISION = date(1900, 1, 1)
# Rows whose attributes are checked against their record type: absent, not JSON, or an object
# (the other problems of a JSON value are the value's own).
ATTRS_USABLE = "(doc IS NULL OR doc_type = 'OBJECT')"

# What resolution reads of a valid row (besides `_line` and `problems`).
VALID_COLUMNS: tuple[str, ...] = (
    "n_provider",
    "n_record_type",
    "n_entry_kind",
    "n_scheme",
    "n_kind",
    "n_decision_date",
    "n_document_ref",
    "n_refers_to",
    "n_refers_to_provider",
)


def kept_birth_date_sql(birth: str, decided: str) -> str:
    """DuckDB twin of `domain.subject.kept_birth_date`: the birth date while the subject is a
    minor on the decision date, else NULL. DATE + INTERVAL n MONTH clamps to the month's end,
    as `comes_of_age` does."""
    months = AGE_OF_MAJORITY * 12
    return f"CASE WHEN {decided} < CAST({birth} + INTERVAL {months} MONTH AS DATE) THEN {birth} END"


def _problem(condition: str, field: str, reason: str) -> Check:
    """A problem with `field` when `condition` holds; `reason` is SQL text."""
    return Check(condition, lit(field), reason)


def _hint_cases(column: str, unknown: Iterable[str], known: Iterable[str], what: str) -> str:
    """Reason text for unknown names, with a "did you mean" computed here for each distinct one."""
    known = sorted(known)
    whens = []
    for value in sorted(set(unknown)):
        close = difflib.get_close_matches(value, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        whens.append(f"WHEN {lit(value)} THEN {lit(f'unknown {what} {value!r}{hint}')}")
    fallback = lit(f"unknown {what}")
    if not whens:
        return fallback
    return f"CASE {column} {' '.join(whens)} ELSE {fallback} END"


def _distinct_unknown(con: duckdb.DuckDBPyConnection, column: str, known: str) -> list[str]:
    """Distinct values of `column` in `norm` for which the condition `known` fails."""
    rows = con.execute(
        f"SELECT DISTINCT {column} FROM norm WHERE {column} IS NOT NULL AND NOT {known} LIMIT 1000"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _text(column: str) -> str:
    """The column trimmed (as `trim` does), NULL when empty.

    `trim` costs ~75 ns a value, mostly for a copy of a value it does not change. Of ASCII it
    removes only the space (the other characters it removes are Unicode spaces), so a value of
    ASCII alone that neither starts nor ends with a space is left as it is, at a quarter the
    cost.
    """
    c = col(column)
    return (
        f"nullif(CASE WHEN {c} LIKE ' %' OR {c} LIKE '% ' OR strlen({c}) <> length({c})"
        f" THEN trim({c}) ELSE {c} END, '')"
    )


def _norm_sql(schemes: SchemeRegistry) -> str:
    """`norm`: one row per staged row, every column trimmed and normalised once.

    Each level computes what the next reads, so that no expression is written (and evaluated)
    twice."""
    scheme_masks = " ".join(
        f"WHEN {lit(s.name)} THEN {bit_mask((k.value for k in s.subject_kinds), SUBJECT_KINDS)}"
        for s in schemes
    )
    scheme_mask = f"CASE n_scheme {scheme_masks} END" if scheme_masks else "NULL"
    # A repeated key is looked for here only in the rows of unknown record types: for the
    # others the attribute checks find it (`attribute_checks_sql`), where a cheap count rules it
    # out for almost every row.
    return f"""
        SELECT *,
               CASE WHEN type_no IS NULL AND doc_type = 'OBJECT'
                    THEN list_unique(json_keys(doc)) < len(json_keys(doc)) END AS doc_repeats_key
        FROM (
            SELECT n.* EXCLUDE (n_attributes_text, n_refers_to_provider_text),
                   n_attributes_text IS NOT NULL AND doc IS NULL AS attrs_not_json,
                   -- JSON text that starts with a brace is an object: no second parse
                   CASE WHEN starts_with(doc, '{{') THEN 'OBJECT' ELSE json_type(doc) END
                       AS doc_type
            FROM (
                SELECT n.*,
                       CASE WHEN regexp_full_match(n_decision_text,
                                                   '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
                            THEN TRY_CAST(n_decision_text AS DATE) END AS n_decision_date,
                       TRY_CAST(n_attributes_text AS JSON) AS doc,
                       n_refers_to_provider_text IS NOT NULL AS refers_to_provider_given,
                       coalesce(n_refers_to_provider_text, n_provider) AS n_refers_to_provider,
                       {bit_index_sql("n_entry_kind", ENTRY_KINDS)} AS entry_no,
                       {bit_index_sql("n_kind", SUBJECT_KINDS)} AS kind_no,
                       {scheme_mask} AS scheme_mask,
                       f.type_no, f.entry_mask, f.subject_mask
                FROM (
                    SELECT _line, _unknown_fields,
                           {_text("provider")} AS n_provider,
                           {_text("record_type")} AS n_record_type,
                           coalesce({_text("entry_kind")}, 'record') AS n_entry_kind,
                           {_text("subject_scheme")} AS n_scheme,
                           nullif({normalise_sql("subject_id")}, '') AS n_subject_id,
                           {_text("subject_kind")} AS n_kind,
                           {_text("decision_date")} AS n_decision_text,
                           {_text("document_ref")} AS n_document_ref,
                           {_text("attributes")} AS n_attributes_text,
                           {_text("refers_to")} AS n_refers_to,
                           {_text("refers_to_provider")} AS n_refers_to_provider_text
                    FROM staged
                ) n LEFT JOIN {FACTS_TABLE} f ON f.record_type = n.n_record_type
            ) n
        )
    """


def _groups(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue
) -> list[tuple[list[int], RecordType]]:
    """The record types present in `norm`, those with the same specs in one group."""
    numbers = type_numbers(catalogue.record_types)
    present = {
        int(r[0])
        for r in con.execute(
            f"SELECT DISTINCT type_no FROM norm WHERE type_no IS NOT NULL AND {ATTRS_USABLE}"
        ).fetchall()
    }
    groups: dict[tuple[object, ...], tuple[list[int], RecordType]] = {}
    for name, rt in sorted(catalogue.record_types.items()):
        if numbers[name] in present:
            groups.setdefault(spec_signature(rt), ([], rt))[0].append(numbers[name])
    return list(groups.values())


def build_checked(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    schemes: SchemeRegistry,
    *,
    today: date,
    pseudonym_key: bytes,
) -> None:
    """Create `checked` from `staged`: problems, subject keys and canonical attributes."""
    load_division_codes(con)
    load_facts(con, catalogue.record_types)
    con.execute(f"CREATE OR REPLACE TEMP TABLE norm AS {_norm_sql(schemes)}")

    types = catalogue.record_types
    scheme_names = [s.name for s in schemes]
    known_scheme = "scheme_mask IS NOT NULL"
    known_type = "type_no IS NOT NULL"
    type_reason = _hint_cases(
        "n_record_type", _distinct_unknown(con, "n_record_type", known_type), types, "record type"
    )
    scheme_reason = _hint_cases(
        "n_scheme", _distinct_unknown(con, "n_scheme", known_scheme), scheme_names, "scheme"
    )
    known_kind = "kind_no IS NOT NULL"
    known_entry_kind = "entry_no IS NOT NULL"
    provider_bad = f"NOT regexp_full_match(n_provider, {lit(PROVIDER_PATTERN)})"

    checks = [
        _problem(
            "len(_unknown_fields) > 0",
            "(row)",
            "'unknown field(s): ' || array_to_string(_unknown_fields, ', ')",
        ),
        *(
            _problem(f"{col('n_' + f)} IS NULL", f, "'is required'")
            for f in ("provider", "record_type", "document_ref")
        ),
        _problem("n_scheme IS NULL", "subject_scheme", "'is required'"),
        _problem("n_subject_id IS NULL", "subject_id", "'is required'"),
        _problem("n_kind IS NULL", "subject_kind", "'is required'"),
        _problem("n_decision_text IS NULL", "decision_date", "'is required'"),
        _problem(
            "provider_bad",
            "provider",
            lit("must be 1-64 characters: letters, digits and . _ : / - (not first)"),
        ),
        _problem(f"NOT {known_type}", "record_type", type_reason),
        _problem(
            f"n_entry_kind = {lit(EntryKind.step.value)}",
            "entry_kind",
            lit(
                "step entries are workflow steps (notices, objections, restorations, pack "
                "approvals) that only the service writes; a file cannot submit them"
            ),
        ),
        _problem(
            f"NOT {known_entry_kind} AND n_entry_kind <> {lit(EntryKind.step.value)}",
            "entry_kind",
            f"'must be one of {', '.join(ENTRY_KINDS)}, got ' || n_entry_kind",
        ),
        _problem(
            f"{known_type} AND {known_entry_kind} AND (entry_mask >> entry_no) & 1 = 0",
            "entry_kind",
            "'record type ' || n_record_type || ' does not take ' || n_entry_kind || ' entries'",
        ),
        _problem(f"NOT {known_scheme}", "subject_scheme", scheme_reason),
        _problem("id_problem IS NOT NULL", "subject_id", "id_problem"),
        _problem(
            f"NOT {known_kind}",
            "subject_kind",
            f"'must be one of {', '.join(SUBJECT_KINDS)}, got ' || n_kind",
        ),
        _problem(
            f"{known_kind} AND {known_scheme} AND (scheme_mask >> kind_no) & 1 = 0",
            "subject_kind",
            "'a ' || n_scheme || ' identifies no ' || n_kind",
        ),
        _problem(
            f"{known_kind} AND {known_type} AND (subject_mask >> kind_no) & 1 = 0",
            "subject_kind",
            "'record type ' || n_record_type || ' does not apply to a ' || n_kind",
        ),
        _problem(
            "n_decision_text IS NOT NULL AND n_decision_date IS NULL",
            "decision_date",
            "'must be a calendar date YYYY-MM-DD, got ' || n_decision_text",
        ),
        _problem(
            "n_decision_date > $today",
            "decision_date",
            "'is after today (' || strftime(n_decision_date, '%Y-%m-%d') || ')'",
        ),
        _problem(
            f"n_decision_date < {lit(EARLIEST_DECISION.isoformat())}::DATE",
            "decision_date",
            lit(f"is before {EARLIEST_DECISION.isoformat()}"),
        ),
        *(
            _problem(
                f"length({c}) > {TEXT_MAX} OR regexp_matches({c}, {lit(CONTROL_CHARS)})",
                name,
                lit(f"must be at most {TEXT_MAX} characters with no control characters"),
            )
            for c, name in (("n_document_ref", "document_ref"), ("n_refers_to", "refers_to"))
        ),
        _problem(
            "n_entry_kind NOT IN ('record', 'step') AND n_refers_to IS NULL",
            "refers_to",
            "'is required for a ' || n_entry_kind || ' entry (the document_ref it acts on)'",
        ),
        _problem(
            "n_entry_kind = 'record' AND n_refers_to IS NOT NULL",
            "refers_to",
            "'is only for correction, revocation, fulfilment and restoration entries'",
        ),
        _problem(
            # Without a refers_to_provider of its own the row's provider stands in, already
            # checked above: the pattern runs only on values given.
            "CASE WHEN refers_to_provider_given THEN NOT regexp_full_match("
            f"n_refers_to_provider, {lit(PROVIDER_PATTERN)}) ELSE provider_bad END",
            "refers_to_provider",
            lit("must be 1-64 characters: letters, digits and . _ : / - (not first)"),
        ),
        _problem(
            "attrs_not_json",
            "attributes",
            lit("must be a JSON object, got text that is not JSON"),
        ),
        _problem(
            "doc IS NOT NULL AND doc_type <> 'OBJECT'",
            "attributes",
            "'must be a JSON object, got ' || lower(doc_type)",
        ),
        _problem("doc_repeats_key", "attributes", lit("has a key more than once")),
    ]
    # Identifiers are checked and keyed per scheme, one SELECT each: DuckDB shares the checks'
    # common subexpressions only outside a CASE over schemes. And once per distinct identifier,
    # joined back on it: a file names each subject ~10 times (the keyed hash of a resident ID
    # alone is two SHA-256), and the checks cost ≈ 3 µs where the distinct and the join ≈ 0.5.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE id_input AS SELECT DISTINCT n_scheme, n_subject_id"
        " FROM norm WHERE n_subject_id IS NOT NULL"
    )
    personal = any(s.personal for s in schemes)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ids AS "
        + scheme_checks_sql(
            schemes,
            "id_input",
            row_columns=("n_scheme", "n_subject_id"),
            scheme_column="n_scheme",
            value_column="n_subject_id",
            key_param="pseudonym_key",
        ),
        {"pseudonym_key": pseudonym_key} if personal else None,
    )
    # Attributes likewise, one SELECT per record type present, over a copy of their rows sorted
    # by type: each SELECT then reads its rows in whole vectors. Over the rows in file order its
    # filter left vectors of ~1/12 full, and the hundreds of expressions of the checks cost
    # per vector: sorting (≈ 0.9 CPU-s per 1M) made the checks ≈ 1.9 CPU-s cheaper.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE attrs_input AS SELECT _line, type_no, n_record_type,"
        f" n_entry_kind, doc FROM norm WHERE type_no IS NOT NULL AND {ATTRS_USABLE}"
        " ORDER BY type_no"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE attrs AS "
        + attribute_checks_sql(_groups(con, catalogue), "attrs_input")
    )
    valid = ", ".join(VALID_COLUMNS)
    # Only what the minors rule needs of a birth date is kept (docs/concepts/identifiers.md).
    kept_birth = kept_birth_date_sql("id_birth_date", "n_decision_date")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT _line, problems, {valid},
               CASE WHEN problems IS NULL THEN id_key END AS subject_key,
               CASE WHEN problems IS NULL THEN {kept_birth} END AS subject_birth_date,
               CASE WHEN problems IS NULL THEN canonical_attributes END AS canonical_attributes
        FROM (
            SELECT *, {problem_list(checks, "attribute_problems")} AS problems
            FROM (
                SELECT n.*, {provider_bad} AS provider_bad,
                       i.identifier_problem AS id_problem, i.subject_key AS id_key,
                       i.subject_birth_date AS id_birth_date,
                       a.attribute_problems, a.canonical_attributes
                FROM norm n
                LEFT JOIN ids i ON i.n_scheme = n.n_scheme AND i.n_subject_id = n.n_subject_id
                LEFT JOIN attrs a ON a._line = n._line
            )
        )
        """,
        {"today": today},
    )
