"""Shortcuts in the validation SQL agree with what they stand in for."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.ingest.validate import _text

# ASCII, the Unicode spaces `trim` removes, characters it keeps, and multi-byte text.
ALPHABET = " a~!\t\n\r\x0b\x7f\u00a0\u1680\u2000\u2009\u200a\u202f\u205f\u3000\u200b中é\u0301"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(ALPHABET, max_size=6)), min_size=1, max_size=30))
def test_text_is_nullif_trim(values: list[str | None]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    rows = con.execute(f"SELECT {_text('v')}, nullif(trim(v), '') FROM t ORDER BY i").fetchall()
    assert all(ours == theirs for ours, theirs in rows), rows
