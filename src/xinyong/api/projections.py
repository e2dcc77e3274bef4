"""Decisions and subject files projected to what each audience may see.

The façade builds each decision for an audience (`domain.decision.Audience`), and the routers
bind the audience to the caller's role: a relying party is told the outcome, the reason codes it
is entitled to (measure_applies / no_measure_applies) and the measures with the lists or grade
behind them and their legal basis, never the records or the subject's file; the subject and
auditors are told every reason.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING

from xinyong.api.schemas import (
    DecisionOut,
    EntryOut,
    ListingOut,
    MeasureOut,
    Reason,
    ScoreOut,
)

if TYPE_CHECKING:
    from xinyong.api.case_schemas import CaseOut, StepOut
    from xinyong.domain.decision import AppliedMeasure, Decision
    from xinyong.dueprocess.cases import Case, Stepped
    from xinyong.queries import SubjectFile


def _lists(m: AppliedMeasure) -> list[str]:
    return list(dict.fromkeys(lr.list_name for lr in m.listings))


def codes(decision: Decision) -> list[str]:
    return [r.code.value for r in decision.reasons]


def reasons(decision: Decision) -> list[Reason]:
    return [
        Reason(
            measure=m.name,
            kind=m.kind,
            outcome=m.outcome,
            agency=m.agency,
            legal_basis=[b.text for b in m.legal_basis],
            lists=_lists(m),
            grade=m.grade.grade if m.grade is not None else None,
            officer=str(m.officer) if m.officer is not None else None,
        )
        for m in decision.measures
    ]


def decision_whole(decision: Decision) -> DecisionOut:
    return DecisionOut(
        action=decision.action,
        outcome=decision.outcome,
        as_of=decision.as_of,
        measures=[
            MeasureOut(
                name=m.name,
                kind=m.kind,
                title=m.title,
                agency=m.agency,
                outcome=m.outcome,
                legal_basis=[b.text for b in m.legal_basis],
                lists=_lists(m),
                records=sorted({lr.record.seq for lr in m.listings if lr.record is not None}),
                remedies=[r.description.strip() for r in m.remedies],
                officer=str(m.officer) if m.officer is not None else None,
            )
            for m in decision.measures
        ],
        objection=list(decision.objection),
        reasons=[dataclasses.asdict(r) for r in decision.reasons],
    )


def file_parts(
    found: SubjectFile,
) -> tuple[list[EntryOut], list[ListingOut], list[ScoreOut], list[DecisionOut]]:
    entries = [
        EntryOut(
            seq=e.seq,
            entry_kind=e.entry_kind.value,
            refers_to=e.refers_to,
            provider=e.provider,
            record_type=e.record_type,
            decision_date=e.decision_date,
            document_ref=e.document_ref,
            attributes=json.loads(e.attributes),
            received_at=e.received_at,
        )
        for e in found.entries
    ]
    key = found.subject_key
    listings = [
        ListingOut(
            list_name=str(r[1]),
            rule_name=str(r[2]),
            record_seq=r[3] if isinstance(r[3], int) else None,
            via_list=str(r[4]) if r[4] is not None else None,
            since=r[5],
            until=r[6],
            status=str(r[7]),
        )
        for r in found.results["listings"]
        if r[0] == key
    ]
    scores = [
        ScoreOut(scheme_name=str(r[1]), points=int(r[2]), grade=str(r[3]))
        for r in found.results["scores"]
        if r[0] == key
    ]
    return entries, listings, scores, [decision_whole(d) for d in found.decisions]


def case_out(case: Case) -> CaseOut:
    from xinyong.api.case_schemas import CaseOut

    return CaseOut.model_validate(dataclasses.asdict(case))


def step_out(done: Stepped) -> StepOut:
    from xinyong.api.case_schemas import StepOut

    return StepOut(
        case=case_out(done.case),
        recorded=done.recorded,
        reached=done.reached,
        notified=done.notified,
    )
