"""Subjects: their own file (records, listings, scores, decisions with reasons) and every check
made on them, with who asked and the declared purpose. A subject's key reads its own subject
only; auditors read any."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.api.deps import Ws, allow, own_subject
from xinyong.api.projections import file_parts
from xinyong.api.schemas import LoggedCheck, LoggedChecks, Scheme, SubjectFileOut
from xinyong.domain.access import ApiKey, Role
from xinyong.domain.decision import Audience
from xinyong.storage.decisionlog import LogFilter

router = APIRouter(prefix="/v1/subjects", tags=["subjects"])
Reader = Annotated[ApiKey, Depends(allow(Role.subject, Role.auditor))]
Identifier = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        description="USCC or resident identity number",
        examples=["91350100M000100Y43"],
    ),
]
SchemeQ = Annotated[Scheme | None, Query(description="Identifier scheme (default: its fit).")]


@router.get("/{identifier}", summary="A subject's file: records, listings, scores, decisions")
def subject_file(
    identifier: Identifier, key: Reader, ws: Ws, scheme: SchemeQ = None
) -> SubjectFileOut:
    subject_key = ws.subject_key(identifier, scheme)
    own_subject(key, subject_key)
    audience = Audience.subject if key.role is Role.subject else Audience.auditor
    found = ws.subject_file(subject_key, audience)
    entries, listings, scores, decisions = file_parts(found)
    return SubjectFileOut(
        subject=identifier,
        scheme=ws.find_scheme(identifier, scheme).name,
        pack_version=found.results.pack_version,
        as_of=found.results.as_of,
        entries=entries,
        listings=listings,
        scores=scores,
        decisions=decisions,
    )


@router.get("/{identifier}/checks", summary="Every check made on a subject: who, why, answer")
def subject_checks(
    *,
    identifier: Identifier,
    key: Reader,
    ws: Ws,
    scheme: SchemeQ = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LoggedChecks:
    subject_key = ws.subject_key(identifier, scheme)
    own_subject(key, subject_key)
    lines = ws.decision_log(LogFilter(subject_key=subject_key), offset=offset, limit=limit)
    checks = [LoggedCheck.model_validate(line) for line in lines]
    return LoggedChecks(checks=checks, offset=offset, limit=limit)
