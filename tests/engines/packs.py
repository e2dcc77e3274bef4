"""The packs the conformance suite runs: every shipped pack, and one variant of the national pack
that reaches what the shipped packs do not (yet) use.

The variant adds to the national pack
- a points scheme with a cap per calendar year, month, ISO week and day and over the whole
  window, a grade ceiling, a floor and a ceiling on points, over records with tiered, fixed and
  until-exit display, and measures on its grades;
- a list anchored on the second matching record (`at_least: 2`), with a fixed term of months and
  days (month-end clamping), an exit needing two matching records (the ranked path), a notice with
  a wait, an exclusion by subject kind and one by condition.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

from xinyong.domain.catalogue import Citation, Period
from xinyong.domain.lists import (
    AttributeCondition,
    CreditList,
    EntryRule,
    Exclusion,
    ExitEvent,
    ExitRule,
    ListKind,
    Notice,
    Publication,
    PublicationScope,
    RecordCondition,
    SubjectCondition,
)
from xinyong.domain.measures import GradeTrigger, ListTrigger, MeasureKind
from xinyong.domain.scoring import Cap, GradeBand, ScoreItem, ScoringMethod, ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.policy import Pack, load_pack

REPO = Path(__file__).resolve().parents[2]
PACKS = REPO / "packs"
VARIANT = "national+variant"
BASIS = (Citation("conformance-suite"),)
TAX = "admin.penalty.tax"
MARKET = "admin.penalty.market_regulation"
DECISION = "court.enforcement.dishonesty_decision"


def shipped() -> list[str]:
    """Folder names of the packs under packs/, national first."""
    names = sorted(p.parent.name for p in PACKS.glob("*/pack.yaml"))
    return sorted(names, key=lambda n: n != "national")


@cache
def pack(name: str) -> Pack:
    if name == VARIANT:
        return variant(load_pack(PACKS / "national"))
    return load_pack(PACKS / name)


def _item(name: str, condition: RecordCondition, points: int, cap: Cap | None) -> ScoreItem:
    return ScoreItem(name, condition, points, cap, BASIS)


def variant(national: Pack) -> Pack:
    kinds = frozenset(SubjectKind)
    scheme = ScoringScheme(
        name="conformance_points",
        title="Conformance points",
        method=ScoringMethod.points,
        legal_basis=BASIS,
        subject_kinds=kinds,
        base=80,
        items=(
            _item("tax_per_year", RecordCondition(TAX), -7, Cap(20, Period(years=1))),
            _item("market_per_month", RecordCondition(MARKET), -5, Cap(12, Period(months=1))),
            _item("market_per_week", RecordCondition(MARKET), -3, Cap(4, Period(days=7))),
            _item(
                "tax_per_day",
                RecordCondition(TAX, within=Period(years=2)),
                -2,
                Cap(3, Period(days=1)),
            ),
            _item("decisions_overall", RecordCondition(DECISION), -15, Cap(40)),
            _item(
                "rated", RecordCondition("tax.rating.a_grade", within=Period(months=18)), 30, None
            ),
            ScoreItem(
                "serious_penalty",
                RecordCondition(
                    MARKET,
                    where=(AttributeCondition("severity", one_of=("serious",)),),
                    within=Period(years=3),
                ),
                0,
                None,
                BASIS,
                grade_at_most="C",
            ),
            _item(
                "large_fines",
                RecordCondition(
                    TAX,
                    where=(
                        AttributeCondition("fine_amount", at_least="100000.00", at_most="4000000"),
                    ),
                ),
                -4,
                None,
            ),
        ),
        grades=(
            GradeBand("A", 100),
            GradeBand("B", 80),
            GradeBand("C", 65),
            GradeBand("D", None),
        ),
        minimum=0,
        maximum=150,
    )
    repeat = CreditList(
        name="repeat_tax_offenders",
        kind=ListKind.watch_list,
        title="Repeat tax offenders",
        legal_basis=BASIS,
        subject_kinds=frozenset(
            {SubjectKind.enterprise, SubjectKind.individual, SubjectKind.social_organisation}
        ),
        entry=(
            EntryRule(
                "second_penalty",
                (RecordCondition(TAX, at_least=2, within=Period(years=4)),),
                (),
                Period(years=1, months=7, days=10),
                (),
                BASIS,
            ),
        ),
        exclusions=(
            Exclusion(
                "organisations",
                (),
                SubjectCondition(kinds=frozenset({SubjectKind.social_organisation})),
                BASIS,
            ),
            Exclusion(
                "rated",
                (RecordCondition("tax.rating.a_grade", within=Period(years=1)),),
                None,
                BASIS,
            ),
        ),
        exit=(
            ExitRule("term", ExitEvent.term_elapsed, (), BASIS),
            ExitRule("restored", ExitEvent.restoration, (), BASIS),
            ExitRule(
                "two_market_penalties",
                None,
                (RecordCondition(MARKET, at_least=2),),
                BASIS,
            ),
        ),
        notice=Notice(True, (RecordCondition(MARKET),), Period(days=15), BASIS),
        publication=Publication(PublicationScope.relying_parties, BASIS),
    )
    base = next(iter(national.measures.values()))
    measures = {
        "conformance_grade_d": dataclasses.replace(
            base,
            name="conformance_grade_d",
            kind=MeasureKind.sanction,
            trigger=GradeTrigger(scheme.name, frozenset({"D"})),
            actions=("procurement.bid",),
        ),
        "conformance_grade_a": dataclasses.replace(
            base,
            name="conformance_grade_a",
            kind=MeasureKind.reward,
            trigger=GradeTrigger(scheme.name, frozenset({"A"})),
            actions=("admin.green_channel",),
        ),
        "conformance_repeat": dataclasses.replace(
            base,
            name="conformance_repeat",
            kind=MeasureKind.sanction,
            trigger=ListTrigger(repeat.name),
            actions=("procurement.bid", "company.register"),
        ),
    }
    return dataclasses.replace(
        national,
        name=VARIANT,
        version=national.version + "+conformance",
        lists={**national.lists, repeat.name: repeat},
        schemes={scheme.name: scheme},
        measures={**national.measures, **measures},
    )
