"""A loaded, valid policy pack: sources, catalogue, lists, schemes, measures and example cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xinyong.domain.catalogue import Catalogue, Citation, Confidence, Scalar
from xinyong.domain.dueprocess import DueProcessRules
from xinyong.domain.lists import CreditList
from xinyong.domain.measures import Measure
from xinyong.domain.record import EntryKind
from xinyong.domain.scoring import ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.errors import PolicyProblem


@dataclass(frozen=True, slots=True)
class Source:
    """A source the pack's rules cite, with its confidence mark (C, S or U as in sources.md)."""

    id: str
    title: str
    confidence: Confidence
    citation: str | None = None
    url: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One ledger entry of an example case; `id` and `refers_to` are local to the case."""

    id: str
    record_type: str
    entry_kind: EntryKind
    refers_to: str | None
    decision_date: date
    provider: str
    document_ref: str
    attributes: Mapping[str, Scalar]
    subject: str | None = None  # a related subject's id; the case's subject when None


@dataclass(frozen=True, slots=True)
class CaseSubject:
    """Another subject a case needs, named by its identifier: an entity whose officer the case's
    subject is (the records naming it carry that identifier)."""

    id: str
    kind: SubjectKind
    scheme: str
    identifier: str

    @property
    def key(self) -> str:
        return f"{self.scheme}:{self.identifier}"


@dataclass(frozen=True, slots=True)
class Allowance:
    """A reviewed exception to the meaning screen: `term` does not mean its prohibited category in
    this document (or only under key path `at`), for `reason`. `index` is its place in `allow:`."""

    term: str
    reason: str
    at: str | None
    index: int


@dataclass(frozen=True, slots=True)
class CaseExpectation:
    lists: frozenset[str] = frozenset()
    not_lists: frozenset[str] = frozenset()
    grades: Mapping[str, str] = field(default_factory=dict)
    measures: frozenset[str] = frozenset()
    actions: Mapping[str, str] = field(default_factory=dict)
    scores: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Case:
    """A worked example: a subject, its records, and what the pack should decide on `as_of`."""

    name: str
    subject_kind: SubjectKind
    birth_date: date | None
    as_of: date
    records: tuple[CaseRecord, ...]
    expect: CaseExpectation
    description: str = ""
    related: tuple[CaseSubject, ...] = ()


@dataclass(frozen=True)
class Pack:
    """A valid policy pack. `version` is the content hash (`sha256:…`); `label` is the human one."""

    name: str
    label: str
    version: str
    jurisdiction: str
    path: Path
    sources: Mapping[str, Source]
    catalogue: Catalogue
    lists: Mapping[str, CreditList]
    schemes: Mapping[str, ScoringScheme]
    measures: Mapping[str, Measure]
    cases: Mapping[str, Case]
    description: str = ""
    warnings: tuple[PolicyProblem, ...] = ()
    # `allow:` entries by document (group, name), and the screen findings they waive, located:
    # `pack validate` shows these so that every exception is reviewed
    allowances: Mapping[tuple[str, str], tuple[Allowance, ...]] = field(default_factory=dict)
    exceptions: tuple[PolicyProblem, ...] = ()
    # the objection and restoration workflows' deadlines and conditions (pack.yaml due_process)
    due_process: DueProcessRules = field(default_factory=DueProcessRules)

    @property
    def short_version(self) -> str:
        """`sha256:` and the first 12 hex digits: enough to tell versions apart in logs."""
        algorithm, _, digest = self.version.partition(":")
        return f"{algorithm}:{digest[:12]}"

    def confidence(self, citation: Citation) -> Confidence:
        """A citation's own mark, or its source's."""
        if citation.confidence is not None:
            return citation.confidence
        return self.sources[citation.source].confidence
