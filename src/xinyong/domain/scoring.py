"""Scoring schemes (评分方案): points-based scores with grade bands.

A points scheme starts from `base`, adds each item's points for every matching live record (capped
per item and calendar period), clamps to `minimum`..`maximum`, and maps the score to a grade band.
An item may also cap the grade (`grade_at_most`): one matching live record holds the subject at
that grade or below, whatever its points (Rongcheng: drunk driving means grade C at best). A
"rewards only" scheme has no deducting items, so it can raise a score but never lower it; the
loader enforces that. A statistical scorecard (`ScoringMethod.scorecard`) has no items: its score
is the fitted card's (`domain.scorecard`) on the subject's latest record of one type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from xinyong.domain.catalogue import BreachDomain, Catalogue, Citation, Period
from xinyong.domain.lists import RecordCondition
from xinyong.domain.scorecard import ScorecardUse
from xinyong.domain.subject import SubjectKind


class ScoringMethod(StrEnum):
    points = "points"
    scorecard = "scorecard"


class CapBucket(StrEnum):
    """The calendar bucket of a record's decision date that a per-period cap counts in."""

    year = "year"
    month = "month"
    week = "week"  # ISO 8601 week (Monday to Sunday)
    day = "day"


_BUCKETS: Mapping[Period, CapBucket] = MappingProxyType(
    {
        Period(years=1): CapBucket.year,
        Period(months=1): CapBucket.month,
        Period(days=7): CapBucket.week,  # P1W; `Period` keeps weeks as days
        Period(days=1): CapBucket.day,
    }
)


@dataclass(frozen=True, slots=True)
class Cap:
    """An item contributes at most `points` (in absolute value) per calendar bucket of the
    records' decision dates, or over the whole evaluation when `per` is None.

    `per` is one of P1Y, P1M, P1W, P1D (the loader refuses others): calendar buckets, not sliding
    windows, so that every engine and a person checking by hand count the same records together.

    >>> Cap(10, Period(months=1)).bucket
    <CapBucket.month: 'month'>
    >>> Cap(10, Period(days=7)).bucket
    <CapBucket.week: 'week'>
    """

    points: int
    per: Period | None = None

    @property
    def bucket(self) -> CapBucket | None:
        """The calendar bucket of `per`; None for a whole-window cap."""
        if self.per is None:
            return None
        try:
            return _BUCKETS[self.per]
        except KeyError:
            raise ValueError(
                f"{self.per} is not a calendar bucket (P1Y, P1M, P1W or P1D)"
            ) from None


@dataclass(frozen=True, slots=True)
class ScoreItem:
    """`points` (negative to deduct) for every record matching `condition`; with `grade_at_most`,
    one matching record also holds the subject at that grade or below."""

    name: str
    condition: RecordCondition
    points: int
    cap: Cap | None
    legal_basis: tuple[Citation, ...]
    grade_at_most: str | None = None

    @property
    def adverse(self) -> bool:
        """The item can only harm the subject: it deducts, or caps the grade."""
        return self.points < 0 or self.grade_at_most is not None


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
    scorecard: ScorecardUse | None = None

    def clamp(self, score: int) -> int:
        if self.minimum is not None:
            score = max(score, self.minimum)
        if self.maximum is not None:
            score = min(score, self.maximum)
        return score

    def grade_for(self, score: int, at_most: Iterable[str] = ()) -> str:
        """The grade of a score, lowered to the lowest of `at_most` (the `grade_at_most` of items
        with a matching live record) when that is lower; bands are held highest first.

        >>> s = ScoringScheme("s", "S", ScoringMethod.points, (), frozenset(), 1000, (),
        ...                   (GradeBand("A", 960), GradeBand("B", 850), GradeBand("C", None)))
        >>> [s.grade_for(x) for x in (1000, 900, 100)]
        ['A', 'B', 'C']
        >>> s.grade_for(1000, at_most=["B"]), s.grade_for(100, at_most=["B"])
        ('B', 'C')
        """
        return grade_for(self.grades, score, at_most)

    def grade_names(self) -> tuple[str, ...]:
        return tuple(b.grade for b in self.grades)

    def breach_domains(
        self, catalogue: Catalogue, grades: Sequence[str] = ()
    ) -> frozenset[BreachDomain]:
        """Domains of the records that can lower a score or a grade (deducting items and grade
        caps); what a sanction triggered by low grades answers (principle 6)."""
        del grades  # every deduction can move any grade; kept for a future per-band refinement
        if self.scorecard is not None and self.scorecard.record_type in catalogue:
            # every feature of the card can lower the score
            return frozenset({catalogue[self.scorecard.record_type].domain})
        return frozenset(
            catalogue[i.condition.record_type].domain
            for i in self.items
            if i.adverse and i.condition.record_type in catalogue
        )


def grade_for(bands: Sequence[GradeBand], score: int, at_most: Iterable[str] = ()) -> str:
    """The first band (highest first) whose minimum the score reaches, the floor band otherwise;
    then the lowest of that and the grades in `at_most`."""
    rank = {band.grade: i for i, band in enumerate(bands)}
    found: int | None = None
    for i, band in enumerate(bands):
        if band.minimum is None or score >= band.minimum:
            found = i
            break
    if found is None:
        raise ValueError(f"no grade band for score {score}: the lowest band needs no minimum")
    for grade in at_most:
        if grade not in rank:
            raise ValueError(f"unknown grade {grade!r} (bands: {', '.join(rank)})")
        found = max(found, rank[grade])
    return bands[found].grade
