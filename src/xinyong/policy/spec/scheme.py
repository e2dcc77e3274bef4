"""`kind: ScoringScheme`: a points score with grade bands (`method: points`), or a statistical
scorecard (`method: scorecard`) that names its fitted artefact by hash.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, PositiveFloat, StrictBool, StrictInt

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


class RawScalingSpec(SpecModel):
    anchor_score: StrictInt = Field(description="The score at the anchor odds.")
    anchor_odds: PositiveFloat = Field(description="Good:bad odds that score `anchor_score`.")
    pdo: StrictInt = Field(gt=0, description="Points to double the odds.")
    minimum: StrictInt = Field(350, description="Lowest score; lower sums are clamped to it.")
    maximum: StrictInt = Field(950, description="Highest score; higher sums are clamped to it.")


class RawScorecardFeatureSpec(SpecModel):
    name: Name
    attribute: Name | None = Field(
        None, description="The attribute of the scorecard's record type; `name` when absent."
    )
    dimension: Literal[
        "credit_history",
        "behaviour",
        "ability_to_pay",
        "personal_characteristics",
        "social_relations",
    ] = Field(description="What the feature speaks to; `social_relations` is refused.")
    trend: Literal["ascending", "descending", "auto_asc_desc", "peak", "valley", "auto"] | None = (
        Field(None, description="Monotonic trend of the event rate over the bins (fitting).")
    )
    description: Text = Field("", description="Plain words for reasons: what the feature is.")
    legal_basis: Basis = Field(
        (), description="Required for age: the legal basis that allows scoring on it."
    )


class RawScorecardSpec(SpecModel):
    artefact: Text = Field(description="The fitted artefact, relative to this file's folder.")
    sha256: Text = Field(description="The artefact's content hash (`sha256:…`) it must match.")
    record_type: Name = Field(
        description=(
            "The record type whose attributes are the features: a subject is scored from its "
            "latest live record of this type as of the evaluation date."
        )
    )
    scaling: RawScalingSpec
    features: tuple[RawScorecardFeatureSpec, ...] = Field(min_length=1)


class RawScoringSchemeSpec(SpecModel):
    kind: Literal["ScoringScheme"]
    name: Name
    title: Text
    description: Text = ""
    method: Literal["points", "scorecard"] = "points"
    legal_basis: Basis = ()
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    base: StrictInt | None = Field(None, description="Points schemes: the starting score.")
    minimum: StrictInt | None = None
    maximum: StrictInt | None = None
    rewards_only: StrictBool = False
    items: tuple[RawScoreItemSpec, ...] = ()
    scorecard: RawScorecardSpec | None = Field(None, description="`method: scorecard` only.")
    grades: tuple[RawGradeBandSpec, ...] = Field(min_length=1)
    allow: Allow = Field((), description="Reviewed exceptions to the meaning screen (rule S1).")
