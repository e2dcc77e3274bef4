"""`kind: ScoringScheme`: a points score with grade bands (`method: points`).

`method` is the room left for statistical scorecards: today only `points` loads, and the resolver
says so plainly when a pack asks for `scorecard`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from xinyong.domain.subject import SubjectKind
from xinyong.policy.spec.common import Allow, Basis, Name, PeriodText, SpecModel, Text
from xinyong.policy.spec.lists import WhereValue

# Cap periods are calendar buckets of the record's decision date, not sliding windows: "at most
# 10 points per month" then means the same thing to every engine and to a person checking by hand.
CAP_BUCKETS: tuple[str, ...] = ("P1Y", "P1M", "P1W", "P1D")


class RawCapSpec(SpecModel):
    points: StrictInt = Field(ge=0, description="Most points (absolute) the item adds or deducts.")
    per: PeriodText | None = Field(
        None,
        description=(
            "Calendar bucket the cap applies to, by the record's decision date: P1Y (calendar "
            "year), P1M (calendar month), P1W (ISO week) or P1D (day); the whole window when "
            "absent."
        ),
    )


class RawScoreItemSpec(SpecModel):
    name: Name
    description: Text = ""
    record_type: Name
    where: dict[str, WhereValue] = Field(default_factory=dict)
    within: PeriodText | None = None
    points: StrictInt = Field(
        description="Added per matching record; negative deducts. May be 0 with `grade_at_most`."
    )
    cap: RawCapSpec | None = None
    grade_at_most: Text | None = Field(
        None,
        description=(
            "A grade of this scheme: a subject with a matching record gets at most this grade, "
            "whatever its points."
        ),
    )
    legal_basis: Basis = ()


class RawGradeBandSpec(SpecModel):
    grade: Text
    minimum: StrictInt | None = Field(None, description="Absent only on the lowest band.")


class RawScoringSchemeSpec(SpecModel):
    kind: Literal["ScoringScheme"]
    name: Name
    title: Text
    description: Text = ""
    method: Literal["points", "scorecard"] = "points"
    legal_basis: Basis = ()
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    base: StrictInt
    minimum: StrictInt | None = None
    maximum: StrictInt | None = None
    rewards_only: StrictBool = False
    items: tuple[RawScoreItemSpec, ...] = ()
    grades: tuple[RawGradeBandSpec, ...] = Field(min_length=1)
    allow: Allow = Field((), description="Reviewed exceptions to the meaning screen (rule S1).")
