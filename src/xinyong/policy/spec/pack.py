"""`pack.yaml`: the pack's identity, the sources every rule cites, and its due-process rules."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt

from xinyong.policy.spec.common import (
    Basis,
    ConfidenceMark,
    Name,
    SourceId,
    SpecModel,
    Text,
)


class RawSourceSpec(SpecModel):
    """A cited source, marked as in sources.md: C confirmed, S secondary only, U unconfirmed."""

    id: SourceId
    title: Text
    citation: Text | None = Field(None, description="Official citation, e.g. Fa Shi [2017] No. 7.")
    url: Text | None = None
    confidence: ConfidenceMark
    note: Text | None = None


class RawObjectionRulesSpec(SpecModel):
    """How an objection to a record (or to a listing resting on it) is handled, and how fast.

    A period of `*_days` is counted in calendar days and ends on the next working day when its
    last day is not one; `correction_working_days` counts working days only."""

    review_days: StrictInt = Field(
        ge=1, description="The authority decides an objection within this many days of filing."
    )
    correction_working_days: StrictInt = Field(
        ge=0, description="An upheld objection is carried out (record corrected or revoked) within."
    )
    reconsideration_filing_days: StrictInt | None = Field(
        None,
        ge=1,
        description="A rejection may be taken to reconsideration within this many days "
        "(absent: the workflow has no reconsideration).",
    )
    reconsideration_decision_days: StrictInt | None = Field(
        None, ge=1, description="The reconsidering authority decides within."
    )
    suspends: StrictBool = Field(
        description="Whether the measures resting on a record are suspended while an objection "
        "to it is under review."
    )
    suspends_on_reconsideration: StrictBool = Field(
        False, description="Whether they are suspended while a reconsideration is pending."
    )
    legal_basis: Basis = ()


class RawRestorationConditionSpec(SpecModel):
    """A condition an applicant must meet besides the minimum display period, attested with the
    application (e.g. the public credit commitment)."""

    name: Name
    description: Text = Field(description="The condition, in the words an applicant needs.")
    legal_basis: Basis = ()


class RawRestorationRulesSpec(SpecModel):
    """Credit restoration of records with a tiered display period: an application from the
    tier's `minimum` on, with these conditions; the authority's decision with reasons; its
    effect within `effect_working_days`. Display ends at the tier's `maximum` regardless."""

    conditions: tuple[RawRestorationConditionSpec, ...] = ()
    decision_days: StrictInt | None = Field(
        None,
        ge=1,
        description="The authority decides an application within this many days (absent: the "
        "pack sets no deadline).",
    )
    effect_working_days: StrictInt = Field(
        ge=0, description="A granted restoration takes effect (display stops) within."
    )
    legal_basis: Basis = ()


class RawDueProcessSpec(SpecModel):
    """The pack's due-process workflows: objections and credit restoration."""

    objection: RawObjectionRulesSpec | None = None
    restoration: RawRestorationRulesSpec | None = None


class RawPackSpec(SpecModel):
    kind: Literal["Pack"]
    name: Name
    label: Text = Field(description="A human version label; the pack's version is its hash.")
    jurisdiction: Text
    description: Text = ""
    sources: tuple[RawSourceSpec, ...] = Field(min_length=1)
    due_process: RawDueProcessSpec | None = Field(
        None,
        description="Deadlines and conditions of the objection and restoration workflows; "
        "without it the pack offers neither.",
    )
