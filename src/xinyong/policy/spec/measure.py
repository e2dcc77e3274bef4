"""`kind: Sanction | Reward`: what a list membership or grade triggers, for whom, on what basis."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from xinyong.domain.catalogue import BreachDomain
from xinyong.domain.measures import ACTIONS, PERMITTED_ROLES, RESPONSIBLE_ROLES
from xinyong.policy.spec.common import (
    Allow,
    Basis,
    Name,
    RawCitationSpec,
    SpecModel,
    Text,
    vocabulary,
)

RoleText = Annotated[str, vocabulary(PERMITTED_ROLES, "Whom the measure reaches.", "Roles")]
ResponsibleRoleText = Annotated[
    str,
    vocabulary(
        sorted(r.value for r in RESPONSIBLE_ROLES),
        "Responsible persons this provision names as reachable.",
        "Roles",
    ),
]
ActionText = Annotated[
    str, vocabulary(sorted(ACTIONS), "An action relying parties ask about.", "Actions")
]
DomainText = Annotated[
    str, vocabulary([d.value for d in BreachDomain], "A breach domain.", "Breach domains")
]


class RawMeasureCitationSpec(RawCitationSpec):
    names: tuple[ResponsibleRoleText, ...] = Field(
        (), description="Persons beyond the subject this provision expressly reaches."
    )


class RawTriggerSpec(SpecModel):
    """Exactly one of `list`, or `scheme` with `grades`."""

    list_name: Name | None = Field(None, alias="list")
    scheme: Name | None = None
    grades: tuple[Text, ...] = ()


class _RawMeasureSpec(SpecModel):
    name: Name
    title: Text
    description: Text = ""
    trigger: RawTriggerSpec
    actions: tuple[ActionText, ...] = Field(min_length=1)
    agency: Text = Field(description="The agency that implements the measure.")
    legal_basis: tuple[RawMeasureCitationSpec, ...] = ()
    targets: tuple[RoleText, ...] = ("subject",)
    domains: tuple[DomainText, ...] = ()
    cross_domain_basis: Basis = ()
    allow: Allow = Field((), description="Reviewed exceptions to the meaning screen (rule S1).")


class RawSanctionSpec(_RawMeasureSpec):
    kind: Literal["Sanction"]


class RawRewardSpec(_RawMeasureSpec):
    kind: Literal["Reward"]


RawMeasureSpec = RawSanctionSpec | RawRewardSpec
