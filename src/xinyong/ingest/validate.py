"""Validate staged rows in one vectorised pass: every problem of every row, as data.

`build_checked` turns `staged` (text columns) into `checked`: normalised, typed columns, the
subject key (pseudonymised for personal schemes), the canonical attributes text, and `problems`,
a list of `{field, reason}` structs that is empty for a valid row. All checks are SQL expressions
evaluated by DuckDB over the whole file; Python only assembles them from the catalogue and the
identifier schemes, and computes "did you mean" hints for the few distinct unknown names.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.ingest.attributes_sql import canonical_sql, entries_sql, load_specs, problems_sql
from xinyong.ingest.checks import Check, problem_list
from xinyong.ingest.identifier_sql import load_division_codes, normalise_sql, scheme_checks_sql
from xinyong.ingest.sqlbuild import col, lit

if TYPE_CHECKING:
    import duckdb

    from xinyong.domain.catalogue import Catalogue
    from xinyong.domain.identifiers import SchemeRegistry

PROVIDER_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}"
TEXT_MAX = 128
CONTROL_CHARS = r"[\x00-\x1f\x7f]"
EARLIEST_DECISION = date(1900, 1, 1)


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


def _distinct_unknown(
    con: duckdb.DuckDBPyConnection, column: str, known: Iterable[str]
) -> list[str]:
    value = f"nullif(trim({col(column)}), '')"
    rows = con.execute(
        f"SELECT DISTINCT {value} FROM staged WHERE {value} IS NOT NULL"
        f" AND NOT list_contains({lit(sorted(known))}, {value}) LIMIT 1000"
    ).fetchall()
    return [str(r[0]) for r in rows]


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
    load_specs(con, catalogue.record_types)
    norm = f"""
        SELECT _line, _unknown_fields, provider, record_type, entry_kind, subject_scheme,
               subject_id, subject_kind, decision_date, document_ref, attributes, refers_to,
               refers_to_provider,
               nullif(trim(provider), '') AS n_provider,
               nullif(trim(record_type), '') AS n_record_type,
               coalesce(nullif(trim(entry_kind), ''), 'record') AS n_entry_kind,
               nullif(trim(subject_scheme), '') AS n_scheme,
               nullif({normalise_sql("subject_id")}, '') AS n_subject_id,
               nullif(trim(subject_kind), '') AS n_kind,
               nullif(trim(decision_date), '') AS n_decision_text,
               nullif(trim(document_ref), '') AS n_document_ref,
               nullif(trim(attributes), '') AS n_attributes_text,
               nullif(trim(refers_to), '') AS n_refers_to,
               coalesce(nullif(trim(refers_to_provider), ''), nullif(trim(provider), ''))
                   AS n_refers_to_provider
        FROM staged
    """
    types = catalogue.record_types
    scheme_names = [s.name for s in schemes]
    type_reason = _hint_cases(
        "n_record_type", _distinct_unknown(con, "record_type", types), types, "record type"
    )
    scheme_reason = _hint_cases(
        "n_scheme", _distinct_unknown(con, "subject_scheme", scheme_names), scheme_names, "scheme"
    )
    kinds = [k.value for k in SubjectKind]
    entry_kinds = [k.value for k in EntryKind]
    # Each membership test is computed once, as a column of `typed`: DuckDB turns a constant
    # list_contains into a join, and repeated in several checks it joined once per use.
    known_type = "k_type"
    known_scheme = "k_scheme"

    scheme_kinds = " ".join(
        f"WHEN {lit(s.name)} THEN {lit(sorted(k.value for k in s.subject_kinds))}" for s in schemes
    )

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
            f"NOT regexp_full_match(n_provider, {lit(PROVIDER_PATTERN)})",
            "provider",
            lit("must be 1-64 characters: letters, digits and . _ : / - (not first)"),
        ),
        _problem(f"NOT {known_type}", "record_type", type_reason),
        _problem(
            "NOT k_entry_kind",
            "entry_kind",
            f"'must be one of {', '.join(entry_kinds)}, got ' || n_entry_kind",
        ),
        _problem(
            f"{known_type} AND k_entry_kind AND NOT list_contains(t_entry_kinds, n_entry_kind)",
            "entry_kind",
            "'record type ' || n_record_type || ' does not take ' || n_entry_kind || ' entries'",
        ),
        _problem(f"NOT {known_scheme}", "subject_scheme", scheme_reason),
        _problem("id_problem IS NOT NULL", "subject_id", "id_problem"),
        _problem(
            "NOT k_kind",
            "subject_kind",
            f"'must be one of {', '.join(kinds)}, got ' || n_kind",
        ),
        _problem(
            f"k_kind AND {known_scheme}"
            f" AND NOT list_contains(CASE n_scheme {scheme_kinds} END, n_kind)",
            "subject_kind",
            "'a ' || n_scheme || ' identifies no ' || n_kind",
        ),
        _problem(
            f"k_kind AND {known_type} AND NOT list_contains(t_subject_kinds, n_kind)",
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
            "n_entry_kind <> 'record' AND n_refers_to IS NULL",
            "refers_to",
            "'is required for a ' || n_entry_kind || ' entry (the document_ref it acts on)'",
        ),
        _problem(
            "n_entry_kind = 'record' AND n_refers_to IS NOT NULL",
            "refers_to",
            "'is only for correction, revocation, fulfilment and restoration entries'",
        ),
        _problem(
            f"NOT regexp_full_match(n_refers_to_provider, {lit(PROVIDER_PATTERN)})",
            "refers_to_provider",
            lit("must be 1-64 characters: letters, digits and . _ : / - (not first)"),
        ),
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
            "json_type(n_attributes) = 'OBJECT' AND m IS NULL",
            "attributes",
            lit("has a key more than once"),
        ),
        _problem(
            f"{known_type} AND len(list_filter("
            "map_keys(m), lambda k: NOT list_contains(t_attribute_names, k))) > 0",
            "attributes",
            "'unknown attribute(s) ' || array_to_string(list_filter(map_keys(m),"
            " lambda k: NOT list_contains(t_attribute_names, k)), ', ') || ' for '"
            " || n_record_type || ' (allowed: '"
            " || coalesce(nullif(array_to_string(t_attribute_names, ', '), ''), 'none') || ')'",
        ),
    ]
    # Required attributes that are absent (or null), one problem each. A record and a correction
    # (which restates it) carry them; a revocation, fulfilment or restoration acts on a record
    # that already has them, so its attributes are optional (and checked when given).
    missing = (
        f"CASE WHEN {known_type} AND n_entry_kind IN ('record', 'correction')"
        " AND (n_attributes IS NULL OR m IS NOT NULL) THEN"
        " list_transform(list_filter(t_required_names, lambda k: NOT list_contains("
        "coalesce(list_transform(list_filter(map_entries(m), lambda e: e.value IS NOT NULL),"
        " lambda e: e.key), []), k)), lambda k: {'field': 'attributes.' || k,"
        " 'reason': 'is required'}) ELSE [] END"
    )
    # Identifiers are checked and keyed per scheme, one SELECT each, into a table joined back by
    # line: DuckDB shares the checks' common subexpressions only outside a CASE over schemes.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW id_input AS SELECT _line,"
        f" nullif(trim(subject_scheme), '') AS n_scheme,"
        f" nullif({normalise_sql('subject_id')}, '') AS n_subject_id FROM staged"
        f" WHERE nullif({normalise_sql('subject_id')}, '') IS NOT NULL"
    )
    personal = any(s.personal for s in schemes)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ids AS "
        + scheme_checks_sql(
            schemes,
            "id_input",
            row_column="_line",
            scheme_column="n_scheme",
            value_column="n_subject_id",
            key_param="pseudonym_key",
        ),
        {"pseudonym_key": pseudonym_key} if personal else None,
    )
    entries = entries_sql("m", "t_specs")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        WITH norm AS ({norm}), typed AS (
            SELECT n.*,
                   CASE WHEN regexp_full_match(n_decision_text, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')
                        THEN TRY_CAST(n_decision_text AS DATE) END AS n_decision_date,
                   TRY_CAST(n_attributes_text AS JSON) AS n_attributes,
                   f.subject_kinds AS t_subject_kinds, f.entry_kinds AS t_entry_kinds,
                   f.attribute_names AS t_attribute_names, f.required_names AS t_required_names,
                   f.specs AS t_specs,
                   f.record_type IS NOT NULL AS k_type,
                   coalesce(list_contains({lit(scheme_names)}, n_scheme), FALSE) AS k_scheme,
                   coalesce(list_contains({lit(kinds)}, n_kind), FALSE) AS k_kind,
                   list_contains({lit(entry_kinds)}, n_entry_kind) AS k_entry_kind,
                   i.identifier_problem AS id_problem, i.subject_key AS id_key,
                   i.subject_birth_date AS id_birth_date
            FROM norm n LEFT JOIN record_type_facts f ON f.record_type = n.n_record_type
            LEFT JOIN ids i ON i._line = n._line
        ), parsed AS (
            SELECT *, TRY_CAST(n_attributes AS MAP(VARCHAR, JSON)) AS m FROM typed
        ), attributed AS (
            SELECT *, {entries} AS ents FROM parsed
        ), judged AS (
            SELECT *, list_concat(
                       {problem_list(checks)},
                       {missing}, coalesce({problems_sql("ents")}, [])) AS problems
            FROM attributed
        )
        SELECT * EXCLUDE (m, ents, t_specs, t_subject_kinds, t_entry_kinds, t_attribute_names,
                          t_required_names, id_problem, k_type, k_scheme, k_kind, k_entry_kind,
                          id_key, id_birth_date),
               CASE WHEN len(problems) = 0 THEN id_key END AS subject_key,
               CASE WHEN len(problems) = 0 THEN id_birth_date END AS subject_birth_date,
               CASE WHEN len(problems) = 0 THEN {canonical_sql("ents")} END
                   AS canonical_attributes
        FROM judged
        """,
        {"today": today},
    )
