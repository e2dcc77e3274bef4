"""A subject's due process: object to one of its records, ask for reconsideration of a
rejection, apply for credit restoration, and read its cases (notices, objections, applications)
with their state, deadlines and next remedy. Auditors read any subject's.

A subject key acts for its own subject only: another identifier is 403, and another subject's
record or case is 404, exactly like one that does not exist. The day of each step is the
server's: the subject never chooses its filing date.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from xinyong.api.case_schemas import (
    CASE_PATTERN,
    DisplayOut,
    ObjectionIn,
    ReconsiderationIn,
    RestorationIn,
    StepOut,
    SubjectProcessOut,
)
from xinyong.api.deps import Ws, allow
from xinyong.api.projections import case_out, step_out
from xinyong.api.routers.subjects import Identifier, SchemeQ
from xinyong.domain.access import ApiKey, Role

router = APIRouter(prefix="/v1/subjects", tags=["due process (subjects)"])
Reader = Annotated[ApiKey, Depends(allow(Role.subject, Role.auditor))]
Subject = Annotated[ApiKey, Depends(allow(Role.subject))]
ObjectionId = Annotated[
    str,
    Path(pattern=CASE_PATTERN.replace("(OBJ|NOT|RES)", "OBJ"), examples=["OBJ-2026-0001"]),
]


@router.get(
    "/{identifier}/dueprocess",
    summary="A subject's notices, objections and restoration applications, with deadlines",
)
def subject_process(
    identifier: Identifier, key: Reader, ws: Ws, scheme: SchemeQ = None
) -> SubjectProcessOut:
    cases = ws.dueprocess.cases
    subject_key = cases.subject_of(key, identifier, scheme)
    today = ws.today()
    displays = [
        DisplayOut(
            record_seq=d.record_seq,
            record_type=d.record_type,
            tier=d.tier,
            decided_on=d.decided_on,
            may_apply_from=d.may_apply_from,
            ends_on=d.ends_on,
            restored_on=d.restored_on,
            state=d.state(today),
            restoration=None if d.restoration is None else d.restoration.case,
        )
        for d in cases.displays(subject_key)
    ]
    found = cases.listing(subject_key=subject_key)
    return SubjectProcessOut(
        subject=identifier, cases=[case_out(c) for c in found], displays=displays
    )


@router.post(
    "/{identifier}/objections",
    status_code=201,
    summary="Object to one of your records (and the listings resting on it)",
    description="Filed on the server's day; the authority reviews it within the pack's days "
    "(`deadlines.review_by`). A second objection to the record while one is open: 409, with "
    "the open case's next remedy.",
)
def file_objection(
    identifier: Identifier, body: ObjectionIn, key: Subject, ws: Ws, scheme: SchemeQ = None
) -> StepOut:
    cases = ws.dueprocess.cases
    return step_out(cases.file_objection(key, identifier, body.record, body.grounds, scheme))


@router.post(
    "/{identifier}/objections/{case}/reconsideration",
    status_code=201,
    summary="Ask for reconsideration of a rejected objection",
    description="Within the pack's days of the rejection (`deadlines.reconsider_by`); later, or "
    "on an objection not rejected: 409 with the reasons and the next remedy.",
)
def reconsider_objection(  # noqa: PLR0917 - FastAPI maps parameters to the request
    identifier: Identifier,
    case: ObjectionId,
    body: ReconsiderationIn,
    key: Subject,
    ws: Ws,
    scheme: SchemeQ = None,
) -> StepOut:
    cases = ws.dueprocess.cases
    return step_out(cases.reconsider(key, identifier, case, body.grounds, scheme))


@router.post(
    "/{identifier}/restorations",
    status_code=201,
    summary="Apply for credit restoration of a record shown for a tiered period",
    description="An application the pack's conditions do not allow (before the minimum "
    "period, a condition not attested) is recorded and refused at once by the system: the "
    "answer is then the case in state `refused`, with its reasons and next remedy.",
)
def apply_restoration(
    identifier: Identifier, body: RestorationIn, key: Subject, ws: Ws, scheme: SchemeQ = None
) -> StepOut:
    done = ws.dueprocess.cases.apply_restoration(
        key,
        identifier,
        body.record,
        attested=body.attested,
        commitment=body.commitment,
        scheme=scheme,
    )
    return step_out(done)
