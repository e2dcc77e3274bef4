"""Decisions (决定): the answer to "may subject S do action A on date D?", with its reasons.

Reasons are data: each applying measure names its legal basis, the list membership or grade that
triggered it, the rule and the ledger records behind that, and the remedies — the exit rules that
can end the listing and the route to object. Every decision, an allow included, also carries
`reasons`: typed items, each with a code from the closed vocabulary `ReasonCode`
(docs/concepts/decisions.md). How much of this an asker sees depends on the `Audience` it is
served as. Rendering (CLI, API, portal) only formats these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Audience(StrEnum):
    """Who a decision is served to. A relying party learns the outcome and the measures it must
    apply, nothing about the subject's file; the subject and auditors see every reason."""

    relying_party = "relying_party"
    subject = "subject"
    auditor = "auditor"

    @property
    def full(self) -> bool:
        return self is not Audience.relying_party


class ReasonCode(StrEnum):
    """The closed vocabulary of reasons. The first two are told to every audience; the rest say
    why, from the subject's file, and only the subject and auditors are told them."""

    measure_applies = "measure_applies"  # a measure touching the action applies
    no_measure_applies = "no_measure_applies"  # none does: allow
    no_records = "no_records"  # the ledger holds nothing about the subject decided by D
    not_listed = "not_listed"  # no entry rule of a list behind the action's measures matches
    notice_pending = "notice_pending"  # a listing held: the subject was not notified before it
    disputed = "disputed"  # a listing held while an objection to its record is decided
    excluded = "excluded"  # a list exclusion applies (e.g. a minor on the decision date)
    barred = "barred"  # a record bars the entry rule (e.g. security provided)
    listing_ended = "listing_ended"  # the listing ended: by which exit, when, on which record
    grade_not_met = "grade_not_met"  # a grade-triggered measure: the subject's grade is not one

    @property
    def for_relying_party(self) -> bool:
        return self in (ReasonCode.measure_applies, ReasonCode.no_measure_applies)


