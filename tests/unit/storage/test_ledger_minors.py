"""Format 2: the ledger keeps a birth date only on entries decided while the subject is a minor."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_helpers import OpenLedger, batch, on_both_stores, row

from xinyong.domain.subject import comes_of_age, kept_birth_date
from xinyong.errors import LedgerError
from xinyong.ingest.validate import kept_birth_date_sql
from xinyong.storage.duckdb import DuckDBLedger

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@on_both_stores
def test_a_birth_date_of_an_adult_is_refused(ledger: DuckDBLedger) -> None:
    person = {"subject_scheme": "resident_id", "subject_kind": "individual"}
    minor = row(1, **person, subject_birth_date=date(2010, 5, 1))  # decided 2023-01-02: aged 12
    ledger.append(batch([minor]), NOW)
    adult = row(2, **person, subject_birth_date=date(1980, 5, 1))
    with pytest.raises(LedgerError, match="kept only while the subject is a minor") as caught:
        ledger.append(batch([adult]), NOW)
    assert "batch row 0: subject_birth_date 1980-05-01" in str(caught.value)
    assert ledger.size() == 1


def test_a_format_1_ledger_is_not_opened(open_ledger: OpenLedger) -> None:
    ledger = open_ledger()
    path = ledger.path
    ledger.close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE ledger_meta SET value = '1' WHERE key = 'format_version'")
    con.close()
    with pytest.raises(LedgerError, match="ledger format '1' is not the supported '3'"):
        open_ledger()


@settings(deadline=None)  # the first DuckDB query of a process is slow
@given(
    st.dates(min_value=date(1800, 1, 1), max_value=date(2026, 12, 31)),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)),
)
def test_kept_birth_date_sql_equals_python(born: date, decided: date) -> None:
    got = duckdb.execute(
        f"SELECT {kept_birth_date_sql('$b::DATE', '$d::DATE')}", {"b": born, "d": decided}
    ).fetchone()
    assert got is not None
    assert got[0] == kept_birth_date(born, decided)
    assert (got[0] is not None) == (decided < comes_of_age(born))


def test_leap_day_births_come_of_age_on_28_february() -> None:
    born = date(2008, 2, 29)
    assert comes_of_age(born) == date(2026, 2, 28)
    assert kept_birth_date(born, date(2026, 2, 27)) == born
    assert kept_birth_date(born, date(2026, 2, 28)) is None
