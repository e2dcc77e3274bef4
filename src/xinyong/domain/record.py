"""Ledger entries and their canonical bytes.

A record is one fact from one provider about one subject. The ledger never updates an entry:
corrections, revocations, fulfilments and restorations are new entries that refer to an earlier
one by its sequence number (`refers_to`). Workflow steps (`step`, `domain/workflow.py`) are the
system's own due-process and governance acts; they share the ledger but are not records, and
only they may concern no subject (the three subject columns then absent).

Canonical bytes (version 1) are what a leaf hash covers. They are a sequence of netstrings
(`<byte length>:<utf-8 bytes>,`), one per field in `CANONICAL_FIELDS` order, preceded by the
netstring `xinyong-entry-v1`; an absent value is the single byte `~`. Netstrings need no escaping,
so the same bytes are easy to build in SQL (`storage`) and in Python (here, the reference), and a
test holds the two to each other. Dates are ISO `YYYY-MM-DD`, `received_at` is integer microseconds
since the Unix epoch (UTC), and `attributes` is the canonical JSON text stored with the entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from xinyong.domain.subject import SubjectKind

CANONICAL_VERSION = "xinyong-entry-v1"
LEAF_PREFIX = b"\x00"  # RFC 6962 §2.1: leaf hashes are SHA-256(0x00 || data)


class EntryKind(StrEnum):
    """What an entry does: a new record, an act on an earlier one (`refers_to`), or a workflow
    step (`domain/workflow.py`: a step of a due-process or governance workflow, which may refer
    to an earlier entry or not)."""

    record = "record"
    correction = "correction"
    revocation = "revocation"
    fulfilment = "fulfilment"
    restoration = "restoration"
    step = "step"

    @property
    def about_records(self) -> bool:
        """A record or an act on one: what packs declare and engines evaluate."""
        return self is not EntryKind.step


#: The kinds packs and engines deal in: every kind but `step`.
RECORD_KINDS: tuple[EntryKind, ...] = tuple(k for k in EntryKind if k.about_records)


CANONICAL_FIELDS: tuple[str, ...] = (
    "seq",
    "entry_kind",
    "refers_to",
    "provider",
    "record_type",
    "subject_scheme",
    "subject_key",
    "subject_kind",
    "subject_birth_date",
    "decision_date",
    "document_ref",
    "attributes",
    "received_at",
)

AttributeValue = str | int | bool


def canonical_attributes(attributes: Mapping[str, AttributeValue | None]) -> str:
    """Canonical JSON text of typed attributes: keys sorted, no spaces, UTF-8 kept, no nulls.

    >>> canonical_attributes({"b": "中", "a": 12, "c": None})
    '{"a":12,"b":"中"}'
    """
    kept = {k: attributes[k] for k in sorted(attributes) if attributes[k] is not None}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False)


def epoch_us(moment: datetime) -> int:
    """Microseconds since the Unix epoch of an aware (or UTC-naive) datetime."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    delta = aware - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry as stored; an individual's `subject_key` is a pseudonym, not the number.

    The subject fields are None only on a subject-less step (the ledger's constraints hold it).
    """

    seq: int
    entry_kind: EntryKind
    refers_to: int | None
    provider: str
    record_type: str
    subject_scheme: str | None
    subject_key: str | None
    subject_kind: SubjectKind | None
    subject_birth_date: date | None
    decision_date: date
    document_ref: str
    attributes: str
    received_at: datetime

    def canonical_fields(self) -> tuple[str | None, ...]:
        """Field texts in canonical order (None for absent values)."""
        return (
            str(self.seq),
            self.entry_kind.value,
            None if self.refers_to is None else str(self.refers_to),
            self.provider,
            self.record_type,
            self.subject_scheme,
            self.subject_key,
            None if self.subject_kind is None else self.subject_kind.value,
            None if self.subject_birth_date is None else self.subject_birth_date.isoformat(),
            self.decision_date.isoformat(),
            self.document_ref,
            self.attributes,
            str(epoch_us(self.received_at)),
        )

    def canonical_bytes(self) -> bytes:
        return canonical_bytes(self.canonical_fields())

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.canonical_bytes())

    def attribute_values(self) -> dict[str, AttributeValue]:
        loaded: dict[str, AttributeValue] = json.loads(self.attributes)
        return loaded


def netstring(value: str | None) -> bytes:
    if value is None:
        return b"~"
    raw = value.encode("utf-8")
    return b"%d:%s," % (len(raw), raw)


def canonical_bytes(fields: tuple[str | None, ...]) -> bytes:
    """Canonical bytes of an entry from its field texts in `CANONICAL_FIELDS` order."""
    if len(fields) != len(CANONICAL_FIELDS):
        raise ValueError(f"expected {len(CANONICAL_FIELDS)} fields, got {len(fields)}")
    return netstring(CANONICAL_VERSION) + b"".join(netstring(f) for f in fields)


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash of canonical bytes."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()
