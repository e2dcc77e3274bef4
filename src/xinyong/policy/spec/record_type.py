"""`kind: RecordType`: one catalogue entry with its attributes and display period."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StrictBool, StrictInt

from xinyong.domain.catalogue import (
    PERMITTED_CATEGORIES,
    AttributeType,
    BreachDomain,
    Polarity,
)
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.policy.spec.common import (
    Allow,
    Basis,
    Name,
    PeriodText,
    RecordKind,
    SpecModel,
    Text,
    vocabulary,
)


def _no_bool(value: object) -> object:
    # bool is an int in Python; `minimum: true` is a mistake, not 1
    if isinstance(value, bool):
        raise ValueError(f"must be a number (got {value!r})")
    return value


Number = Annotated[Decimal, BeforeValidator(_no_bool)]
DataCategoryText = Annotated[
    str,
    vocabulary(PERMITTED_CATEGORIES, "A permitted data category.", "Data categories"),
]
DomainText = Annotated[
    str, vocabulary([d.value for d in BreachDomain], "A breach domain.", "Breach domains")
]


class RawAttributeSpec(SpecModel):
    type: AttributeType
    data_category: DataCategoryText
    description: Text = ""
    required: StrictBool = False
    values: tuple[Text, ...] | None = Field(None, description="Enum values (type: enum only).")
    scale: StrictInt | None = Field(None, ge=0, le=8, description="Decimal places (decimal only).")
    minimum: Number | None = None
    maximum: Number | None = None
    max_length: StrictInt | None = Field(None, gt=0)
    unit: Text | None = None


class RawTierSpec(SpecModel):
    minimum: PeriodText = "P0D"
    maximum: PeriodText


class RawNotDisplayedSpec(SpecModel):
    mode: Literal["not_displayed"]


class RawFixedDisplaySpec(SpecModel):
    mode: Literal["fixed"]
    period: PeriodText


class RawTieredDisplaySpec(SpecModel):
    mode: Literal["tiered"]
    attribute: Text = Field(description="An enum attribute whose value names the tier.")
    tiers: dict[str, RawTierSpec]


class RawUntilExitSpec(SpecModel):
    mode: Literal["until_exit"]
    entry_kinds: tuple[RecordKind, ...] = ()
    record_types: tuple[Name, ...] = ()
    same: tuple[Name, ...] = Field(
        (),
        description="Attributes the ending record shares with this one (e.g. case_number).",
    )


RawDisclosureSpec = Annotated[
    RawNotDisplayedSpec | RawFixedDisplaySpec | RawTieredDisplaySpec | RawUntilExitSpec,
    Field(discriminator="mode"),
]


class RawOfficerRoleSpec(SpecModel):
    """The record names its subject (a person) as holding a role in an entity."""

    entity: Name = Field(description="The attribute holding the entity's identifier.")
    scheme: Name = Field("uscc", description="The identifier scheme of that attribute.")
    role: Name = Field(
        description="An enum attribute whose values are responsible roles (principle 3)."
    )
    start: Name = Field(description="The date attribute the role holds from (appointed).")
    end: Name | None = Field(
        None, description="The date attribute the role ends on (ceased); open when absent."
    )


class RawRecordTypeSpec(SpecModel):
    kind: Literal["RecordType"]
    name: Name
    title: Text
    description: Text = ""
    authority: Text = Field(description="The competent authority whose decisions these are.")
    # empty is allowed here so that a missing basis is reported as the principle it breaks
    legal_basis: Basis = ()
    polarity: Polarity
    subject_kinds: tuple[SubjectKind, ...] = Field(min_length=1)
    attributes: dict[str, RawAttributeSpec] = Field(default_factory=dict)
    publishable: StrictBool = False
    publication_basis: Basis = ()
    disclosure: RawDisclosureSpec
    data_category: DataCategoryText
    domain: DomainText
    entry_kinds: tuple[RecordKind, ...] = (
        EntryKind.record,
        EntryKind.correction,
        EntryKind.revocation,
    )
    allow: Allow = Field((), description="Reviewed exceptions to the meaning screen (rule S1).")
    officer_role: RawOfficerRoleSpec | None = Field(
        None,
        description="Records of this type establish that their subject holds a role in an "
        "entity, through which measures aimed at that role reach them.",
    )
