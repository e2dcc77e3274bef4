"""Auditors: the decision log, filtered (who asked, why, about whom, the answer)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from xinyong.api.deps import Ws, allow
from xinyong.api.schemas import LoggedCheck, LoggedChecks
from xinyong.domain.access import ApiKey, Role
from xinyong.storage.decisionlog import LogFilter

router = APIRouter(prefix="/v1/decisions", tags=["decisions (auditors)"])
Auditor = Annotated[ApiKey, Depends(allow(Role.auditor))]


@router.get("", summary="The decision log, filtered")
def decisions(
    *,
    key: Auditor,
    ws: Ws,
    subject: Annotated[
        str | None, Query(min_length=1, max_length=64, description="USCC or resident ID")
    ] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Literal["allow", "restrict", "reward"] | None = None,
    asked_by: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LoggedChecks:
    where = LogFilter(
        subject_key=ws.subject_key(subject) if subject else None,
        action=action,
        outcome=outcome,
        asked_by=asked_by,
        since=since,
        until=until,
    )
    lines = ws.decision_log(where, offset=offset, limit=limit)
    checks = [LoggedCheck.model_validate(line) for line in lines]
    return LoggedChecks(checks=checks, offset=offset, limit=limit)
