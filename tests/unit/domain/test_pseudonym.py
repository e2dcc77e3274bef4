"""Pseudonyms: HMAC-SHA256 in Python and the same bytes from DuckDB SQL."""

from __future__ import annotations

import doctest
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import resident_ids

from xinyong.domain import pseudonym
from xinyong.domain.identifiers import PatternScheme, ResidentIdScheme, UsccScheme
from xinyong.domain.pseudonym import (
    _hmac_sha256_sql,
    pseudonym_sql,
    pseudonymise,
    subject_key,
    subject_key_sql,
)
from xinyong.domain.subject import SubjectKind
from xinyong.errors import SettingsError

KEY = bytes(range(32))
RID = ResidentIdScheme()


def run(sql: str, values: list[str], params: dict[str, object]) -> list[object]:
    import duckdb

    # unnest keeps list order within one scan; the position column makes that explicit.
    source = "SELECT unnest($values::VARCHAR[]) AS v, generate_subscripts($values, 1) AS i"
    rows = duckdb.connect().execute(
        f"SELECT {sql} FROM ({source}) ORDER BY i", {"values": values, **params}
    )
    return [r[0] for r in rows.fetchall()]


def test_doctests() -> None:
    assert doctest.testmod(pseudonym).failed == 0


def test_pseudonymise_is_hmac_sha256_of_scheme_and_value() -> None:
    expected = hmac.new(KEY, b"resident_id:11010519491231002X", hashlib.sha256).hexdigest()
    assert pseudonymise(KEY, "resident_id", "11010519491231002X") == expected
    assert len(expected) == 64
    # the scheme is part of the hashed text: the same number under another scheme differs
    assert pseudonymise(KEY, "other", "11010519491231002X") != expected
    assert pseudonymise(bytes(32), "resident_id", "11010519491231002X") != expected


def test_short_keys_are_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32 bytes, got 31"):
        pseudonymise(bytes(31), "resident_id", "x")


# RFC 4231 test vectors for HMAC-SHA-256: keys shorter than, equal to and longer than a block.
RFC4231 = [
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 131,
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
]


@pytest.mark.parametrize(("key", "data", "mac"), RFC4231)
def test_sql_hmac_matches_rfc4231(key: bytes, data: bytes, mac: str) -> None:
    import duckdb

    sql = f"SELECT {_hmac_sha256_sql('CAST($k AS BLOB)', 'CAST($d AS BLOB)')}"
    assert duckdb.connect().execute(sql, {"k": key, "d": data}).fetchone() == (mac,)


@settings(max_examples=40, deadline=None)
@given(
    key=st.binary(min_size=32, max_size=200),
    values=st.lists(st.text(max_size=40), min_size=1, max_size=20),
)
def test_pseudonym_sql_equals_python(key: bytes, values: list[str]) -> None:
    # Keys of 32…64 bytes are zero-padded, longer ones hashed first (RFC 2104): both paths.
    got = run(pseudonym_sql("resident_id", "v", "k"), values, {"k": key})
    assert got == [pseudonymise(key, "resident_id", v) for v in values]


def test_pseudonym_sql_refuses_short_keys() -> None:
    import duckdb

    with pytest.raises(duckdb.Error, match="at least 32 bytes"):
        run(pseudonym_sql("resident_id", "v", "k"), ["x"], {"k": bytes(16)})


def test_pseudonym_sql_quotes_scheme_and_column() -> None:
    got = run(pseudonym_sql("it's", "v", "k"), ["a"], {"k": KEY})
    assert got == [pseudonymise(KEY, "it's", "a")]
    with pytest.raises(ValueError, match="plain parameter name"):
        pseudonym_sql("resident_id", "v", "k; DROP TABLE x")


def test_subject_keys() -> None:
    assert subject_key(UsccScheme(), "91350100M000100Y43", KEY) == "uscc:91350100M000100Y43"
    key = subject_key(RID, "11010519491231002X", KEY)
    assert key == "resident_id:#" + pseudonymise(KEY, "resident_id", "11010519491231002X")
    assert "11010519491231002X" not in key
    local = PatternScheme("staff_no", r"S[0-9]{6}", [SubjectKind.individual], personal=True)
    assert subject_key(local, "S123456", KEY).startswith("staff_no:#")


def test_subject_key_wants_normalised_values() -> None:
    with pytest.raises(ValueError, match="not normalised"):
        subject_key(RID, "11010519491231002x", KEY)


@settings(max_examples=30, deadline=None)
@given(st.lists(resident_ids(), min_size=1, max_size=20))
def test_subject_key_sql_equals_python(values: list[str]) -> None:
    for scheme in (RID, UsccScheme()):
        params: dict[str, object] = {"k": KEY} if scheme.personal else {}
        got = run(subject_key_sql(scheme, "v", "k"), values, params)
        assert got == [subject_key(scheme, v, KEY) for v in values]