@dataclass(frozen=True, slots=True)
class Basis:
    """A citation as a reader needs it: the source's citation text and the article."""

    source: str
    text: str
    confidence: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A ledger record a reason rests on (the entry's sequence number proves it by inclusion)."""

    seq: int
    record_type: str
    title: str
    provider: str
    document_ref: str
    decision_date: date
    # what the record says (e.g. the ground barring a listing: security_provided); only the
    # subject and auditors are ever shown a record
    attributes: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Remedy:
    """A way a listing ends: an exit rule, its legal basis, the authority's deadline."""

    name: str
    description: str
    legal_basis: tuple[Basis, ...]
    deadline_working_days: int | None = None
    list_name: str = ""  # the list whose exit rule this is (a listing may rest on another's)


@dataclass(frozen=True, slots=True)
class ListingReason:
    list_name: str
    list_title: str
    rule_name: str
    since: date
    until: date | None
    legal_basis: tuple[Basis, ...]
    record: RecordRef | None
    via_list: str | None = None


@dataclass(frozen=True, slots=True)
class ItemReason:
    item_name: str
    records: int
    points: int
    legal_basis: tuple[Basis, ...]


@dataclass(frozen=True, slots=True)
class ScoreReason:
    """A scorecard's reason code (adverse-action style): the feature that cost the subject most
    points against its best bin, and what would raise the score."""

    feature: str
    points_lost: int
    text: str
    remedy: str


@dataclass(frozen=True, slots=True)
class GradeReason:
    scheme_name: str
    scheme_title: str
    points: int
    grade: str
    items: tuple[ItemReason, ...]
    # scorecards only: at most four, most points lost first
    reasons: tuple[ScoreReason, ...] = ()


@dataclass(frozen=True, slots=True)
class OfficerReason:
    """Why a measure on an entity reaches this person: the role they hold in it, the record
    establishing the role, and the provision naming that role (principle 3)."""

    entity_key: str
    role: str
    role_label: str
    legal_basis: tuple[Basis, ...]
    record: RecordRef | None = None

    def __str__(self) -> str:
        entity = self.entity_key.split(":", 1)[-1]
        cites = "; ".join(b.text for b in self.legal_basis)
        return f"restricted as {self.role_label} of {entity}" + (f", {cites}" if cites else "")


@dataclass(frozen=True, slots=True)
class AppliedMeasure:
    name: str
    kind: str
    title: str
    agency: str
    outcome: str
    legal_basis: tuple[Basis, ...]
    listings: tuple[ListingReason, ...] = ()
    grade: GradeReason | None = None
    remedies: tuple[Remedy, ...] = ()
    # set when the measure applies to an entity and reaches this person as its officer
    officer: OfficerReason | None = None


# --- reasons: one typed item per code, `code` first in every one --------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasureApplies:
    code: ReasonCode = field(default=ReasonCode.measure_applies, init=False)
    measure: str
    outcome: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoMeasureApplies:
    code: ReasonCode = field(default=ReasonCode.no_measure_applies, init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoRecords:
    code: ReasonCode = field(default=ReasonCode.no_records, init=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotListed:
    """The subject's records start no listing on a list whose measures touch the action."""

    code: ReasonCode = field(default=ReasonCode.not_listed, init=False)
    list_name: str
    list_title: str
    measures: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NoticePending:
    """Held for want of notice: it would run from `listing.since` to `listing.until` (open:
    None), and stands only once a decision follows a notice (design principle 7)."""

    code: ReasonCode = field(default=ReasonCode.notice_pending, init=False)
    listing: ListingReason
    notice_basis: tuple[Basis, ...]
    # when the notice was served: why the listing is still held (the objection period runs, an
    # objection is decided, or the period's end waits for a year's working-day arrangement)
    held: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Disputed:
    """Held while an objection to the record it rests on is decided: the pack suspends the
    measures meanwhile (`due_process.objection.suspends`)."""

    code: ReasonCode = field(default=ReasonCode.disputed, init=False)
    listing: ListingReason
    objection_basis: tuple[Basis, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Excluded:
    """A list exclusion applies: `age_under` when the subject was younger than that on the
    would-be listing's start, `record` when the exclusion rests on one."""

    code: ReasonCode = field(default=ReasonCode.excluded, init=False)
    listing: ListingReason
    exclusion: str
    legal_basis: tuple[Basis, ...]
    age_under: int | None = None
    record: RecordRef | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Barred:
    """A record bars the entry rule (its `unless`), e.g. security provided."""

    code: ReasonCode = field(default=ReasonCode.barred, init=False)
    listing: ListingReason
    record: RecordRef | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingEnded:
    """The listing ended on `ended_on`: by `exit` (None: with the listing it rests on,
    `listing.via_list`, or by its term), on `record` (the entry that ended it, if one did)."""

    code: ReasonCode = field(default=ReasonCode.listing_ended, init=False)
    listing: ListingReason
    ended_on: date
    exit: Remedy | None
    record: RecordRef | None


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeNotMet:
    code: ReasonCode = field(default=ReasonCode.grade_not_met, init=False)
    scheme_name: str
    grade: str | None  # None: the subject is not scored on the scheme
    grades: tuple[str, ...]
    measures: tuple[str, ...]


Reason = (
    MeasureApplies
    | NoMeasureApplies
    | NoRecords
    | NotListed
    | NoticePending
    | Disputed
    | Excluded
    | Barred
    | ListingEnded
    | GradeNotMet
)


@dataclass(frozen=True, slots=True)
class Decision:
    subject_key: str
    action: str
    outcome: str
    as_of: date
    pack_name: str
    pack_version: str
    measures: tuple[AppliedMeasure, ...] = ()
    objection: tuple[str, ...] = field(default=())
    reasons: tuple[Reason, ...] = ()
    audience: Audience = Audience.auditor
