"""Pure domain types of the policy layer: periods, attribute specs, vocabularies, grades."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyong.domain.catalogue import (
    PERMITTED_CATEGORIES,
    PROHIBITED,
    AttributeSpec,
    AttributeType,
    BreachDomain,
    Catalogue,
    DataCategory,
    NotDisplayed,
    Period,
    Polarity,
    RecordType,
)
from xinyong.domain.lists import RecordCondition
from xinyong.domain.measures import ACTIONS, PROHIBITED_ROLES, RESPONSIBLE_ROLES, Role
from xinyong.domain.record import EntryKind
from xinyong.domain.scoring import (
    Cap,
    CapBucket,
    GradeBand,
    ScoreItem,
    ScoringMethod,
    ScoringScheme,
)
from xinyong.domain.subject import SubjectKind
from xinyong.errors import NotFound


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 999))
def test_period_round_trips(years: int, months: int, days: int) -> None:
    p = Period(years, months, days)
    assert Period.parse(str(p)) == p


@pytest.mark.parametrize("text", ["P", "3M", "P1.5Y", "PT1H", "P-1D", "p1y", ""])
def test_bad_periods(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601 period"):
        Period.parse(text)


def test_weeks_become_days() -> None:
    assert Period.parse("P2W1D") == Period(days=15)


def _spec(t: AttributeType, **kw: object) -> AttributeSpec:
    return AttributeSpec("x", t, DataCategory.procedural, **kw)  # type: ignore[arg-type]


def test_attribute_coercion() -> None:
    money = _spec(AttributeType.decimal, scale=2, minimum=Decimal(0))
    assert money.coerce("12.50") == Decimal("12.50")
    assert money.coerce(12.5) == Decimal("12.5")
    assert money.check("1.005") == "has 3 decimal places; at most 2 allowed"
    assert money.check(-1) == "must be ≥ 0 (got -1)"
    assert money.check(True) == "must be a number (got True)"
    assert _spec(AttributeType.integer).check(1.0) == "must be a whole number (got 1.0)"
    assert _spec(AttributeType.boolean).check("yes") == "must be true or false (got 'yes')"
    assert _spec(AttributeType.date).coerce("2024-02-29") == date(2024, 2, 29)
    assert _spec(AttributeType.date).check("2023-02-29") is not None
    ground = _spec(AttributeType.enum, values=("refuses", "evades"))
    assert ground.check("refuse") == (
        "must be one of refuses, evades (got 'refuse'). Did you mean 'refuses'?"
    )
    assert _spec(AttributeType.string, max_length=2).check("abc") is not None


def _record_type(name: str) -> RecordType:
    return RecordType(
        name=name,
        title=name,
        authority="court",
        legal_basis=(),
        polarity=Polarity.negative,
        subject_kinds=frozenset({SubjectKind.individual}),
        attributes=MappingProxyType({"x": _spec(AttributeType.string, required=True)}),
        publishable=False,
        publication_basis=(),
        disclosure=NotDisplayed(),
        data_category=DataCategory.enforcement,
        domain=BreachDomain.judicial_enforcement,
        entry_kinds=frozenset({EntryKind.record}),
    )


def test_catalogue_is_a_mapping_with_a_strict_get() -> None:
    cat = Catalogue([_record_type("court.a"), _record_type("court.b")])
    assert list(cat) == ["court.a", "court.b"] and len(cat) == 2 and "court.a" in cat
    assert cat.record_types.get("nope") is None
    with pytest.raises(NotFound, match=r"unknown record type 'court.c'\. Did you mean"):
        cat.get("court.c")
    assert cat["court.a"].check_attributes({"y": 1}) == [
        ("y", "unknown attribute 'y' of court.a"),
        ("x", "required attribute of court.a is missing"),
    ]


def test_the_special_categories_are_known_and_prohibited() -> None:
    named = {
        "political_opinion",
        "political_activity",
        "petitioning",
        "online_speech",
        "religion",
        "ethnicity",
        "health",
        "genetics",
        "biometrics",
        "sexual_life",
        "social_relationships",
        "location",
        "family_relations",
    }
    assert named <= {c.value for c in PROHIBITED}
    assert not named & set(PERMITTED_CATEGORIES)
    for category, why in PROHIBITED.items():
        assert why.principle in (1, 2, 3, 5)
        assert not category.permitted and category.prohibition is why


def test_roles_and_actions() -> None:
    assert {"family_member", "spouse", "child", "relative", "associate"} <= set(PROHIBITED_ROLES)
    assert {r.value for r in RESPONSIBLE_ROLES} == {
        "legal_representative",
        "principal_responsible_person",
        "actual_controller",
        "directly_responsible_person",
    }
    assert Role.subject not in PROHIBITED_ROLES | RESPONSIBLE_ROLES
    for action in (
        "air_travel.book",
        "rail.high_speed.book",
        "procurement.bid",
        "company.register",
        "rental.deposit_waiver",
        "admin.green_channel",
    ):
        assert action in ACTIONS


@st.composite
def bands(draw: st.DrawFn) -> tuple[GradeBand, ...]:
    minimums = sorted(
        draw(st.lists(st.integers(-500, 1500), unique=True, max_size=6)), reverse=True
    )
    return (*(GradeBand(f"G{i}", m) for i, m in enumerate(minimums)), GradeBand("floor", None))


@given(bands(), st.integers(-1000, 2000), st.integers(-1000, 2000))
def test_grades_are_monotone_in_the_score(b: tuple[GradeBand, ...], x: int, y: int) -> None:
    scheme = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 0, (), b)
    rank = [band.grade for band in b]
    low, high = sorted((x, y))
    assert rank.index(scheme.grade_for(high)) <= rank.index(scheme.grade_for(low))


@given(bands(), st.integers(-1000, 2000), st.data())
def test_a_grade_cap_only_lowers_the_grade(
    b: tuple[GradeBand, ...], x: int, data: st.DataObject
) -> None:
    scheme = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 0, (), b)
    rank = [band.grade for band in b]
    caps = data.draw(st.lists(st.sampled_from(rank), max_size=3))
    got = scheme.grade_for(x, at_most=caps)
    assert rank.index(got) == max([rank.index(scheme.grade_for(x)), *map(rank.index, caps)])


def test_grade_caps_name_known_grades() -> None:
    bands = (GradeBand("A", 960), GradeBand("C", None))
    scheme = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 0, (), bands)
    assert scheme.grade_for(1000, at_most=["C"]) == "C"
    with pytest.raises(ValueError, match=r"unknown grade 'B' \(bands: A, C\)"):
        scheme.grade_for(1000, at_most=["B"])


def test_cap_buckets_are_calendar_periods() -> None:
    assert [Cap(1, Period.parse(p)).bucket for p in ("P1Y", "P1M", "P1W", "P1D")] == [
        CapBucket.year,
        CapBucket.month,
        CapBucket.week,
        CapBucket.day,
    ]
    assert Cap(1).bucket is None
    with pytest.raises(ValueError, match="not a calendar bucket"):
        _ = Cap(1, Period(days=30)).bucket


def test_deductions_and_grade_caps_count_as_breach_domains() -> None:
    cat = Catalogue([_record_type("court.a")])
    item = ScoreItem("i", RecordCondition("court.a"), 10, None, ())
    scheme = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 0, (item,), ())
    assert scheme.breach_domains(cat) == frozenset()
    penalty = ScoreItem("p", RecordCondition("court.a"), -10, None, ())
    scheme = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 0, (penalty,), ())
    assert scheme.breach_domains(cat) == {BreachDomain.judicial_enforcement}
    cap = ScoreItem("c", RecordCondition("court.a"), 0, None, (), grade_at_most="C")
    assert cap.adverse and not item.adverse
    scheme = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 0, (cap,), ())
    assert scheme.breach_domains(cat) == {BreachDomain.judicial_enforcement}
