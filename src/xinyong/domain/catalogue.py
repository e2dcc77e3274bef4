"""The catalogue: the closed list of record types a deployment may hold, and its vocabulary.

A record type names its legal basis, polarity, the subject kinds it applies to, its typed
attributes, whether it may be published, how long it is displayed, the category of data it holds
and the breach domain it belongs to. Everything here is pure: resolved objects built by
`xinyong.policy` from a pack's YAML, and read by ingest, the compiler and the service.

Data categories are a closed vocabulary on purpose. The special categories that design
principle 2 (and principles 1, 3 and 5) forbid are *members* of that vocabulary, marked prohibited,
so that a pack naming one is refused with the principle it breaks rather than with "unknown
value", and so that no spelling of a forbidden category can slip through as a new, unchecked name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.errors import NotFound

# --- names -------------------------------------------------------------------------------------


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to a misspelt `name`, best first (difflib ratio ≥ 0.6).

    >>> closest("court.judgement.effective", ["court.judgment.effective", "tax.rating"])
    ['court.judgment.effective']
    """
    return difflib.get_close_matches(name, sorted(set(candidates)), n=n, cutoff=0.6)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A "Did you mean …?" hint, or None when nothing is close.

    >>> did_you_mean("titel", ["title", "name"])
    "Did you mean 'title'?"
    """
    found = closest(name, candidates)
    if not found:
        return None
    return "Did you mean " + " or ".join(repr(f) for f in found) + "?"


# --- periods -----------------------------------------------------------------------------------

_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period in ISO 8601 form (`P3M`, `P1Y6M`, `P15D`); no time part.

    Years and months are kept apart from days because "3 months" is not a fixed number of days;
    engines add them with calendar arithmetic.

    >>> Period.parse("P1Y6M")
    Period(years=1, months=6, days=0)
    >>> str(Period(days=14))
    'P14D'
    """

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.match(text)
        if m is None or text == "P":
            raise ValueError(
                f"{text!r} is not an ISO 8601 period; write e.g. P3M (3 months), P1Y, P2Y6M or P15D"
            )
        y, mo, w, d = (int(g) if g else 0 for g in m.groups())
        return cls(years=y, months=mo, days=d + 7 * w)

    def __str__(self) -> str:
        if not (self.years or self.months or self.days):
            return "P0D"
        units = ((self.years, "Y"), (self.months, "M"), (self.days, "D"))
        parts = [f"{v}{u}" for v, u in units if v]
        return "P" + "".join(parts)

    def approx_days(self) -> int:
        """An approximate length in days (a year is 365, a month 30), for sanity checks such as
        minimum ≤ maximum; engines use calendar arithmetic instead."""
        return self.years * 365 + self.months * 30 + self.days


# --- citations ---------------------------------------------------------------------------------


class Confidence(StrEnum):
    """How well a source backs a rule: confirmed, secondary only, or unconfirmed."""

    C = "C"
    S = "S"
    U = "U"


@dataclass(frozen=True, slots=True)
class Citation:
    """A legal basis: a source declared in the pack, and the article relied on.

    `confidence` overrides the source's own mark where one provision of a confirmed text is itself
    uncertain (the source says so, or the article could not be retrieved).
    """

    source: str
    article: str | None = None
    note: str | None = None
    confidence: Confidence | None = None

    def __str__(self) -> str:
        return self.source + (f" {self.article}" if self.article else "")


# --- closed vocabularies -----------------------------------------------------------------------


class Polarity(StrEnum):
    negative = "negative"
    positive = "positive"
    neutral = "neutral"


class BreachDomain(StrEnum):
    """The field of regulation a record or measure belongs to (principle 6, proportionality)."""

    judicial_enforcement = "judicial_enforcement"
    market_regulation = "market_regulation"
    tax = "tax"
    customs = "customs"
    environment = "environment"
    food_drug = "food_drug"
    work_safety = "work_safety"
    fire_safety = "fire_safety"
    construction = "construction"
    transport = "transport"
    finance = "finance"
    procurement = "procurement"
    labour = "labour"
    social_insurance = "social_insurance"
    medical_regulation = "medical_regulation"
    education = "education"
    culture_tourism = "culture_tourism"
    agriculture = "agriculture"
    energy = "energy"
    telecommunications = "telecommunications"
    statistics = "statistics"
    intellectual_property = "intellectual_property"
    consumption = "consumption"
    commerce = "commerce"
    public_services = "public_services"


