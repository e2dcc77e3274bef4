"""The ledger side of due process, behind one small interface: appending a case's steps (and the
record act an upheld objection or a granted restoration carries) as one batch, and reading the
steps back as the state machines' `Event`s.

Steps are ledger entries of kind `step` (`domain/workflow.py`): signed, proved and verified like
every entry. A step and the act it carries (a revocation, a correction, a restoration of the
record) are appended together, in one transaction under one checkpoint, so the ledger never
holds an upheld objection without its correction, nor a correction without its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from xinyong.domain.dueprocess import Event
from xinyong.domain.record import Entry, EntryKind, canonical_attributes
from xinyong.domain.workflow import NewStep, Step, StepSubject, StepType
from xinyong.errors import InvalidInput

if TYPE_CHECKING:
    from xinyong.service import Workspace
    from xinyong.storage.base import LedgerStore

#: The step types of the due-process workflows (the others, pack governance, are not ours).
DUE_PROCESS = ("notice.", "objection.", "reconsideration.", "restoration.")


def event_of(step: Step) -> Event:
    return Event(
        type=step.step_type.value,
        actor=step.actor,
        on=step.on,
        seq=step.seq,
        case=step.document_ref,
        refers_to=step.refers_to,
        attributes=dict(step.attributes),
        subject_key=None if step.subject is None else step.subject.key,
    )


def events(store: LedgerStore, subject_key: str | None = None) -> list[Event]:
    """The due-process steps (of one subject, if given), in ledger order."""
    found = store.steps(subject_key=subject_key)
    return [event_of(Step.from_entry(e)) for e in found if e.record_type.startswith(DUE_PROCESS)]


def new_step(
    type_: str,
    *,
    actor: str,
    on: date,
    case: str,
    record: Entry,
    attributes: dict[str, str | int | bool | None] | None = None,
) -> NewStep:
    """A step of a case about `record` (its subject, and `refers_to` it)."""
    assert record.subject_key is not None and record.subject_scheme is not None
    assert record.subject_kind is not None
    return NewStep(
        step_type=StepType(type_),
        actor=actor,
        on=on,
        document_ref=case,
        subject=StepSubject(record.subject_scheme, record.subject_key, record.subject_kind),
        refers_to=record.seq,
        attributes=attributes or {},
    )


def act_row(
    record: Entry,
    kind: EntryKind,
    *,
    on: date,
    provider: str | None = None,
    attributes: dict[str, object] | None = None,
) -> dict[str, object]:
    """A record act (revocation, correction, restoration) referring to `record`, as a batch row:
    the record's type and subject, its document reference, decided on `on`."""
    attrs = record.attribute_values() if attributes is None else attributes
    return {
        "entry_kind": kind.value,
        "refers_to": record.seq,
        "provider": provider or record.provider,
        "record_type": record.record_type,
        "subject_scheme": record.subject_scheme,
        "subject_key": record.subject_key,
        "subject_kind": None if record.subject_kind is None else record.subject_kind.value,
        # a birth date is kept only on entries decided while the subject is a minor; the record
        # has it exactly then, and an act is decided later, so it never needs one
        "subject_birth_date": None,
        "decision_date": on,
        "document_ref": record.document_ref,
        "attributes": canonical_attributes(attrs),  # type: ignore[arg-type]
    }


def record(
    ws: Workspace, steps: Sequence[NewStep], acts: Sequence[dict[str, object]] = ()
) -> list[Event]:
    """Append `acts` then `steps` as one batch, re-evaluate the subjects they touch (with their
    due-process holds), and return the steps as stored."""
    from xinyong.storage.base import batch_table

    ws.refuse_if_verification_failed()
    with ws.ledger() as store:
        before = store.size()
        for s in steps:
            if s.refers_to is not None and s.refers_to >= before:
                raise InvalidInput(
                    f"{s.step_type.value} refers to entry {s.refers_to}, not an earlier entry",
                    errors=[{"field": "refers_to", "reason": "not an earlier entry"}],
                )
        rows = [*acts, *(s.row() for s in steps)]
        store.append(batch_table(rows), datetime.now(UTC))
        ws._reevaluate(store, before)
        stored = store.entries(start=before)
    return [event_of(Step.from_entry(e)) for e in stored if e.entry_kind is EntryKind.step]


def entry(store: LedgerStore, seq: int) -> Entry | None:
    found = store.entries(start=seq, stop=seq + 1) if seq >= 0 else []
    return found[0] if found else None
