"""Decisions (决定): the answer to "may subject S do action A on date D?", with its reasons.

Reasons are data: each applying measure names its legal basis, the list membership or grade that
triggered it, the rule and the ledger records behind that, and the remedies — the exit rules that
end the listing and the route to object. Rendering (CLI, API, portal) only formats these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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


@dataclass(frozen=True, slots=True)
class Remedy:
    """A way a listing ends: an exit rule, its legal basis, the authority's deadline."""

    name: str
    description: str
    legal_basis: tuple[Basis, ...]
    deadline_working_days: int | None = None


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
class GradeReason:
    scheme_name: str
    scheme_title: str
    points: int
    grade: str
    items: tuple[ItemReason, ...]


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
