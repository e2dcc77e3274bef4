"""Which records a decision rests on (`checker.relied_records`): what the decision log keeps so
that a correction reaches every past decision that used the record (due process)."""

from __future__ import annotations

from datetime import date
from functools import cache
from types import SimpleNamespace

from tests.unit.engines.ledger import PACKS, Ledger

from xinyong.checker import relied_records
from xinyong.domain.record import EntryKind
from xinyong.engines import reference
from xinyong.policy import Pack, load_pack

DAY = date(2026, 6, 1)
DOC = {"decision_number": "荣公奖〔2026〕1号", "authority_name": "荣成市公安局"}


@cache
def rongcheng() -> Pack:
    return load_pack(PACKS / "rongcheng")


def _entries(ledger: Ledger) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(seq=r[0], entry_kind=EntryKind(r[1]), record_type=r[3]) for r in ledger.rows
    ]


def test_a_grade_reward_rests_on_every_record_the_scheme_scores() -> None:
    pack = rongcheng()
    ledger = Ledger()
    heroic = [ledger.add("honour.heroic_act", date(2026, 1, d), DOC) for d in (5, 6)]
    fine = ledger.add("traffic.violation", date(2026, 2, 1), DOC)
    ledger.add("honour.heroic_act", date(2026, 1, 7), DOC, subject="someone else")
    results = reference.evaluate(pack, ledger.rows, DAY)
    scores = {r[0]: r[3] for r in results["scores"]}
    assert scores["s"] == "AAA"  # 1000 + 2 × 30 − 5 = 1055
    read: list[int] = []

    def entries() -> list[SimpleNamespace]:
        read.append(1)
        return [e for e in _entries(ledger) if e.seq != 4]  # the subject's own

    # the heating discount is given at AAA: a correction to any scored record may take it away
    relied = relied_records(pack, results, "s", "utility.heating_discount", entries)  # type: ignore[arg-type]
    assert relied == sorted([*heroic, fine])
    # an action no grade measure touches rests on nothing, and the entries are not read for it
    read.clear()
    assert relied_records(pack, results, "s", "air_travel.book", entries) == []  # type: ignore[arg-type]
    assert read == []


def test_a_grade_the_measure_does_not_name_rests_on_nothing() -> None:
    pack = rongcheng()
    ledger = Ledger()
    ledger.add("traffic.violation", date(2026, 2, 1), DOC)
    results = reference.evaluate(pack, ledger.rows, DAY)
    assert {r[3] for r in results["scores"] if r[0] == "s"} == {"A"}  # 995: no AAA discount
    relied = relied_records(
        pack,
        results,
        "s",
        "utility.heating_discount",
        lambda: _entries(ledger),  # type: ignore[arg-type,return-value]
    )
    assert relied == []
