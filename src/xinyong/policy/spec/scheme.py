"""`kind: ScoringScheme`: a points score with grade bands (`method: points`).

`method` is the room left for statistical scorecards: today only `points` loads, and the resolver
says so plainly when a pack asks for `scorecard`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from xinyong.domain.subject import SubjectKind
from xinyong.policy.spec.common import Basis, Name, PeriodText, SpecModel, Text
from xinyong.policy.spec.lists import WhereValue


class RawCapSpec(SpecModel):
    points: StrictInt = Field(ge=0, description="Most points (absolute) the item adds or deducts.")
    per: PeriodText | None = Field(None, description="Cap period; the whole window when absent.")


class RawScoreItemSpec(SpecModel):
    name: Name
    description: Text = ""
    record_type: Name
    where: dict[str, WhereValue] = Field(default_factory=dict)
    within: PeriodText | None = None
    points: StrictInt = Field(description="Added per matching record; negative deducts.")
    cap: RawCapSpec | None = None
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
