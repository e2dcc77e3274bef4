"""The SQL forms of the identifier checks give byte-identical reasons to the Python forms."""

from __future__ import annotations

import doctest
import random
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import near_misses, resident_ids, usccs

from xinyong.domain.identifiers import (
    USCC_ALPHABET,
    IdentifierScheme,
    PatternScheme,
    ResidentIdScheme,
    UsccScheme,
    division_codes,
    generate_resident_id,
    generate_uscc,
    resident_id_check,
)
from xinyong.domain.pseudonym import subject_key
from xinyong.domain.subject import SubjectKind
from xinyong.ingest import identifier_sql
from xinyong.ingest.identifier_sql import (
    check_identifiers_sql,
    load_division_codes,
    normalise_sql,
    scheme_checks_sql,
)

if TYPE_CHECKING:
    import duckdb

USCC = UsccScheme()
RID = ResidentIdScheme(as_of=date(2025, 6, 1))
LOCAL = PatternScheme("hk_br", r"[0-9]{8}(-[0-9]{3})?", [SubjectKind.enterprise])
KEY = bytes(range(100, 132))
# Characters that are no part of any scheme but that real files carry.
ODD = "IOSVZaxé'\"-_.😀\x01ß"
DIGITS = "0123456789"
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    import duckdb

    connection = duckdb.connect()
    load_division_codes(connection)
    yield connection
    connection.close()


def sql_column(con: duckdb.DuckDBPyConnection, expression: str, values: list[str | None]) -> list:
    """`expression` over column `v` holding `values`, in order, in one vectorised query."""
    source = "SELECT unnest($values::VARCHAR[]) AS v, generate_subscripts($values, 1) AS i"
    query = f"SELECT {expression} FROM ({source}) ORDER BY i"
    return [row[0] for row in con.execute(query, {"values": values}).fetchall()]


def assert_same_reasons(
    con: duckdb.DuckDBPyConnection, scheme: IdentifierScheme, raw: list[str]
) -> None:
    values = [scheme.normalise(v) for v in raw]
    got = sql_column(con, scheme.sql_problem("v"), list(values))
    expected = [scheme.problem(v) for v in values]
    assert [(v, g) for v, g in zip(values, got, strict=True) if g != scheme.problem(v)] == []
    assert got == expected


def test_doctests() -> None:
    assert doctest.testmod(identifier_sql).failed == 0


# --- parity, drawn ------------------------------------------------------------------------------

uscc_shaped = st.builds(
    lambda a, d, b: a + d + b,
    st.text(USCC_ALPHABET, min_size=2, max_size=2),
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=10, max_size=10),
)
uscc_candidates = st.one_of(
    st.text(USCC_ALPHABET + ODD, max_size=20),
    uscc_shaped,  # reaches the organisation and check-character arms
    near_misses(usccs(), USCC_ALPHABET + ODD),
)


@FAST
@given(st.lists(uscc_candidates, min_size=1, max_size=60))
def test_uscc_sql_reasons_equal_python(con: duckdb.DuckDBPyConnection, raw: list[str]) -> None:
    assert_same_reasons(con, USCC, raw)


rid_shaped = st.builds(
    lambda code, born, seq, check: code + born + seq + check,
    st.sampled_from(division_codes()),
    st.builds(
        lambda y, m, d: y + m + d,
        st.sampled_from(["0000", "1899", "1900", "1999", "2000", "2024", "2025", "9999"]),
        st.text(DIGITS, min_size=2, max_size=2),
        st.text(DIGITS, min_size=2, max_size=2),
    ),
    st.text(DIGITS, min_size=3, max_size=3),
    st.sampled_from(DIGITS + "X"),
)
rid_candidates = st.one_of(
    st.text(DIGITS + "X" + ODD, max_size=20),
    rid_shaped,  # reaches the date and check-character arms
    near_misses(resident_ids(), DIGITS + "X" + ODD),
)


