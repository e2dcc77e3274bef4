"""Measures (奖惩措施): joint sanctions and rewards, and the closed vocabularies they draw on.

A measure is triggered by list membership or by a grade band, touches named actions a relying party
asks about (`air_travel.book`, `procurement.bid`, …), is implemented by a named agency, and cites
its legal basis. Two vocabularies are closed here because a typo in either would silently change
who is punished:

- **actions**, each with the breach domain it belongs to, so a sanction that reaches outside the
  domain of the breaches behind it is visible (principle 6);
- **roles** a measure may target. `subject` always; the persons the law holds responsible for an
  entity's conduct only where the measure's legal basis names them (the SPC consumption
  restrictions do); family members, children, relatives and associates never (principle 3). The
  forbidden roles are members of the vocabulary so that naming one is refused with the principle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from xinyong.domain.catalogue import BreachDomain, Citation


class MeasureKind(StrEnum):
    sanction = "sanction"
    reward = "reward"


class Role(StrEnum):
    """Whom a measure reaches."""

    subject = "subject"
    legal_representative = "legal_representative"
    principal_responsible_person = "principal_responsible_person"
    actual_controller = "actual_controller"
    directly_responsible_person = "directly_responsible_person"

    family_member = "family_member"
    spouse = "spouse"
    child = "child"
    parent = "parent"
    sibling = "sibling"
    relative = "relative"
    household_member = "household_member"
    associate = "associate"
    friend = "friend"
    employee = "employee"

    @property
    def label(self) -> str:
        """The role in words, as a decision states it."""
        return _LABELS.get(self, self.value.replace("_", " "))

    @property
    def responsible(self) -> bool:
        """A person the law may hold responsible for an entity's conduct, if a basis names them."""
        return self in RESPONSIBLE_ROLES

    @property
    def prohibited(self) -> bool:
        return self in PROHIBITED_ROLES


RESPONSIBLE_ROLES: frozenset[Role] = frozenset(
    {
        Role.legal_representative,
        Role.principal_responsible_person,
        Role.actual_controller,
        Role.directly_responsible_person,
    }
)
_LABELS: Mapping[Role, str] = MappingProxyType(
    {
        Role.legal_representative: "legal representative",
        Role.principal_responsible_person: "principal responsible person",
        Role.actual_controller: "actual controller",
        Role.directly_responsible_person: "person directly responsible for performing the debt",
    }
)
PROHIBITED_ROLES: frozenset[Role] = frozenset(set(Role) - RESPONSIBLE_ROLES - {Role.subject})
PERMITTED_ROLES: tuple[str, ...] = tuple(r.value for r in Role if not r.prohibited)


@dataclass(frozen=True, slots=True)
class Action:
    """Something a relying party asks permission for, and the domain it belongs to."""

    name: str
    domain: BreachDomain
    description: str


def _actions(*rows: tuple[str, BreachDomain, str]) -> Mapping[str, Action]:
    return MappingProxyType({n: Action(n, d, t) for n, d, t in rows})


_T, _C, _P = BreachDomain.transport, BreachDomain.consumption, BreachDomain.public_services
ACTIONS: Mapping[str, Action] = _actions(
    ("air_travel.book", _T, "book a seat on a civil flight"),
    ("rail.high_speed.book", _T, "book any seat on a G-train or first class on other EMU trains"),
    ("rail.soft_sleeper.book", _T, "book a soft sleeper on a train"),
    ("ship.upper_class.book", _T, "book second class or above on a ship"),
    ("hotel.star.book", _C, "stay or spend at hotels or restaurants of star level or above"),
    ("nightclub.spend", _C, "spend at nightclubs of star level or above"),
    ("golf.play", _C, "play or spend at golf courses"),
    ("real_estate.buy", _C, "buy real estate"),
    ("housing.build_or_renovate", _C, "build, extend or luxuriously renovate housing"),
    ("office.high_end.rent", _C, "rent high-end offices, hotels or apartments as offices"),
    ("vehicle.non_business.buy", _C, "buy a vehicle not necessary for business"),
    ("travel.leisure", _C, "travel or take holidays"),
    ("school.high_fee_private.enrol", _C, "pay a high-fee private school (for a child)"),
    ("insurance.high_premium.buy", _C, "buy high-premium insurance or wealth products"),
    ("procurement.bid", BreachDomain.procurement, "bid in government procurement"),
    ("tender.bid", BreachDomain.procurement, "bid in public tenders under the Bidding Law"),
    ("company.register", BreachDomain.market_regulation, "register a new company"),
    (
        "company.officer.appoint",
        BreachDomain.market_regulation,
        "serve as legal representative, director or senior manager",
    ),
    ("financial_institution.establish", BreachDomain.finance, "establish a financial institution"),
    ("bond.issue", BreachDomain.finance, "issue corporate or interbank bonds"),
    ("consumer_credit.apply", BreachDomain.finance, "apply for consumer credit"),
    ("subsidy.apply", _P, "apply for government subsidies or preferential policies"),
    ("honour.award", _P, "receive government honours and awards"),
    ("rental.deposit_waiver", BreachDomain.commerce, "rent without a deposit"),
    (
        "rental.free_period",
        BreachDomain.commerce,
        "rent a shared item (power bank, umbrella) free of charge for a set time",
    ),
    ("utility.heating_discount", _P, "pay a reduced fee for public heating"),
    ("library.deposit_waiver", _P, "borrow from a public library without a deposit"),
    ("admin.green_channel", _P, "use the administrative-approval green channel"),
    ("admin.inspection_reduced", _P, "be inspected less often"),
    ("public_service.priority", _P, "receive public services with priority"),
)


@dataclass(frozen=True, slots=True)
class MeasureCitation(Citation):
    """A measure's legal basis, with the responsible persons that provision names as reachable."""

    names: frozenset[Role] = frozenset()


@dataclass(frozen=True, slots=True)
class ListTrigger:
    """Membership of the named list triggers the measure."""

    list: str


@dataclass(frozen=True, slots=True)
class GradeTrigger:
    """A grade in `grades` under the named scheme triggers the measure."""

    scheme: str
    grades: frozenset[str]


Trigger = ListTrigger | GradeTrigger


@dataclass(frozen=True, slots=True)
class Measure:
    """A sanction or reward.

    `domains` are the breach domains the measure answers (required for sanctions, principle 6);
    `cross_domain_basis` is the legal basis for reaching actions or triggers outside them.
    """

    name: str
    kind: MeasureKind
    title: str
    trigger: Trigger
    actions: tuple[str, ...]
    agency: str
    legal_basis: tuple[MeasureCitation, ...]
    targets: frozenset[Role]
    domains: frozenset[BreachDomain]
    cross_domain_basis: tuple[Citation, ...] = ()
    description: str = ""

    def named_roles(self) -> frozenset[Role]:
        """Roles the measure's legal basis names as reachable."""
        return frozenset(r for c in self.legal_basis for r in c.names)

    def reached_roles(self) -> frozenset[Role]:
        """The responsible roles the measure reaches: those it targets that its legal basis
        names (principle 3; the loader refuses a target without such a citation)."""
        return frozenset(r for r in self.targets if r.responsible and r in self.named_roles())

    def naming(self, role: Role) -> tuple[MeasureCitation, ...]:
        """The provisions of its legal basis that name `role`: why it reaches that person."""
        return tuple(c for c in self.legal_basis if role in c.names)

    def action_domains(self) -> frozenset[BreachDomain]:
        return frozenset(ACTIONS[a].domain for a in self.actions if a in ACTIONS)
