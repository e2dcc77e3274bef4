"""Masking identifiers of individuals: Python and DuckDB SQL agree, and nothing slips through."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import resident_ids

from xinyong.domain.masking import (
    mask_identifiers,
    mask_identifiers_sql,
    mask_value,
    mask_value_sql,
)

_TEXT = st.text(alphabet=st.sampled_from("0123456789Xx ,-中a"), max_size=60)


@settings(deadline=None)  # the first DuckDB query of a process is slow
@given(st.one_of(_TEXT, st.builds(lambda a, r, b: a + r + b, _TEXT, resident_ids(), _TEXT)))
def test_sql_and_python_masks_agree(text: str) -> None:
    got = duckdb.execute(
        f"SELECT {mask_identifiers_sql('$t')}, {mask_value_sql('$t')}", {"t": text}
    ).fetchone()
    assert got == (mask_identifiers(text), mask_value(text))


@given(resident_ids(), _TEXT, _TEXT)
def test_no_resident_id_survives_in_free_text(rid: str, before: str, after: str) -> None:
    masked = mask_identifiers(before + " " + rid + " " + after)
    assert rid not in masked
    assert rid[6:14] not in masked  # nor its birth date


def test_null_stays_null() -> None:
    row = duckdb.execute(
        f"SELECT {mask_identifiers_sql('v')}, {mask_value_sql('v')} FROM (SELECT NULL::VARCHAR v)"
    ).fetchone()
    assert row == (None, None)