@dataclass(frozen=True, slots=True)
class Prohibition:
    """Why a data category may never be held: the design principle and the law behind it."""

    principle: int
    reason: str
    law: str

    def message(self, category: str) -> str:
        return (
            f"{category!r} is a prohibited category of data: {self.reason} "
            f"(design principle {self.principle}; {self.law})"
        )


class DataCategory(StrEnum):
    """What kind of information a record type or attribute holds.

    The first group may be held; the second is known and prohibited (see `PROHIBITED`).
    """

    identity = "identity"
    registration = "registration"
    judicial_decision = "judicial_decision"
    enforcement = "enforcement"
    administrative_decision = "administrative_decision"
    licence = "licence"
    financial_obligation = "financial_obligation"
    tax_compliance = "tax_compliance"
    contract_performance = "contract_performance"
    commendation = "commendation"
    credit_commitment = "credit_commitment"
    document_reference = "document_reference"
    authority = "authority"
    procedural = "procedural"

    political_opinion = "political_opinion"
    political_activity = "political_activity"
    party_affiliation = "party_affiliation"
    petitioning = "petitioning"
    online_speech = "online_speech"
    religion = "religion"
    ethnicity = "ethnicity"
    health = "health"
    genetics = "genetics"
    biometrics = "biometrics"
    sexual_life = "sexual_life"
    social_relationships = "social_relationships"
    family_relations = "family_relations"
    location = "location"
    unverified_report = "unverified_report"

    @property
    def prohibition(self) -> Prohibition | None:
        return PROHIBITED.get(self)

    @property
    def permitted(self) -> bool:
        return self not in PROHIBITED


_POLITICAL = Prohibition(
    2,
    "no political opinion or activity (petitions, speech, online posts) may enter a credit record",
    "国办发〔2020〕49号 para 6 confines lists to breaches of legal duties; "
    "Credit Reporting Regulation Art 14 bans information that law bans",
)
_SENSITIVE_LAW = "Credit Reporting Regulation Art 14; PIPL Art 28"

PROHIBITED: Mapping[DataCategory, Prohibition] = MappingProxyType(
    {
        DataCategory.political_opinion: _POLITICAL,
        DataCategory.political_activity: _POLITICAL,
        DataCategory.party_affiliation: Prohibition(
            2,
            "party affiliation is political data",
            "banned by the 2009 draft of Credit Reporting Regulation Art 14; kept by principle 2",
        ),
        DataCategory.petitioning: _POLITICAL,
        DataCategory.online_speech: Prohibition(
            2,
            "speech and online posts are political activity, and monitoring them is refused "
            "(principle 5)",
            _SENSITIVE_LAW,
        ),
        DataCategory.religion: Prohibition(
            2, "religious belief is a special category", _SENSITIVE_LAW
        ),
        DataCategory.ethnicity: Prohibition(
            2, "ethnicity is a special category (specific identity)", "PIPL Art 28"
        ),
        DataCategory.health: Prohibition(
            2,
            "health, diseases, medical history and blood type are special categories",
            _SENSITIVE_LAW,
        ),
        DataCategory.genetics: Prohibition(2, "genetic data is a special category", _SENSITIVE_LAW),
        DataCategory.biometrics: Prohibition(
            2,
            "biometrics (fingerprints, faces) are a special category, and biometric "
            "identification is refused (principle 5)",
            _SENSITIVE_LAW,
        ),
        DataCategory.sexual_life: Prohibition(
            2, "sexual life is a special category", "PIPL Art 28"
        ),
        DataCategory.social_relationships: Prohibition(
            2,
            "social relationships are a special category, and scoring people by their contacts "
            "would punish them for others' conduct (principle 3)",
            "PIPL Art 28",
        ),
        DataCategory.family_relations: Prohibition(
            3,
            "family relations may not be recorded: measures never reach family members, "
            "children or relatives",
            "国办发〔2020〕49号 (no expanded targets); Basic list of disciplinary measures",
        ),
        DataCategory.location: Prohibition(
            5, "location tracking is refused", "PIPL Art 28 (whereabouts)"
        ),
        DataCategory.unverified_report: Prohibition(
            1,
            "tips from the public create cases for an authority to verify, never records",
            "国办发〔2020〕49号: findings rest on legally effective documents",
        ),
    }
)

