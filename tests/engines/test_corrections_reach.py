"""After a correction or a revocation, no decision uses the record as it was: on the DuckDB
engine and on the reference evaluator, a ledger with the act evaluates exactly like a ledger in
which the record had the corrected values all along (or never existed)."""

from __future__ import annotations

import json
from datetime import date
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engines.conftest import DuckDBCtx
from tests.engines.data import entries_for
from xinyong.domain.record import EntryKind
from xinyong.domain.results import Results, Row
from xinyong.engines import reference
from xinyong.policy.pack import Pack
from xinyong.service import shipped_pack

AS_OF = date(2025, 6, 1)  # tests/engines/data.py's TODAY: every generated entry is decided by it
DECIDING = ("listings", "memberships", "decisions")


@cache
def _national() -> tuple[Pack, tuple[Row, ...]]:
    from xinyong.policy import load_pack

    pack = load_pack(shipped_pack("national"))
    rows, _ = entries_for(pack, rows=600, seed=11)
    return pack, tuple(rows)


def _records(rows: tuple[Row, ...], pack: Pack) -> list[Row]:
    """Records on which some list rests (their types anchor an entry rule)."""
    anchors = {
        c.record_type
        for cl in pack.lists.values()
        for rule in cl.entry
        for c in rule.when[:1]
        if hasattr(c, "record_type")
    }
    # (a record with a birth date is the only evidence of a minor's age: kept out, so that
    # "never existed" stays comparable)
    return [r for r in rows if r[1] == EntryKind.record.value and r[3] in anchors and r[6] is None]


def _deciding(results: Results) -> dict[str, list[Row]]:
    return {name: rows for name, rows in results.sorted().items() if name in DECIDING}


def _engines(pack: Pack, rows: list[Row]) -> list[Results]:
    ctx = DuckDBCtx()
    try:
        ctx.load(rows)
        sql = ctx.evaluate(pack, AS_OF)
    finally:
        ctx.close()
    return [sql, reference.evaluate(pack, rows, AS_OF)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), revoke=st.booleans())
def test_after_a_correction_no_decision_uses_the_record_as_it_was(
    data: st.DataObject, revoke: bool
) -> None:
    pack, rows = _national()
    target = data.draw(st.sampled_from(_records(rows, pack)))
    seq = int(target[0])
    same_type = [r for r in _records(rows, pack) if r[3] == target[3]]
    if revoke:
        act = (len(rows) + 1, "revocation", seq, *target[3:6], None, AS_OF, target[8])
        # the same ledger, without the record (and what acted on it): it never existed
        expected = [r for r in rows if r[0] != seq and r[2] != seq]
    else:
        other = data.draw(st.sampled_from(same_type))
        values = json.loads(str(other[8]))
        # keep the record's own case, so that `same:` conditions still join it to its case
        for keep in ("case_number", "court"):
            if keep in json.loads(str(target[8])):
                values[keep] = json.loads(str(target[8]))[keep]
        text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        act = (len(rows) + 1, "correction", seq, *target[3:6], None, AS_OF, text)
        # the record as corrected all along; its earlier corrections lose to the newest anyway
        expected = [
            (*r[:8], text) if r[0] == seq else r
            for r in rows
            if not (r[2] == seq and r[1] == EntryKind.correction.value)
        ]
    acted = [*rows, act]
    for got, want in zip(_engines(pack, acted), _engines(pack, expected), strict=True):
        assert _deciding(got) == _deciding(want)
        if revoke:
            assert all(r[3] != seq for r in got["listings"])
