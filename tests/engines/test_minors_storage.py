"""Ledger format 2 keeps a birth date only on entries decided while the subject is a minor.

The minors exclusion must decide exactly as it did with every entry carrying the birth date:
the same entries, once with full birth dates and once as ingest now stores them, give the same
results on DuckDB and on the reference evaluator, at dates before and after subjects come of age.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from xinyong.engines import reference

from . import data
from .conftest import DuckDBCtx
from .packs import pack

DATES = (date(2019, 3, 1), date(2024, 6, 1), date(2026, 11, 1))


@pytest.mark.parametrize("name", ["national", "rongcheng"])
def test_minimised_birth_dates_decide_as_full_ones(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = pack(name)
    kept, _ = data.entries_for(p, rows=2500, seed=3)
    with monkeypatch.context() as m:
        m.setattr(data, "kept_birth_date", lambda born, decided: born)
        full, _ = data.entries_for(p, rows=2500, seed=3)
    assert [r[:6] + r[7:] for r in kept] == [r[:6] + r[7:] for r in full]
    kept_birth = {r[0]: r[6] for r in kept}
    births: dict[str, set[bool]] = defaultdict(set)
    for r in full:
        if r[6] is not None:
            births[str(r[4])].add(kept_birth[r[0]] is not None)
    came_of_age = [k for k, seen in births.items() if seen == {True, False}]
    assert came_of_age, "the data should hold subjects with records before and after 18"
    assert sum(r[6] is not None for r in kept) < sum(r[6] is not None for r in full) / 2

    for as_of in DATES:
        got = []
        for rows in (full, kept):
            duck = DuckDBCtx()
            try:
                duck.load(rows)
                got.append(duck.evaluate(p, as_of).sorted())
            finally:
                duck.close()
            got.append(reference.evaluate(p, rows, as_of).sorted())
        assert got[0] == got[1] == got[2] == got[3], as_of
