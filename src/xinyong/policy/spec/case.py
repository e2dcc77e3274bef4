"""`kind: Case`: a worked example — a subject, its records, and what the pack should decide.

Cases are checked for shape and references now; the evaluation engine replays them later.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field, StrictInt

from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.policy.spec.common import Name, RecordKind, SpecModel, Text


class RawCaseSubjectSpec(SpecModel):
    kind: SubjectKind
    birth_date: date | None = None


class RawCaseRelatedSpec(SpecModel):
    """Another subject of the case, e.g. the entity whose legal representative the case's
    subject is, named by its Unified Social Credit Code."""

    id: Name = Field(description="A local id records name in `subject:`.")
    kind: SubjectKind
    uscc: Text = Field(description="The entity's code; officer records name it.")


class RawCaseRecordSpec(SpecModel):
    id: Name = Field(description="A local id other records of the case refer to.")
    subject: Name | None = Field(
        None, description="The `related` subject this record is about; the case's when absent."
    )
    record_type: Name
    entry_kind: RecordKind = EntryKind.record
    refers_to: Name | None = None
    decision_date: date
    provider: Text = "example"
    document_ref: Text = ""
    attributes: dict[str, Any] = Field(default_factory=dict)


class RawCaseExpectSpec(SpecModel):
    lists: tuple[Name, ...] = Field((), description="Lists the subject is on at `as_of`.")
    not_lists: tuple[Name, ...] = Field((), description="Lists the subject is not on at `as_of`.")
    grades: dict[str, Text] = Field(default_factory=dict, description="Scheme name → grade.")
    scores: dict[str, StrictInt] = Field(
        default_factory=dict, description="Scheme name → points at `as_of`."
    )
    measures: tuple[Name, ...] = ()
    actions: dict[str, Literal["allow", "restrict", "reward"]] = Field(default_factory=dict)


class RawCaseSpec(SpecModel):
    kind: Literal["Case"]
    name: Name
    description: Text = ""
    subject: RawCaseSubjectSpec
    as_of: date
    related: tuple[RawCaseRelatedSpec, ...] = ()
    records: tuple[RawCaseRecordSpec, ...] = ()
    expect: RawCaseExpectSpec
