"""Attributes are read once into typed columns; one name with two types gets two columns.

Two record types both have an `amount`, an integer on one and a string on the other. Each is
compared in its own type (150 ≥ 100 as numbers; "high" as text), corrections replace the value
read, and the plan with DuckDB's one-parse JSON path lists gives what the portable plan (one
parse per attribute) and the pure-Python reference give.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from types import MappingProxyType

import duckdb
import pytest
from tests.engines.packs import PACKS
from tests.unit.engines.ledger import Ledger

from xinyong.compiler import PORTABLE, compile_pack
from xinyong.domain.catalogue import (
    AttributeSpec,
    AttributeType,
    Catalogue,
    Citation,
    FixedDisplay,
    Period,
    RecordType,
)
from xinyong.domain.lists import AttributeCondition, RecordCondition
from xinyong.domain.record import EntryKind
from xinyong.domain.results import Results
from xinyong.domain.scoring import GradeBand, ScoreItem, ScoringMethod, ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.engines import reference
from xinyong.engines.duckdb import DuckDBEngine
from xinyong.engines.spark import entries_arrow
from xinyong.policy import Pack, load_pack

BASIS = (Citation("test-basis"),)
PENALTY = "admin.penalty.market_regulation"
AS_OF = date(2026, 11, 22)


def _pack() -> Pack:
    national = load_pack(PACKS / "national")
    base = national.catalogue[PENALTY]
    category = base.attributes["fine_amount"].data_category

    def typed(name: str, type_: AttributeType) -> RecordType:
        spec = AttributeSpec("amount", type_, category)
        return dataclasses.replace(
            base,
            name=name,
            attributes=MappingProxyType({"amount": spec}),
            disclosure=FixedDisplay(Period(years=5)),
        )

    counted = typed("test.counted", AttributeType.integer)
    labelled = typed("test.labelled", AttributeType.string)
    catalogue = Catalogue([*national.catalogue.values(), counted, labelled])
    scheme = ScoringScheme(
        name="amounts",
        title="Amounts",
        method=ScoringMethod.points,
        legal_basis=BASIS,
        subject_kinds=frozenset({SubjectKind.individual}),
        base=100,
        items=(
            ScoreItem(
                "large",
                RecordCondition(
                    "test.counted",
                    where=(AttributeCondition("amount", at_least=100),),
                    within=Period(years=5),
                ),
                -10,
                None,
                BASIS,
            ),
            ScoreItem(
                "high",
                RecordCondition(
                    "test.labelled", where=(AttributeCondition("amount", one_of=("high",)),)
                ),
                -5,
                None,
                BASIS,
            ),
        ),
        grades=(GradeBand("A", 100), GradeBand("B", None)),
    )
    return dataclasses.replace(
        national, catalogue=catalogue, schemes={scheme.name: scheme}, measures={}, lists={}
    )


def _ledger() -> Ledger:
    led = Ledger()
    led.add("test.counted", date(2025, 1, 5), {"amount": 150})  # counts
    # 9 < 100 as numbers, though "9" > "100" as text
    led.add("test.counted", date(2025, 2, 5), {"amount": 9})
    low = led.add("test.counted", date(2025, 3, 5), {"amount": 50})
    led.act(EntryKind.correction, low, date(2025, 4, 1), {"amount": 500})  # now counts
    led.add("test.labelled", date(2025, 1, 5), {"amount": "high"})  # counts
    led.add("test.labelled", date(2025, 1, 6), {"amount": "150"})
    return led


def _duckdb(pack: Pack, led: Ledger, *, portable: bool) -> Results:
    con = duckdb.connect()
    con.register("rows", entries_arrow(led.rows))
    con.execute("CREATE TABLE entries AS SELECT * FROM rows")
    engine = DuckDBEngine(con)
    if portable:
        return engine.run(compile_pack(pack, AS_OF, capabilities=PORTABLE))
    return engine.evaluate(pack, AS_OF)


@pytest.mark.parametrize("portable", [False, True], ids=["json-path-lists", "portable"])
def test_one_name_two_types_compared_each_in_its_own(portable: bool) -> None:
    pack, led = _pack(), _ledger()
    plan = compile_pack(pack, AS_OF, capabilities=DuckDBEngine.capabilities)
    records = plan.steps[[s.name for s in plan.steps].index("xy_records")].sql("duckdb")
    assert "a_amount_0" in records and "a_amount_1" in records
    got = _duckdb(pack, led, portable=portable)
    assert got.sorted()["scores"] == [("s", "amounts", 75, "B")]  # 100 - 2 x 10 - 5
    items = {r[2]: (r[3], r[4]) for r in got.sorted()["score_items"]}
    assert items == {"large": (2, -20), "high": (1, -5)}
    assert got.hash() == reference.evaluate(pack, led.rows, AS_OF).hash()