PERMITTED_CATEGORIES: tuple[str, ...] = tuple(c.value for c in DataCategory if c.permitted)


class AttributeType(StrEnum):
    string = "string"
    integer = "integer"
    decimal = "decimal"
    date = "date"
    boolean = "boolean"
    enum = "enum"


# --- attributes --------------------------------------------------------------------------------

Scalar = str | int | Decimal | bool | date


def as_decimal(value: object) -> Decimal | None:
    """A number given as int, float, Decimal or numeric text, as an exact Decimal (bool is not)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest text that round-trips, which is what the author typed
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


@dataclass(frozen=True, slots=True)
class AttributeSpec:
    """A typed attribute of a record type.

    `values` applies to enums, `scale` (digits after the point) to decimals, `minimum`/`maximum` to
    integers and decimals, `max_length` to strings. Money is a decimal with scale 2 and unit `CNY`.
    """

    name: str
    type: AttributeType
    data_category: DataCategory
    description: str = ""
    required: bool = False
    values: tuple[str, ...] = ()
    scale: int | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    max_length: int | None = None
    unit: str | None = None

    def coerce(self, value: object) -> Scalar:
        """The value in this attribute's type, or ValueError saying why it does not fit.

        >>> AttributeSpec("amount", AttributeType.decimal, DataCategory.financial_obligation,
        ...               scale=2).coerce("12.5")
        Decimal('12.5')
        """
        t = self.type
        if t is AttributeType.boolean:
            if not isinstance(value, bool):
                raise ValueError(f"must be true or false (got {value!r})")
            return value
        if t is AttributeType.integer:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"must be a whole number (got {value!r})")
            self._check_bounds(Decimal(value))
            return value
        if t is AttributeType.decimal:
            d = as_decimal(value)
            if d is None:
                raise ValueError(f"must be a number (got {value!r})")
            exponent = d.as_tuple().exponent
            places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
            if self.scale is not None and places > self.scale:
                raise ValueError(f"has {places} decimal places; at most {self.scale} allowed")
            self._check_bounds(d)
            return d
        if t is AttributeType.date:
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
            raise ValueError(f"must be a date YYYY-MM-DD (got {value!r})")
        if not isinstance(value, str):
            raise ValueError(f"must be text (got {value!r})")
        if t is AttributeType.enum and value not in self.values:
            hint = did_you_mean(value, self.values)
            raise ValueError(
                f"must be one of {', '.join(self.values)} (got {value!r})"
                + (f". {hint}" if hint else "")
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"is {len(value)} characters long; at most {self.max_length} allowed")
        return value

    def check(self, value: object) -> str | None:
        """Why `value` does not fit this attribute, or None when it does."""
        try:
            self.coerce(value)
        except ValueError as e:
            return str(e)
        return None

    def _check_bounds(self, d: Decimal) -> None:
        if self.minimum is not None and d < self.minimum:
            raise ValueError(f"must be ≥ {self.minimum} (got {d})")
        if self.maximum is not None and d > self.maximum:
            raise ValueError(f"must be ≤ {self.maximum} (got {d})")


# --- disclosure --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotDisplayed:
    """Never displayed publicly; visible to the subject and to purpose-logged checks only."""


@dataclass(frozen=True, slots=True)
class FixedDisplay:
    """Displayed for a fixed period from the decision date."""

    period: Period


@dataclass(frozen=True, slots=True)
class Tier:
    """One severity tier: the subject may apply for restoration after `minimum`; display stops
    automatically at `maximum` (NDRC Order 36)."""

    name: str
    minimum: Period
    maximum: Period


@dataclass(frozen=True, slots=True)
class TieredDisplay:
    """Display period chosen by the severity tier named in an enum attribute of the record."""

    attribute: str
    tiers: Mapping[str, Tier]


@dataclass(frozen=True, slots=True)
class UntilExitDisplay:
    """Displayed until an exit event: a later entry of one of `entry_kinds` referring to the record,
    or a later record of one of `record_types` about the same subject that shares the attributes
    named in `same` (e.g. the deletion decision in the same enforcement case)."""

    entry_kinds: frozenset[EntryKind]
    record_types: tuple[str, ...]
    same: tuple[str, ...] = ()


Disclosure = NotDisplayed | FixedDisplay | TieredDisplay | UntilExitDisplay


@dataclass(frozen=True, slots=True)
class OfficerRole:
    """A record type whose records say that their subject (a person) holds a named role in an
    entity: the entity's identifier in `scheme` is attribute `entity`, the role (one of the
    responsible roles a measure may reach, principle 3) is attribute `role`, and the role holds
    from date attribute `start` until date attribute `end` (open when absent). Measures aimed at
    that role reach the person through such records only."""

    entity: str
    scheme: str
    role: str
    start: str
    end: str | None = None

    def attributes(self) -> tuple[str, ...]:
        return (self.entity, self.role, self.start, *((self.end,) if self.end else ()))


# --- record types ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordType:
    """One entry of the catalogue. `legal_basis` is never empty (principle 1)."""

    name: str
    title: str
    authority: str
    legal_basis: tuple[Citation, ...]
    polarity: Polarity
    subject_kinds: frozenset[SubjectKind]
    attributes: Mapping[str, AttributeSpec]
    publishable: bool
    publication_basis: tuple[Citation, ...]
    disclosure: Disclosure
    data_category: DataCategory
    domain: BreachDomain
    entry_kinds: frozenset[EntryKind]
    description: str = ""
    officer_role: OfficerRole | None = None

    def attribute(self, name: str) -> AttributeSpec:
        try:
            return self.attributes[name]
        except KeyError:
            raise NotFound(_unknown("attribute", name, self.attributes, of=self.name)) from None

    def check_attributes(self, values: Mapping[str, object]) -> list[tuple[str, str]]:
        """Problems with a record's attributes as `(attribute, message)`: unknown names, missing
        required ones and values that do not fit their spec. Empty when all is well."""
        problems: list[tuple[str, str]] = []
        for name, value in values.items():
            spec = self.attributes.get(name)
            if spec is None:
                problems.append((name, _unknown("attribute", name, self.attributes, of=self.name)))
            elif value is not None and (why := spec.check(value)) is not None:
                problems.append((name, why))
        for name, spec in self.attributes.items():
            if spec.required and values.get(name) is None:
                problems.append((name, f"required attribute of {self.name} is missing"))
        return problems


def _unknown(what: str, name: str, known: Iterable[str], of: str | None = None) -> str:
    where = f" of {of}" if of else ""
    hint = did_you_mean(name, known)
    return f"unknown {what} {name!r}{where}" + (f". {hint}" if hint else "")


class Catalogue(Mapping[str, RecordType]):
    """The record types of a pack by name. A record of a type not in it is refused.

    `get` raises instead of returning None: asking for a type the catalogue lacks is always a
    mistake the caller should report, with the closest names.
    """

    __slots__ = ("_types",)

    def __init__(self, types: Iterable[RecordType] = ()) -> None:
        self._types: Mapping[str, RecordType] = MappingProxyType({t.name: t for t in types})

    @property
    def record_types(self) -> Mapping[str, RecordType]:
        """The plain read-only mapping, whose `.get` returns None for an unknown name."""
        return self._types

    def get(self, name: str) -> RecordType:  # type: ignore[override]
        """The record type called `name`; errors.NotFound with "Did you mean …?" otherwise."""
        try:
            return self._types[name]
        except KeyError:
            raise NotFound(_unknown("record type", name, self._types)) from None

    def __getitem__(self, name: str) -> RecordType:
        return self._types[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def __repr__(self) -> str:
        return f"Catalogue({sorted(self._types)!r})"
