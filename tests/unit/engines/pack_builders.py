"""Packs for evaluator tests: the national pack with hand-built schemes and grade measures."""

from __future__ import annotations

import dataclasses

from xinyong.domain.catalogue import Citation, Period, Scalar
from xinyong.domain.lists import AttributeCondition, RecordCondition
from xinyong.domain.measures import GradeTrigger, Measure, MeasureKind
from xinyong.domain.scoring import Cap, GradeBand, ScoreItem, ScoringMethod, ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.policy import Pack

BASIS = (Citation("test-basis"),)
PENALTY = "admin.penalty.market_regulation"


def penalty_attrs(severity: str) -> dict[str, Scalar]:
    return {
        "decision_number": "SAMR-1",
        "authority_name": "market regulation bureau",
        "penalty_kind": "fine",
        "fine_amount": "5000.00",
        "severity": severity,
    }


def scored_pack(pack: Pack, per: str | None = "P1M") -> Pack:
    scheme = ScoringScheme(
        name="test_points",
        title="Test points",
        method=ScoringMethod.points,
        legal_basis=BASIS,
        subject_kinds=frozenset({SubjectKind.enterprise}),
        base=100,
        items=(
            ScoreItem(
                "penalties",
                RecordCondition(PENALTY, within=Period(years=3)),
                -10,
                Cap(15, None if per is None else Period.parse(per)),
                BASIS,
            ),
            ScoreItem(
                "serious_penalty",
                RecordCondition(
                    PENALTY,
                    where=(AttributeCondition("severity", one_of=("serious",)),),
                    within=Period(years=3),
                ),
                0,
                None,
                BASIS,
                grade_at_most="C",
            ),
            ScoreItem("rated", RecordCondition("tax.rating.a_grade"), 20, Cap(20), BASIS),
        ),
        grades=(
            GradeBand("A", 110),
            GradeBand("B", 90),
            GradeBand("C", 50),
            GradeBand("D", None),
        ),
        minimum=0,
        maximum=200,
    )
    reward = Measure(
        name="grade_a_green_channel",
        kind=MeasureKind.reward,
        title="Green channel",
        trigger=GradeTrigger("test_points", frozenset({"A"})),
        actions=("admin.green_channel",),
        agency="test",
        legal_basis=(),
        targets=frozenset(),
        domains=frozenset(),
    )
    sanction = dataclasses.replace(
        reward,
        name="grade_c_or_d_no_bids",
        kind=MeasureKind.sanction,
        trigger=GradeTrigger("test_points", frozenset({"C", "D"})),
        actions=("procurement.bid",),
    )
    return dataclasses.replace(
        pack,
        schemes={scheme.name: scheme},
        measures={**pack.measures, reward.name: reward, sanction.name: sanction},
    )


def rewards_pack(pack: Pack, base: int = 500) -> Pack:
    """The pack with one rewards-only scheme over every subject kind."""
    scheme = ScoringScheme(
        name="rewards",
        title="Rewards only",
        method=ScoringMethod.points,
        legal_basis=BASIS,
        subject_kinds=frozenset(SubjectKind),
        base=base,
        items=(
            ScoreItem(
                "performed",
                RecordCondition(
                    "court.enforcement.performance",
                    where=(AttributeCondition("complete", one_of=(True,)),),
                    within=Period(years=1),
                ),
                5,
                Cap(10, Period(months=1)),
                BASIS,
            ),
            ScoreItem("rated", RecordCondition("tax.rating.a_grade"), 20, None, BASIS),
            ScoreItem(
                "settled",
                RecordCondition("court.enforcement.settlement_performance"),
                7,
                Cap(7, Period(days=7)),
                BASIS,
            ),
        ),
        grades=(GradeBand("A", base + 20), GradeBand("B", None)),
        rewards_only=True,
        maximum=base + 100,
    )
    return dataclasses.replace(pack, schemes={**pack.schemes, scheme.name: scheme})
