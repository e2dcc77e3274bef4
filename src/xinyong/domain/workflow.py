"""Workflow steps: the system's own due-process and governance acts, kept in the ledger.

A step is a ledger entry of kind `step` (`record.EntryKind.step`). It is not a record: it is no
fact from a provider about a subject, no pack can declare or read it, and evaluation ignores it.
It says that an actor did one thing of a closed set (`StepType`) on one day, and on what: a
subject, an earlier entry (`refers_to`: the record objected to, the notice served, the approval
an activation completes), or neither (approving a pack concerns no subject).

The ledger's columns are reused, so a step is signed, proved and verified like any entry:

| column | for a step |
|---|---|
| `record_type` | the step type (`objection.filed`) |
| `provider` | the actor: an authority, an API key id, the subject's key, `system` |
| `refers_to` | the entry acted on, or absent |
| `subject_*` | the subject concerned; all three absent exactly for subject-less types |
| `decision_date` | the day the step takes effect (deadlines count from it) |
| `document_ref` | the step's own reference (a case or notice number, a pack version) |
| `attributes` | its details, canonical JSON (reasons, deadlines, approver, pack version) |
| `received_at` | when the ledger took it |

The list of types lives here rather than in the ledger's schema: the schema holds only the
shape (`storage/README.md`), so adding a type needs no migration of a stored ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from xinyong.domain.record import (
    AttributeValue,
    Entry,
    EntryKind,
    canonical_attributes,
)
from xinyong.domain.subject import SubjectKind


class StepType(StrEnum):
    """What a workflow step does. Names are `<workflow>.<step>`."""

    # governance: the two-person rule on the pack in force
    pack_approval = "pack.approval"
    pack_activation = "pack.activation"
    # the API key file's generations, anchored so an older copy of the file is refused
    keys_generation = "keys.generation"
    # notice before listing
    notice_issued = "notice.issued"
    notice_served = "notice.served"
    # objections and their reconsideration
    objection_filed = "objection.filed"
    objection_review = "objection.review"
    objection_upheld = "objection.upheld"
    objection_rejected = "objection.rejected"
    reconsideration_filed = "reconsideration.filed"
    reconsideration_decided = "reconsideration.decided"
    # credit restoration
    restoration_applied = "restoration.applied"
    restoration_granted = "restoration.granted"
    restoration_refused = "restoration.refused"

    @property
    def about_subject(self) -> bool:
        """Whether a step of this type concerns one subject (all but governance steps)."""
        return self not in SUBJECT_LESS


#: Step types that concern no subject: their entries leave the three subject columns absent.
SUBJECT_LESS: frozenset[StepType] = frozenset(
    {StepType.pack_approval, StepType.pack_activation, StepType.keys_generation}
)


def step_type(name: str) -> StepType:
    """The step type called `name`; ValueError naming the known ones otherwise.

    >>> step_type("objection.filed")
    <StepType.objection_filed: 'objection.filed'>
    """
    try:
        return StepType(name)
    except ValueError:
        known = ", ".join(t.value for t in StepType)
        raise ValueError(f"unknown step type {name!r}; one of {known}") from None


@dataclass(frozen=True, slots=True)
class StepSubject:
    """The subject a step concerns, as the ledger keys it (a pseudonym for an individual)."""

    scheme: str
    key: str
    kind: SubjectKind


@dataclass(frozen=True, slots=True)
class NewStep:
    """A step to append: checked on construction, so a batch of them is appended whole or not."""

    step_type: StepType
    actor: str
    on: date
    document_ref: str
    subject: StepSubject | None = None
    refers_to: int | None = None
    attributes: Mapping[str, AttributeValue | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.actor.strip():
            raise ValueError(f"{self.step_type.value}: the actor must be named")
        if not self.document_ref.strip():
            raise ValueError(f"{self.step_type.value}: document_ref must not be empty")
        if self.step_type.about_subject and self.subject is None:
            raise ValueError(f"a {self.step_type.value} step concerns a subject; none given")
        if not self.step_type.about_subject and self.subject is not None:
            raise ValueError(f"a {self.step_type.value} step concerns no subject; one was given")
        if self.refers_to is not None and self.refers_to < 0:
            raise ValueError(f"refers_to must be a sequence number (got {self.refers_to})")

    def row(self) -> dict[str, object]:
        """The step as a row of the ledger's batch columns (`storage.base.BATCH_COLUMNS`)."""
        s = self.subject
        return {
            "entry_kind": EntryKind.step.value,
            "refers_to": self.refers_to,
            "provider": self.actor,
            "record_type": self.step_type.value,
            "subject_scheme": None if s is None else s.scheme,
            "subject_key": None if s is None else s.key,
            "subject_kind": None if s is None else s.kind.value,
            "subject_birth_date": None,
            "decision_date": self.on,
            "document_ref": self.document_ref,
            "attributes": canonical_attributes(self.attributes),
        }


@dataclass(frozen=True, slots=True)
class Step:
    """A step as the ledger holds it."""

    seq: int
    step_type: StepType
    actor: str
    on: date
    document_ref: str
    subject: StepSubject | None
    refers_to: int | None
    attributes: dict[str, AttributeValue]
    received_at: datetime

    @classmethod
    def from_entry(cls, entry: Entry) -> Step:
        """The step an entry of kind `step` holds; ValueError for any other entry."""
        if entry.entry_kind is not EntryKind.step:
            raise ValueError(f"entry {entry.seq} is a {entry.entry_kind.value}, not a step")
        subject = None
        if entry.subject_key is not None:
            assert entry.subject_scheme is not None and entry.subject_kind is not None
            subject = StepSubject(entry.subject_scheme, entry.subject_key, entry.subject_kind)
        return cls(
            seq=entry.seq,
            step_type=step_type(entry.record_type),
            actor=entry.provider,
            on=entry.decision_date,
            document_ref=entry.document_ref,
            subject=subject,
            refers_to=entry.refers_to,
            attributes=entry.attribute_values(),
            received_at=entry.received_at,
        )