@FAST
@given(st.lists(rid_candidates, min_size=1, max_size=60))
def test_resident_id_sql_reasons_equal_python(
    con: duckdb.DuckDBPyConnection, raw: list[str]
) -> None:
    assert_same_reasons(con, RID, raw)


@FAST
@given(st.lists(st.text(DIGITS + "-" + ODD, max_size=14), min_size=1, max_size=40))
def test_pattern_sql_reasons_equal_python(con: duckdb.DuckDBPyConnection, raw: list[str]) -> None:
    assert_same_reasons(con, LOCAL, raw)


# --- parity, exhaustive and bulk ----------------------------------------------------------------


def test_every_date_shape_gives_the_same_reason(con: duckdb.DuckDBPyConnection) -> None:
    # Months 00-13 and days 00-32 over leap, non-leap, century and out-of-range years.
    values = []
    for year in ("0000", "0004", "1899", "1900", "1996", "2000", "2001", "2025", "2100"):
        for month in range(14):
            for day in range(33):
                body = f"110105{year}{month:02d}{day:02d}001"
                values.append(body + resident_id_check(body))
    assert_same_reasons(con, RID, values)


def test_bulk_near_misses_give_the_same_reasons(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(20251001)

    def edits(code: str, alphabet: str) -> list[str]:
        i, ch = rng.randrange(len(code)), rng.choice(alphabet)
        return [code, code[:i] + ch + code[i + 1 :], code[:i] + code[i + 1 :], code + ch]

    usccs_ = [e for _ in range(3000) for e in edits(generate_uscc(rng), USCC_ALPHABET + ODD)]
    assert_same_reasons(con, USCC, usccs_)
    born = [date.fromordinal(rng.randrange(693596, 739000)) for _ in range(3000)]
    rids = [e for b in born for e in edits(generate_resident_id(rng, b), DIGITS + "X" + ODD)]
    assert_same_reasons(con, RID, rids)


def test_null_is_missing(con: duckdb.DuckDBPyConnection) -> None:
    for scheme in (USCC, RID, LOCAL):
        assert sql_column(con, scheme.sql_problem("v"), [None]) == ["is missing"]


def test_accepted_codes_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    lenient = UsccScheme(accepted=["91350203M0001QAY9B"])
    values = ["91350203M0001QAY9B", "91350100M000100Y49"]
    assert sql_column(con, lenient.sql_problem("v"), list(values)) == [
        None,
        "check character should be 3, got 9",
    ]


def test_as_of_reaches_sql(con: duckdb.DuckDBPyConnection) -> None:
    rid = generate_resident_id(random.Random(1), date(2025, 6, 1))
    assert sql_column(con, RID.sql_problem("v"), [rid]) == [None]
    earlier = ResidentIdScheme(as_of=date(2025, 5, 31))
    assert sql_column(con, earlier.sql_problem("v"), [rid]) == [
        "birth date 20250601 is in the future"
    ]


def test_birth_date_sql(con: duckdb.DuckDBPyConnection) -> None:
    rng = random.Random(2)
    rids = [generate_resident_id(rng, date.fromordinal(n)) for n in (693596, 730179)]
    expression = RID.sql_birth_date("v")
    assert expression is not None
    assert sql_column(con, expression, list(rids)) == [RID.birth_date(r) for r in rids]
    assert USCC.sql_birth_date("v") is None


# --- quoting, parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["my col", 'we"ird', "xinyong_id", "select"])
def test_any_column_name_works(con: duckdb.DuckDBPyConnection, column: str) -> None:
    # xinyong_id is the lambda parameter inside the expression; the column never appears there.
    for scheme in (USCC, RID):
        expression = scheme.sql_problem(column)
        quoted = sqlglot.exp.column(column, quoted=True).sql("duckdb")
        got = con.execute(
            f"SELECT {expression} FROM (SELECT '91350100M000100Y43' AS {quoted})"
        ).fetchall()
        assert got == [(scheme.problem("91350100M000100Y43"),)]


def test_sql_survives_a_sqlglot_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    # The compiler embeds these expressions in SQLGlot trees; what it emits must mean the same.
    values = ["91350100M000100Y43", "91350100M000100Y49", "11010519491231002X", "x"]
    for scheme in (USCC, RID, LOCAL):
        reparsed = sqlglot.parse_one(scheme.sql_problem("v"), read="duckdb").sql("duckdb")
        assert sql_column(con, reparsed, list(values)) == [scheme.problem(v) for v in values]


# --- normalisation, division codes, the one-pass query ------------------------------------------


@FAST
@given(st.lists(st.text("abcxyzXYZ019 \t\n\u00a0\u3000ｍＭ０９ß😀-'", max_size=20), max_size=40))
def test_normalise_sql_equals_python(con: duckdb.DuckDBPyConnection, raw: list[str]) -> None:
    assert sql_column(con, normalise_sql("v"), list(raw)) == [USCC.normalise(v) for v in raw]


def test_normalise_sql_keeps_null(con: duckdb.DuckDBPyConnection) -> None:
    assert sql_column(con, normalise_sql("v"), [None]) == [None]


def test_load_division_codes_replaces_the_table(con: duckdb.DuckDBPyConnection) -> None:
    assert load_division_codes(con) == len(division_codes())
    count = con.execute("SELECT count(*), count(DISTINCT code) FROM division_codes").fetchone()
    assert count == (len(division_codes()), len(division_codes()))


def test_resident_id_sql_needs_the_division_table() -> None:
    import duckdb

    # (DuckDB's error names the table; here it first tries the Python name `division_codes`.)
    with pytest.raises(duckdb.Error, match="division_codes"):
        duckdb.connect().execute(f"SELECT {RID.sql_problem('v')} FROM (SELECT 'x' AS v)")


def test_check_identifiers_sql(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE raw_ids AS SELECT * FROM (VALUES"
        " (1, ' 11010519491231002x'), (2, '110105194912310025'), (3, NULL)) t(line, raw)"
    )
    rows = con.execute(
        f"SELECT line, identifier, identifier_problem, subject_key, subject_birth_date"
        f" FROM ({check_identifiers_sql(RID, 'raw_ids', 'raw', key_param='k')}) ORDER BY line",
        {"k": KEY},
    ).fetchall()
    assert rows == [
        (
            1,
            "11010519491231002X",
            None,
            subject_key(RID, "11010519491231002X", KEY),
            date(1949, 12, 31),
        ),
        (2, "110105194912310025", "check character should be X, got 5", None, None),
        (3, None, "is missing", None, None),
    ]
    # a non-personal scheme binds no key at all
    uscc_rows = con.execute(
        f"SELECT subject_key FROM ({check_identifiers_sql(USCC, 'raw_ids', 'raw')})"
    ).fetchall()
    assert uscc_rows == [(None,), (None,), (None,)]


def test_scheme_checks_sql_dispatches_by_scheme(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mixed AS SELECT * FROM (VALUES"
        " (1, 'uscc', '91350100M000100Y43'), (2, 'resident_id', '11010519491231002X'),"
        " (3, 'uscc', '11010519491231002X'), (4, 'resident_id', '91350100M000100Y43'),"
        " (5, 'passport', 'E12345678')) t(line, scheme, id)"
    )
    query = scheme_checks_sql(
        [USCC, RID], "mixed", row_columns=["line"], scheme_column="scheme", value_column="id"
    )
    rows = con.execute(f"SELECT * FROM ({query}) ORDER BY line", {"pseudonym_key": KEY})
    assert rows.fetchall() == [
        (1, None, "uscc:91350100M000100Y43", None),
        (2, None, subject_key(RID, "11010519491231002X", KEY), date(1949, 12, 31)),
        (3, USCC.problem("11010519491231002X"), None, None),
        (4, RID.problem("91350100M000100Y43"), None, None),
    ]  # line 5: a scheme not given is left to the caller
    with pytest.raises(ValueError, match="no schemes"):
        scheme_checks_sql([], "mixed", row_columns=["l"], scheme_column="s", value_column="v")
