"""Authorities: the packs in force and proposed, approving one (the two-person rule), a list's
contents, the evaluation runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from xinyong.api.deps import Ws, allow
from xinyong.api.schemas import (
    ApprovalOut,
    EvaluationOut,
    EvaluationsOut,
    ListOut,
    MemberOut,
    PackOut,
    PacksOut,
)
from xinyong.domain.access import ApiKey, Role
from xinyong.domain.governance import REQUIRED_APPROVALS
from xinyong.policy import Pack

router = APIRouter(prefix="/v1", tags=["authorities"])
Authority = Annotated[ApiKey, Depends(allow(Role.authority, Role.auditor))]
AuthorityOnly = Annotated[ApiKey, Depends(allow(Role.authority))]
_EXAMPLE = "sha256:83deaa6e0fde0c29da4c79955e350243b38df6a9b9afbaac2bf4801495591cc0"


@router.get("/packs", summary="The pack in force and the packs proposed, with their approvals")
def packs(key: Authority, ws: Ws) -> PacksOut:
    state = ws.pack_status()
    gov = state.governance
    found = {**state.proposals, ws.pack.version: ws.pack}
    out: list[PackOut] = []
    if gov.in_force is not None and gov.in_force.version in found:
        a = gov.in_force
        out.append(_pack(found[a.version], in_force=True, seq=a.seq, approvers=list(a.approvers)))
    for version, pack in sorted(found.items()):
        if version != gov.version and (version in state.proposals or gov.approvals(version)):
            approvers = [x.approver for x in gov.approvals(version)]
            out.append(_pack(pack, in_force=False, seq=None, approvers=approvers))
    return PacksOut(packs=out)


def _pack(p: Pack, *, in_force: bool, seq: int | None, approvers: list[str]) -> PackOut:
    return PackOut(
        name=p.name,
        version=p.version,
        in_force=in_force,
        activated_seq=seq,
        approvers=approvers,
        approvals_required=REQUIRED_APPROVALS,
        lists=sorted(p.lists),
        schemes=sorted(p.schemes),
        measures=sorted(p.measures),
    )


@router.post(
    "/packs/{version}/approvals",
    summary="Approve a pack version; the second distinct authority puts it in force",
    description="The pack must be in the workspace (the pack folder, or proposed with `xinyong "
    "pack propose`). Each approval is a `pack.approval` ledger entry naming this key; the "
    "second approval by a different authority key is written together with the "
    "`pack.activation` entry, and the pack becomes the one evaluate and check apply. The same "
    "key approving again is counted once and appends nothing. A version already in force: 422; "
    "a version the workspace does not hold: 404.",
)
def approve(
    version: Annotated[str, Path(pattern=r"^sha256:[0-9a-f]{64}$", examples=[_EXAMPLE])],
    key: AuthorityOnly,
    ws: Ws,
) -> ApprovalOut:
    result = ws.approve_pack(version, f"key:{key.key_id}")
    return ApprovalOut(
        version=result.version,
        approvers=result.approvers,
        approvals_required=REQUIRED_APPROVALS,
        recorded=[s.seq for s in result.recorded],
        activated=result.activated,
        in_force=result.in_force == version,
    )


@router.get("/lists/{name}", summary="Who is on a list, as of the evaluation in force")
def list_contents(
    name: Annotated[
        str, Path(min_length=1, max_length=128, examples=["dishonest_judgment_debtors"])
    ],
    key: Authority,
    ws: Ws,
) -> ListOut:
    as_of, rows = ws.list_members(name)
    members = [
        MemberOut(subject_key=str(r[0]), since=r[1], until=r[2], listings=int(r[3]))  # type: ignore[call-overload]
        for r in rows
    ]
    return ListOut(name=name, as_of=as_of, members=members)


@router.get("/evaluations", summary="The evaluation runs behind the decision index")
def evaluations(key: Authority, ws: Ws) -> EvaluationsOut:
    from xinyong.domain.workdays import coverage_warning

    found = ws.evaluation()
    cal, today = ws.calendar, ws.today()
    return EvaluationsOut(
        evaluations=[EvaluationOut.model_validate(found)] if found else [],
        calendar_known_until=cal.known_until(today),
        calendar_warning=coverage_warning(cal, today),
    )
