"""Scoring schemes (评分方案): points-based scores with grade bands.

A points scheme starts from `base`, adds each item's points for every matching live record (capped
per item and period), clamps to `minimum`..`maximum`, and maps the score to a grade band. A
"rewards only" scheme has no deducting items, so it can raise a score but never lower it; the
loader enforces that. Statistical scorecards are reserved (`ScoringMethod.scorecard`) and not yet
loadable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from xinyong.domain.catalogue import BreachDomain, Catalogue, Citation, Period
from xinyong.domain.lists import RecordCondition
from xinyong.domain.subject import SubjectKind


class ScoringMethod(StrEnum):
    points = "points"
    scorecard = "scorecard"


@dataclass(frozen=True, slots=True)
class Cap:
    """An item contributes at most `points` (in absolute value) per `per` period, or over the whole
    evaluation when `per` is None."""

    points: int
    per: Period | None = None


@dataclass(frozen=True, slots=True)
class ScoreItem:
    """`points` (negative to deduct) for every record matching `condition`."""

    name: str
    condition: RecordCondition
    points: int
    cap: Cap | None
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class GradeBand:
    """Scores ≥ `minimum` get `grade` unless a higher band applies; the lowest has no minimum."""

    grade: str
    minimum: int | None


@dataclass(frozen=True, slots=True)
class ScoringScheme:
    name: str
    title: str
    method: ScoringMethod
    legal_basis: tuple[Citation, ...]
    subject_kinds: frozenset[SubjectKind]
    base: int
    items: tuple[ScoreItem, ...]
    grades: tuple[GradeBand, ...]
    rewards_only: bool = False
    minimum: int | None = None
    maximum: int | None = None
    description: str = ""

    def clamp(self, score: int) -> int:
        if self.minimum is not None:
            score = max(score, self.minimum)
        if self.maximum is not None:
            score = min(score, self.maximum)
        return score

    def grade_for(self, score: int) -> str:
        """The grade of a score; bands are held highest first.

        >>> s = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 1000, (),
        ...                   (GradeBand("A", 960), GradeBand("B", 850), GradeBand("C", None)))
        >>> [s.grade_for(x) for x in (1000, 900, 100)]
        ['A', 'B', 'C']
        """
        return grade_for(self.grades, score)

    def grade_names(self) -> tuple[str, ...]:
        return tuple(b.grade for b in self.grades)

    def breach_domains(
        self, catalogue: Catalogue, grades: Sequence[str] = ()
    ) -> frozenset[BreachDomain]:
        """Domains of the records that can lower a score (deducting items); what a sanction
        triggered by low grades answers (principle 6)."""
        del grades  # every deduction can move any grade; kept for a future per-band refinement
        return frozenset(
            catalogue[i.condition.record_type].domain
            for i in self.items
            if i.points < 0 and i.condition.record_type in catalogue
        )


def grade_for(bands: Sequence[GradeBand], score: int) -> str:
    """The first band (highest first) whose minimum the score reaches; the floor band otherwise."""
    for band in bands:
        if band.minimum is None or score >= band.minimum:
            return band.grade
    raise ValueError(f"no grade band for score {score}: the lowest band needs no minimum")
