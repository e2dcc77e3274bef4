"""The municipal scoring packs `rongcheng`, `fuzhou-jasmine` and `suining` load, have the scheme
sources.md §8 describes, leave out what the design principles forbid, and their hand-computed
example cases add up.

`_replay` is a deliberately small reference scorer for these cases only (record type, window,
revocation, calendar caps, grade caps, clamp): it re-does the arithmetic written in the cases'
descriptions, so a slip there fails here before the evaluation engine ever replays them.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Hashable
from datetime import date, timedelta

import pytest
from pack_helpers import REPO, warnings

from xinyong.domain.catalogue import DataCategory, Period
from xinyong.domain.measures import GradeTrigger, MeasureKind, Role
from xinyong.domain.record import EntryKind
from xinyong.domain.scoring import CapBucket, ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.policy import Pack, load_pack
from xinyong.policy.pack import Case
from xinyong.service import SHIPPED_PACKS, shipped_pack

PACKS = REPO / "packs"
MUNICIPAL = ("rongcheng", "fuzhou-jasmine", "suining")

# Criteria of the original schemes that no pack may hold: petitions (principle 2), family
# planning and births (principles 2 and 3), Party discipline (principle 2).
PROHIBITED_WORDS = re.compile(
    r"petition|family[ _.-]?planning|second[ _.-]?child|birth|party[ _.-]?(discipline|warning"
    r"|member)|上访|信访|计划生育|二胎|党纪",
    re.IGNORECASE,
)


def _load(name: str) -> Pack:
    return load_pack(PACKS / name)


@pytest.fixture(scope="module", params=MUNICIPAL)
def pack(request: pytest.FixtureRequest) -> Pack:
    name = request.param
    assert isinstance(name, str)
    return _load(name)


# --- what every municipal pack promises --------------------------------------------------------


def test_shipped_packs_are_listed_and_load() -> None:
    assert sorted(p.name for p in PACKS.iterdir() if (p / "pack.yaml").is_file()) == sorted(
        SHIPPED_PACKS
    )
    for name in SHIPPED_PACKS:
        assert shipped_pack(name) == PACKS / name
        assert load_pack(shipped_pack(name)).cases


def test_loads_without_warnings(pack: Pack) -> None:
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", pack.version)
    assert pack.label == "2026.1" and pack.jurisdiction.startswith("CN-")
    assert warnings(pack) == []


def test_every_rule_cites_a_declared_source(pack: Pack) -> None:
    for rt in pack.catalogue.values():
        assert rt.legal_basis and {c.source for c in rt.legal_basis} <= set(pack.sources)
    for s in pack.schemes.values():
        assert s.legal_basis
        for item in s.items:
            assert item.legal_basis, item.name
            assert {c.source for c in item.legal_basis} <= set(pack.sources)
    for m in pack.measures.values():
        assert m.legal_basis and {c.source for c in m.legal_basis} <= set(pack.sources)


def test_individuals_only_private_and_correctable(pack: Pack) -> None:
    for rt in pack.catalogue.values():
        assert rt.subject_kinds == {SubjectKind.individual}, rt.name
        assert not rt.publishable, rt.name  # no source gives a publication basis (principle 4)
        assert {EntryKind.correction, EntryKind.revocation} <= rt.entry_kinds
    for s in pack.schemes.values():
        assert s.subject_kinds == {SubjectKind.individual}
        assert all(i.condition.within is not None for i in s.items if i.adverse)


def test_no_prohibited_data_or_criteria(pack: Pack) -> None:
    prohibited = {c for c in DataCategory if not c.permitted}
    for rt in pack.catalogue.values():
        assert rt.data_category not in prohibited, rt.name
        assert not {a.data_category for a in rt.attributes.values()} & prohibited, rt.name
        text = " ".join((rt.name, rt.title, rt.description, *rt.attributes))
        assert not PROHIBITED_WORDS.search(text), rt.name
    for s in pack.schemes.values():
        for item in s.items:
            assert not PROHIBITED_WORDS.search(item.name), item.name


def test_measures_reach_only_the_subject(pack: Pack) -> None:
    for m in pack.measures.values():
        assert m.targets == {Role.subject}, m.name
        assert isinstance(m.trigger, GradeTrigger)
        # no action that a child would bear (principle 3)
        assert "school.high_fee_private.enrol" not in m.actions


# --- each scheme as sources.md §8 describes it --------------------------------------------------


def _bands(s: ScoringScheme) -> list[tuple[str, int | None]]:
    return [(b.grade, b.minimum) for b in s.grades]


def test_rongcheng() -> None:
    pack = _load("rongcheng")
    assert pack.name == "rongcheng"
    s = pack.schemes["personal_credit"]
    assert (s.base, s.minimum, s.maximum, s.rewards_only) == (1000, None, None, False)
    assert _bands(s) == [
        ("AAA", 1050),
        ("AA", 1030),
        ("A", 960),
        ("B", 850),
        ("C", 600),
        ("D", None),
    ]
    items = {i.name: i for i in s.items}
    # the Personal Credit Assessment Standards, Attachment 1
    assert {n: i.points for n, i in items.items()} == {
        "contract_non_performance": -20,
        "found_in_breach_by_court": -50,
        "bank_arrears": -10,
        "private_lending_breach": -20,
        "illegal_fundraising": -40,
        "mlm_or_fraud": -30,
        "counterfeit_goods": -30,
        "late_utility_fees": -20,
        "utility_arrears_found": -50,
        "illegal_heating_hookup": -50,
        "utility_theft": -60,
        "utility_equipment_damage": -100,
        "traffic_violation": -5,
        "drunk_driving": 0,
        "heroic_act": 30,
    }
    arrears = items["bank_arrears"].cap
    assert arrears is not None and (arrears.points, arrears.bucket) == (10, CapBucket.month)
    assert items["drunk_driving"].grade_at_most == "C"
    assert [i.name for i in s.items if i.grade_at_most] == ["drunk_driving"]
    # the village-committee candidacy bar is political participation: never encoded
    assert not [m for m in pack.measures.values() if m.kind is MeasureKind.sanction]
    heating = pack.measures["heating_fee_discount"]
    assert heating.trigger == GradeTrigger("personal_credit", frozenset({"AAA"}))
    assert heating.actions == ("utility.heating_discount",)
    # the thresholds are marked unconfirmed
    assert pack.sources["rongcheng-thresholds"].confidence == "U"


def test_fuzhou_jasmine() -> None:
    pack = _load("fuzhou-jasmine")
    assert pack.name == "fuzhou_jasmine"
    s = pack.schemes["jasmine_points"]
    assert (s.base, s.minimum, s.maximum) == (500, 0, 1000)
    assert _bands(s) == [
        ("850-1000", 850),
        ("750-849", 750),
        ("650-749", 650),
        ("550-649", 550),
        ("350-549", 350),
        ("0-349", 0),
    ]
    assert any(
        i.points < 0 and i.condition.record_type == "rental.item_not_returned" for i in s.items
    )
    (reward,) = pack.measures.values()
    assert reward.kind is MeasureKind.reward and reward.actions == ("rental.free_period",)
    assert reward.trigger == GradeTrigger(
        "jasmine_points", frozenset({"650-749", "750-849", "850-1000"})
    )


def test_suining() -> None:
    pack = _load("suining")
    s = pack.schemes["mass_credit"]
    assert (s.base, s.maximum) == (1000, 1000)
    assert [g for g, _ in _bands(s)] == ["A", "B", "C", "D"]
    points = {i.condition.record_type: i.points for i in s.items}
    assert points["finance.missed_loan_payment"] == -30  # 420 points for 14 payments
    assert points["honour.national_award"] == 100
    assert all(10 <= -p <= 50 for p in points.values() if p < 0)
    # only the A-grade reward survives; school entry, promotion, community aid and business
    # licences are left out (principles 3 and 6)
    assert [(m.name, m.kind, m.actions) for m in pack.measures.values()] == [
        ("social_security_priority", MeasureKind.reward, ("public_service.priority",))
    ]
    assert set(pack.catalogue) == {
        "finance.missed_loan_payment",
        "traffic.violation",
        "honour.national_award",
    }
    description = " ".join(pack.description.split())
    for left_out in ("petitioning", "second child", "Party discipline", "school entry"):
        assert left_out in description


# --- the worked examples add up ------------------------------------------------------------------


def _minus(day: date, period: Period) -> date:
    """`day` minus a calendar period; 31 March minus a month is the last day of February."""
    year, month = divmod(day.year * 12 + day.month - 1 - period.years * 12 - period.months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last)) - timedelta(days=period.days)


def _bucket(day: date, bucket: CapBucket | None) -> Hashable:
    if bucket is None:
        return None
    if bucket is CapBucket.year:
        return day.year
    if bucket is CapBucket.month:
        return (day.year, day.month)
    if bucket is CapBucket.week:
        return day.isocalendar()[:2]
    return day


def _replay(pack: Pack, case: Case) -> tuple[dict[str, int], dict[str, str], set[str]]:
    revoked = {r.refers_to for r in case.records if r.entry_kind is EntryKind.revocation}
    assert all(r.entry_kind in (EntryKind.record, EntryKind.revocation) for r in case.records)
    live = [r for r in case.records if r.entry_kind is EntryKind.record and r.id not in revoked]
    scores, grades = {}, {}
    for s in pack.schemes.values():
        total, caps = s.base, []
        for item in s.items:
            assert not item.condition.where, "the reference scorer reads no `where:`"
            within = item.condition.within
            since = None if within is None else _minus(case.as_of, within)
            matching = [
                r
                for r in live
                if r.record_type == item.condition.record_type
                and (since is None or r.decision_date > since)
            ]
            per: dict[Hashable, int] = defaultdict(int)
            for r in matching:
                per[_bucket(r.decision_date, item.cap.bucket if item.cap else None)] += item.points
            for points in per.values():
                limit = item.cap.points if item.cap else abs(points)
                total += max(-limit, min(limit, points))
            if matching and item.grade_at_most is not None:
                caps.append(item.grade_at_most)
        scores[s.name] = s.clamp(total)
        grades[s.name] = s.grade_for(scores[s.name], at_most=caps)
    measures = {
        m.name
        for m in pack.measures.values()
        if isinstance(m.trigger, GradeTrigger) and grades.get(m.trigger.scheme) in m.trigger.grades
    }
    return scores, grades, measures


def _cases() -> list[object]:
    return [
        pytest.param(name, case, id=f"{name}:{case}")
        for name in MUNICIPAL
        for case in _load(name).cases
    ]


@pytest.mark.parametrize(("name", "case_name"), _cases())
def test_case_expectations_add_up(name: str, case_name: str) -> None:
    pack = _load(name)
    case = pack.cases[case_name]
    scores, grades, measures = _replay(pack, case)
    assert case.expect.scores and case.expect.grades, "every example states score and grade"
    assert case.records, "engines score subjects that have entries; give every example one"
    assert dict(case.expect.scores) == {k: scores[k] for k in case.expect.scores}
    assert dict(case.expect.grades) == {k: grades[k] for k in case.expect.grades}
    assert set(case.expect.measures) == measures
    for action, outcome in case.expect.actions.items():
        rewarded = any(action in pack.measures[m].actions for m in measures)
        assert outcome == ("reward" if rewarded else "allow"), action


def test_reference_scorer_windows_are_calendar_periods() -> None:
    assert _minus(date(2024, 6, 1), Period(years=3)) == date(2021, 6, 1)
    assert _minus(date(2024, 3, 31), Period(months=1)) == date(2024, 2, 29)
    assert _minus(date(2024, 1, 10), Period(days=14)) == date(2023, 12, 27)
