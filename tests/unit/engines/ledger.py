"""Build ledger rows (`results.ENTRY_COLUMNS` order) for reference-evaluator tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from xinyong.domain.catalogue import Scalar
from xinyong.domain.record import AttributeValue, EntryKind, canonical_attributes
from xinyong.domain.results import Results, Row
from xinyong.domain.subject import kept_birth_date
from xinyong.policy import Case

REPO = Path(__file__).resolve().parents[3]
PACKS = REPO / "packs"
NATIONAL = PACKS / "national"


def json_value(value: Scalar | None) -> AttributeValue | None:
    """A typed attribute as the ledger stores it: decimals and dates as text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class Ledger:
    """Entries about one or more subjects, numbered in the order they are added."""

    rows: list[Row] = field(default_factory=list)
    subjects: dict[str, tuple[str, date | None]] = field(default_factory=dict)

    def subject(self, key: str, kind: str = "individual", birth: date | None = None) -> str:
        self.subjects[key] = (kind, birth)
        return key

    def add(
        self,
        record_type: str,
        decided: date,
        attributes: Mapping[str, Scalar | None] | None = None,
        *,
        subject: str = "s",
        entry_kind: EntryKind | str = EntryKind.record,
        refers_to: int | None = None,
    ) -> int:
        if subject not in self.subjects:
            self.subject(subject)
        kind, birth = self.subjects[subject]
        seq = len(self.rows) + 1
        attrs = canonical_attributes({k: json_value(v) for k, v in (attributes or {}).items()})
        self.rows.append(
            (
                seq,
                str(entry_kind),
                refers_to,
                record_type,
                subject,
                kind,
                kept_birth_date(birth, decided),  # as ingest stores it (ledger format 2)
                decided,
                attrs,
            )
        )
        return seq

    def act(
        self,
        entry_kind: EntryKind,
        seq: int,
        decided: date,
        attributes: Mapping[str, Scalar | None] | None = None,
    ) -> int:
        """An act on an earlier entry, about the same subject and of the same record type."""
        row = self.rows[seq - 1]
        return self.add(
            row[3],
            decided,
            attributes,
            subject=row[4],
            entry_kind=entry_kind,
            refers_to=seq,
        )


def case_rows(case: Case, subject_key: str = "case") -> list[Row]:
    """A pack's example case as ledger rows: seq in record order, local ids resolved."""
    ledger = Ledger()
    ledger.subject(subject_key, case.subject_kind.value, case.birth_date)
    # related entities are keyed by their code, as the officer records naming them are read
    keys = {rel.id: ledger.subject(rel.key, rel.kind.value) for rel in case.related}
    ids: dict[str, int] = {}
    for r in case.records:
        ids[r.id] = ledger.add(
            r.record_type,
            r.decision_date,
            r.attributes,
            subject=subject_key if r.subject is None else keys[r.subject],
            entry_kind=r.entry_kind,
            refers_to=None if r.refers_to is None else ids[r.refers_to],
        )
    return ledger.rows


def outcomes(results: Results, subject_key: str) -> dict[str, str]:
    """The aggregate outcome per action: restrict if any sanction, else reward if any reward."""
    out: dict[str, str] = {}
    for key, action, _measure, outcome, *_via in results["decisions"]:
        if key == subject_key and out.get(action) != "restrict":
            out[action] = outcome
    return out


def on_lists(results: Results, subject_key: str = "s") -> set[str]:
    return {m[1] for m in results["memberships"] if m[0] == subject_key}


def measures(results: Results, subject_key: str = "s") -> set[str]:
    return {d[2] for d in results["decisions"] if d[0] == subject_key}
