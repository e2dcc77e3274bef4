"""`kind: Blacklist | RedList | WatchList`: entry, exclusion and exit rules over records."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, WithJsonSchema

from xinyong.domain.lists import ExitEvent, PublicationScope
from xinyong.domain.subject import SubjectKind
from xinyong.policy.spec.common import Allow, Basis, Name, PeriodText, SpecModel, TermText, Text

_SCALAR: dict[str, Any] = {"type": ["string", "number", "boolean"]}
WhereValue = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [
                _SCALAR,
                {"type": "array", "items": _SCALAR, "minItems": 1},
                {
                    "type": "object",
                    "properties": {"at_least": _SCALAR, "at_most": _SCALAR},
                    "additionalProperties": False,
                },
            ],
            "description": "A value, a list of allowed values, or {at_least, at_most}.",
        }
    ),
]


class RawRecordConditionSpec(SpecModel):
    """At least `at_least` records of `record_type` matching `where`, decided `within` a window.

    Or, as the first condition of an entry rule only, `list:`: membership of another list.
    """

    record_type: Name | None = None
    list_name: Name | None = Field(
        None,
        alias="list",
        description="Another list whose listings anchor this rule (first `when` only).",
    )
    where: dict[str, WhereValue] = Field(default_factory=dict)
    at_least: StrictInt = Field(1, ge=1)
    within: PeriodText | None = None
    same: tuple[Name, ...] = Field(
        (),
        description="Attributes a matching record shares with the record anchoring the "
        "listing (e.g. case_number); without it the condition is about the subject as a whole.",
    )


Conditions = tuple[RawRecordConditionSpec, ...]


class RawSubjectConditionSpec(SpecModel):
    age_under: StrictInt | None = Field(None, gt=0, le=150)
    kinds: tuple[SubjectKind, ...] = ()


class RawExtensionLengthSpec(SpecModel):
    """The length ordered in a record: its integer `attribute` times `unit`."""

    attribute: Name = Field(
        description="An integer attribute of the first `when` condition's record type."
    )
    unit: PeriodText = Field(description="The period one unit of the attribute stands for.")


class RawExtensionSpec(SpecModel):
    name: Name
    when: Conditions = Field(min_length=1)
    minimum: PeriodText
    maximum: PeriodText
    length: RawExtensionLengthSpec | None = Field(
        None,
        description="Where the ordered length is read (e.g. the years a court orders); "
        "without it the extension is `minimum`.",
    )
    legal_basis: Basis = ()


class RawEntryRuleSpec(SpecModel):
    name: Name
    description: Text = ""
    when: Conditions = Field(min_length=1)
    unless: Conditions = ()
    term: TermText
    extensions: tuple[RawExtensionSpec, ...] = ()
    legal_basis: Basis = ()


class RawExclusionSpec(SpecModel):
    """Exactly one of `when` (record conditions) or `subject` (a condition on the subject)."""

    name: Name
    when: Conditions = ()
    subject: RawSubjectConditionSpec | None = None
    legal_basis: Basis = ()


class RawExitRuleSpec(SpecModel):
    """Exactly one of `event` or `when`."""

    name: Name
    description: Text = Field(
        "",
        description="How the listing ends, in the words a listed subject needs: the remedy "
        "shown with every decision it causes (required on blacklists and watch lists, P7).",
    )
    event: ExitEvent | None = None
    when: Conditions = ()
    deadline_working_days: StrictInt | None = Field(None, ge=0)
    rules: tuple[Name, ...] = Field(
        (),
        description="The entry rules whose listings this exit ends; all when absent (e.g. "
        "performance ends an open-term listing but not a fixed-term one).",
    )
    legal_basis: Basis = ()


class RawNoticeSpec(SpecModel):
    """Notice before listing: a record proving it (`when`, e.g. an enforcement notice with a
    listing risk warning), or a notice served through xinyong's notice workflow (`workflow`),
    or both."""

    before_listing: StrictBool
    when: Conditions = ()
    wait: PeriodText | None = None
    workflow: StrictBool = Field(
        False,
        description="A listing takes effect only once a notice served through the notice "
        "workflow (reasons, basis, rights, the deadline to object) and its `objection_days` "
        "have passed, and not while an objection filed within them is pending.",
    )
    objection_days: StrictInt | None = Field(
        None,
        ge=1,
        description="Days after service in which the subject may object (`workflow` only); the "
        "period ends on the next working day when its last day is not one.",
    )
    legal_basis: Basis = ()


class RawObjectionSpec(SpecModel):
    """How a listed subject objects: to whom, how the objection is handled, on what basis."""

    description: Text = Field(description="The route, in the words a subject needs.")
    legal_basis: Basis = ()


class RawPublicationSpec(SpecModel):
    scope: PublicationScope
    legal_basis: Basis = ()


class _RawListSpec(SpecModel):
    name: Name
    title: Text
    description: Text = ""
    legal_basis: Basis = ()
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    entry: tuple[RawEntryRuleSpec, ...] = Field(min_length=1)
    exclusions: tuple[RawExclusionSpec, ...] = ()
    exit: tuple[RawExitRuleSpec, ...] = ()
    notice: RawNoticeSpec | None = None
    objection: RawObjectionSpec | None = None
    publication: RawPublicationSpec = RawPublicationSpec(scope=PublicationScope.subject_only)
    allow: Allow = Field((), description="Reviewed exceptions to the meaning screen (rule S1).")


class RawBlacklistSpec(_RawListSpec):
    kind: Literal["Blacklist"]


class RawRedListSpec(_RawListSpec):
    kind: Literal["RedList"]


class RawWatchListSpec(_RawListSpec):
    kind: Literal["WatchList"]


RawListSpec = RawBlacklistSpec | RawRedListSpec | RawWatchListSpec
