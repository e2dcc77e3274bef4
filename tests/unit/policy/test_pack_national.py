"""The shipped pack `packs/national` loads, and exposes what ingest and the engines rely on."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pack_helpers import NATIONAL, warnings

from xinyong.domain.catalogue import AttributeType, DataCategory, TieredDisplay, UntilExitDisplay
from xinyong.domain.lists import ListKind
from xinyong.domain.measures import RESPONSIBLE_ROLES, ListTrigger, MeasureKind, Role
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.errors import NotFound
from xinyong.policy import Pack, load_pack

COURT = {
    "court.judgment.effective",
    "court.enforcement.case_filed",
    "court.enforcement.notice",
    "court.enforcement.dishonesty_decision",
    "court.enforcement.listing_bar",
    "court.enforcement.list_deletion",
    "court.enforcement.performance",
    "court.enforcement.settlement",
    "court.enforcement.settlement_performance",
    "court.enforcement.consumption_restriction",
    "court.enforcement.consumption_restriction_lifted",
    "court.enforcement.listing_extension",
}
ROLE = "registration.officer_role"
ADMIN = {"admin.penalty.market_regulation", "admin.penalty.tax", "admin.penalty.environment"}


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(NATIONAL)


def test_identity(pack: Pack) -> None:
    assert (pack.name, pack.label, pack.jurisdiction) == ("national", "2026.1", "CN")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", pack.version)
    assert pack.short_version == pack.version[:19]
    assert pack.path == NATIONAL


def test_catalogue(pack: Pack) -> None:
    assert set(pack.catalogue) == COURT | ADMIN | {"tax.rating.a_grade", ROLE}
    assert pack.catalogue.record_types is not None
    for rt in pack.catalogue.values():
        assert rt.legal_basis, rt.name
        assert {EntryKind.record, EntryKind.correction, EntryKind.revocation} <= rt.entry_kinds
        assert rt.data_category.permitted
        assert all(a.data_category.permitted for a in rt.attributes.values())


def test_dishonesty_decision_is_what_ingest_needs(pack: Pack) -> None:
    rt = pack.catalogue.get("court.enforcement.dishonesty_decision")
    assert rt.subject_kinds == frozenset(SubjectKind)
    assert rt.entry_kinds == {EntryKind.record, EntryKind.correction, EntryKind.revocation}
    ground = rt.attributes["ground"]
    assert ground.type is AttributeType.enum and ground.required
    assert len(ground.values) == 6 and ground.values[0] == "refuses_despite_ability"
    amount = rt.attributes["amount_unperformed"]
    assert (amount.type, amount.scale, amount.minimum, amount.unit) == (
        AttributeType.decimal,
        2,
        Decimal(0),
        "CNY",
    )
    assert rt.attributes["case_number"].max_length == 64
    assert rt.publishable and rt.publication_basis
    assert isinstance(rt.disclosure, UntilExitDisplay)
    assert rt.disclosure.record_types == ("court.enforcement.list_deletion",)


def test_deletion_grounds_cover_article_10(pack: Pack) -> None:
    values = pack.catalogue.get("court.enforcement.list_deletion").attributes["ground"].values
    assert len(values) == 9  # Art 10 (1)-(7), fixed-term expiry, Art 2 early deletion


def test_penalties_follow_order_36(pack: Pack) -> None:
    for name in ADMIN:
        rt = pack.catalogue.get(name)
        assert isinstance(rt.disclosure, TieredDisplay)
        tiers = {k: (str(t.minimum), str(t.maximum)) for k, t in rt.disclosure.tiers.items()}
        assert tiers == {
            "minor": ("P0D", "P3M"),
            "general": ("P3M", "P1Y"),
            "serious": ("P1Y", "P3Y"),
        }
        assert SubjectKind.individual not in rt.subject_kinds


def test_unknown_record_type_suggests(pack: Pack) -> None:
    with pytest.raises(NotFound, match=r"Did you mean 'court.judgment.effective'"):
        pack.catalogue.get("court.judgement.effective")


def test_dishonest_list(pack: Pack) -> None:
    cl = pack.lists["dishonest_judgment_debtors"]
    assert cl.kind is ListKind.blacklist
    first, other = cl.entry
    assert first.open_term and first.unless
    assert str(other.term) == "P2Y"
    # Art 2: one extension, for the years a court orders in a decision naming a serious case
    (ext,) = other.extensions
    assert (str(ext.minimum), str(ext.maximum)) == ("P1Y", "P3Y")
    assert ext.length is not None and ext.length.attribute == "extended_by_years"
    assert ext.when[0].record_type == "court.enforcement.listing_extension"
    assert ext.when[0].same == ("case_number",)
    assert cl.exclusions[0].subject is not None and cl.exclusions[0].subject.age_under == 18
    assert cl.notice is not None and cl.notice.before_listing
    assert {e.deadline_working_days for e in cl.exit} == {3}
    # Art 10 para 2: the para 1 grounds end the open-term listing only
    ends = {e.name: (e.ends(first.name), e.ends(other.name)) for e in cl.exit}
    assert ends["performed"] == ends["settlement_performed"] == (True, False)
    assert ends["fixed_term_elapsed"] == ends["deleted_early"] == (False, True)
    assert ends["wrongly_listed"] == (True, True)
    assert cl.record_types() >= {
        "court.enforcement.dishonesty_decision",
        "court.enforcement.notice",
    }


def test_measures_reach_only_persons_the_law_names(pack: Pack) -> None:
    air = pack.measures["restrict_air_travel"]
    assert air.kind is MeasureKind.sanction and air.trigger == ListTrigger(
        "high_consumption_restricted"
    )
    assert Role.legal_representative in air.targets <= air.named_roles() | {Role.subject}
    for m in pack.measures.values():
        assert not any(r.prohibited for r in m.targets)
    bid = pack.measures["bar_government_procurement"]
    assert bid.targets == {Role.subject}
    # the officers a measure reaches, and the one record type through which it reaches them
    assert air.reached_roles() == RESPONSIBLE_ROLES
    assert [c.article for c in air.naming(Role.actual_controller)] == ["Art 3 para 2"]
    assert bid.reached_roles() == frozenset()
    role = pack.catalogue.get(ROLE)
    assert role.officer_role is not None and role.subject_kinds == {SubjectKind.individual}
    assert set(role.attributes["role"].values) == {r.value for r in RESPONSIBLE_ROLES}
    luxury = pack.measures["restrict_luxury_consumption"].actions
    assert {"nightclub.spend", "golf.play", "housing.build_or_renovate"} <= set(luxury)
    assert "vehicle.non_business.buy" in luxury
    assert "school.high_fee_private.enrol" not in luxury  # a child's schooling: principle 3


def test_cases_and_warnings(pack: Pack) -> None:
    assert len(pack.cases) == 18
    assert pack.cases["minor_is_never_listed"].birth_date is not None
    # only the A-grade taxpayer assumption is flagged: it rests on an unconfirmed [U] source
    assert {w.split(" ", 1)[0].rsplit(":", 2)[0] for w in warnings(pack)} == {
        "catalogue/tax.yaml",
        "lists/a_grade_taxpayers.yaml",
    }


def test_no_prohibited_category_is_used_anywhere(pack: Pack) -> None:
    used = {rt.data_category for rt in pack.catalogue.values()} | {
        a.data_category for rt in pack.catalogue.values() for a in rt.attributes.values()
    }
    assert not used & {c for c in DataCategory if not c.permitted}
