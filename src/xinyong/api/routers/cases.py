"""Due-process cases for authorities (and auditors, who read them): notices before listing,
objections (review, reject, uphold, decide on reconsideration), credit restoration (grant,
refuse), and the cases themselves with their deadlines, overdue ones first to act on.

An authority key acts only on the cases about records its authority made (the record's
provider, the key's `authority` scope): any other is 403. Each step is a ledger entry naming the
key (`name#key_id`) and the server's day; a step the case's state does not allow is a 409
problem with the reasons (`errors`) and the next remedy (`remedy`), and records nothing. The
steps are `Workspace.dueprocess`'s, the same the CLI takes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from xinyong.api.case_schemas import (
    CASE_PATTERN,
    CaseOut,
    CasesOut,
    NoticeIn,
    ReasonsIn,
    ReconsiderationDecisionIn,
    RefusalIn,
    StepOut,
    UpholdIn,
)
from xinyong.api.deps import Ws, allow
from xinyong.api.projections import case_out, step_out
from xinyong.domain.access import ApiKey, Role

router = APIRouter(prefix="/v1", tags=["due process (authorities)"])
Reader = Annotated[ApiKey, Depends(allow(Role.authority, Role.auditor))]
AuthorityOnly = Annotated[ApiKey, Depends(allow(Role.authority))]


def _case(prefix: str) -> object:
    return Path(
        pattern=CASE_PATTERN.replace("(OBJ|NOT|RES)", prefix),
        description="The case number.",
        examples=[f"{prefix}-2026-0001"],
    )


CaseId = Annotated[str, _case("(OBJ|NOT|RES)")]
ObjectionId = Annotated[str, _case("OBJ")]
RestorationId = Annotated[str, _case("RES")]


@router.get(
    "/cases",
    summary="Due-process cases: an authority's own, or every one for an auditor",
    description="Oldest first. `overdue=true`: only the cases an authority is late with today "
    "(review, reconsideration or restoration decision past its deadline); `open=true`: only "
    "the cases still waiting on someone — with `kind=notice`, the notices whose period to "
    "object runs, their listings held until it ends; `since`: only the cases with a step "
    "after that ledger entry (the `cursor` of an earlier answer, to poll for what changed).",
)
def list_cases(
    *,
    key: Reader,
    ws: Ws,
    kind: Literal["notice", "objection", "restoration"] | None = None,
    overdue: bool = False,
    open: Annotated[bool, Query(description="Only the cases still open.")] = False,
    since: Annotated[int | None, Query(ge=0, le=2**53, description="A cursor.")] = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> CasesOut:
    cases = ws.dueprocess.cases
    found = cases.listing(
        authority=cases.authority_of(key),
        kind=kind,
        overdue=overdue,
        open_only=open,
        since=since,
    )
    page = found[offset : offset + limit]
    cursor = max((c.steps[-1].seq for c in found), default=since)
    return CasesOut(cases=[case_out(c) for c in page], offset=offset, limit=limit, cursor=cursor)


@router.get("/cases/{case}", summary="One case: state, deadlines, reasons, steps, next remedy")
def read_case(case: CaseId, key: Reader, ws: Ws) -> CaseOut:
    return case_out(ws.dueprocess.cases.authority_case(key, case))


@router.post(
    "/notices",
    status_code=201,
    summary="Notify a subject before listing: reasons, basis, rights, the deadline to object",
    description="Sent through the notice channel, then recorded issued and served. The list "
    "must take its notice through the workflow (`notice.workflow` in the pack), else 422; the "
    "record must be about the subject (else 404) and of this key's authority (else 403).",
)
def issue_notice(body: NoticeIn, key: AuthorityOnly, ws: Ws) -> StepOut:
    done = ws.dueprocess.cases.issue_notice(
        key,
        body.subject,
        body.record,
        body.list,
        reasons=body.reasons,
        to=body.to,
        scheme=body.scheme,
    )
    return step_out(done)


@router.post("/objections/{case}/review", summary="Take an objection under review")
def review_objection(case: ObjectionId, key: AuthorityOnly, ws: Ws) -> StepOut:
    return step_out(ws.dueprocess.cases.review(key, case))


@router.post(
    "/objections/{case}/rejection",
    summary="Reject an objection, with reasons; the subject may ask for reconsideration",
)
def reject_objection(case: ObjectionId, body: ReasonsIn, key: AuthorityOnly, ws: Ws) -> StepOut:
    done = ws.dueprocess.cases.decide(key, case, upheld=False, reasons=body.reasons)
    return step_out(done)


@router.post(
    "/objections/{case}/upholding",
    summary="Uphold an objection: the record is revoked (or corrected) in the same step",
    description="The subject is re-evaluated at once; every past decision that rested on the "
    "record is listed and its relying parties are told to decide again (`reached`, "
    "`notified`).",
)
def uphold_objection(case: ObjectionId, body: UpholdIn, key: AuthorityOnly, ws: Ws) -> StepOut:
    cases = ws.dueprocess.cases
    done = cases.decide(key, case, upheld=True, reasons=body.reasons, correct=body.correct)
    return step_out(done)


@router.post(
    "/objections/{case}/reconsideration-decision",
    summary="Decide a reconsideration (uphold or reject), with reasons; final in the workflow",
)
def decide_reconsideration(
    case: ObjectionId, body: ReconsiderationDecisionIn, key: AuthorityOnly, ws: Ws
) -> StepOut:
    done = ws.dueprocess.cases.decide(
        key,
        case,
        upheld=body.uphold,
        reasons=body.reasons,
        correct=body.correct if body.uphold else None,
        reconsideration=True,
    )
    return step_out(done)


@router.post(
    "/restorations/{case}/grant",
    summary="Grant a credit restoration, with reasons: the record's display stops",
)
def grant_restoration(case: RestorationId, body: ReasonsIn, key: AuthorityOnly, ws: Ws) -> StepOut:
    done = ws.dueprocess.cases.decide_restoration(key, case, granted=True, reasons=body.reasons)
    return step_out(done)


@router.post(
    "/restorations/{case}/refusal",
    summary="Refuse a credit restoration, with reasons and the next remedy",
)
def refuse_restoration(case: RestorationId, body: RefusalIn, key: AuthorityOnly, ws: Ws) -> StepOut:
    done = ws.dueprocess.cases.decide_restoration(
        key, case, granted=False, reasons=body.reasons, remedy=body.remedy
    )
    return step_out(done)
