"""Authorities: the packs in force, a list's contents, the evaluation runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from xinyong.api.deps import Ws, allow
from xinyong.api.schemas import (
    EvaluationOut,
    EvaluationsOut,
    ListOut,
    MemberOut,
    PackOut,
    PacksOut,
)
from xinyong.domain.access import ApiKey, Role

router = APIRouter(prefix="/v1", tags=["authorities"])
Authority = Annotated[ApiKey, Depends(allow(Role.authority, Role.auditor))]


@router.get("/packs", summary="The policy packs in force")
def packs(key: Authority, ws: Ws) -> PacksOut:
    p = ws.pack
    return PacksOut(
        packs=[
            PackOut(
                name=p.name,
                version=p.version,
                in_force=True,
                lists=sorted(p.lists),
                schemes=sorted(p.schemes),
                measures=sorted(p.measures),
            )
        ]
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
    found = ws.evaluation()
    return EvaluationsOut(evaluations=[EvaluationOut.model_validate(found)] if found else [])
