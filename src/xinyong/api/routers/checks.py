"""Relying parties: check one subject, check a batch, learn which watched subjects changed.

A relying party's key names the actions it may check and the purpose it declared; every check
is logged with the key and that purpose. The answer is the outcome and the reason codes the
relying party is entitled to (`projections.reasons`), never the subject's file.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from xinyong.api.deps import Ws, allow, asked_by, granted_action
from xinyong.api.projections import codes, reasons
from xinyong.api.schemas import (
    BatchCheckIn,
    BatchCheckOut,
    BatchItem,
    ChangesIn,
    ChangesOut,
    CheckIn,
    CheckOut,
    FieldProblem,
    Reason,
)
from xinyong.domain.access import ApiKey, Role
from xinyong.domain.decision import Audience, Decision
from xinyong.errors import IdentifierError, InvalidInput

router = APIRouter(prefix="/v1", tags=["checks (relying parties)"])
RelyingParty = Annotated[ApiKey, Depends(allow(Role.relying_party))]


@router.post(
    "/checks",
    summary="May this subject do this action? The outcome and its reasons",
    responses={
        200: {
            "links": {
                "SubjectChecks": {
                    "operationId": "subject_checks",
                    "parameters": {"identifier": "$request.body#/subject"},
                }
            }
        }
    },
)
async def check(body: CheckIn, key: RelyingParty, ws: Ws) -> CheckOut:
    # async: answered on the event loop from the hot file, no thread hop; the log line is
    # awaited (durable before the answer) and the slow path runs in a thread
    granted_action(key, body.action)
    decision = await ws.quick.check_async(  # a relying party: the caller's role decides
        body.subject,
        body.action,
        as_of=body.as_of,
        scheme=body.scheme,
        asked_by=asked_by(key),
        purpose=key.scope.purpose,
    )
    return CheckOut(
        subject=body.subject,
        action=decision.action,
        outcome=decision.outcome,
        as_of=decision.as_of,
        pack_version=decision.pack_version,
        codes=codes(decision),
        reasons=reasons(decision),
    )


@router.post(
    "/checks/batch",
    summary="Check up to 10,000 subjects for one action",
    description="An identifier that is invalid gets an `error` naming it; the others are checked.",
    response_model=BatchCheckOut,
)
def check_batch(body: BatchCheckIn, key: RelyingParty, ws: Ws) -> Response:
    granted_action(key, body.action)
    found = ws.quick.check_batch(
        body.subjects,
        body.action,
        as_of=body.as_of,
        asked_by=asked_by(key),
        purpose=key.scope.purpose,
    )
    if not isinstance(found, list):  # from the hot file
        return Response(
            batch_json(body.subjects, body.action, found), media_type="application/json"
        )
    items: list[BatchItem] = []
    as_of = None
    for i, (subject, d) in enumerate(zip(body.subjects, found, strict=True)):
        if isinstance(d, IdentifierError):
            problem = FieldProblem(field=f"body.subjects.{i}", reason=d.reason)
            items.append(BatchItem(subject=subject, error=problem))
            continue
        as_of = d.as_of
        items.append(
            BatchItem(subject=subject, outcome=d.outcome, codes=codes(d), reasons=reasons(d))
        )
    out = BatchCheckOut(
        action=body.action, as_of=as_of, pack_version=ws.pack.version, results=items
    )
    return Response(out.model_dump_json(), media_type="application/json")


def batch_json(subjects: list[str], action: str, found: Any) -> bytes:
    """`BatchCheckOut` as JSON, rendered once per distinct answer and joined: a model per item
    would cost more than the check (a test holds this to the models' own JSON)."""
    a = found.answers
    tails = {-1: _tail("allow", ["no_measure_applies"], [])}
    for i, v in a.verdicts.items():
        d = Decision(
            "",
            action,
            v.outcome,
            a.as_of,
            "",
            a.pack_version,
            v.measures,
            v.objection,
            v.reasons,
            Audience.relying_party,
        )
        tails[i] = _tail(v.outcome, codes(d), reasons(d))
    dumps = json.dumps
    parts = [
        f'{{"subject":"{s}",{tails[v]}}}'
        if s.isascii() and s.isalnum()
        else f'{{"subject":{dumps(s)},{tails[v]}}}'
        for s, v in zip(subjects, a.verdict.tolist(), strict=True)
    ]
    for i, error in found.errors.items():
        problem = FieldProblem(field=f"body.subjects.{i}", reason=error.reason)
        parts[i] = BatchItem(subject=subjects[i], error=problem).model_dump_json()
    head = {"action": action, "as_of": a.as_of.isoformat(), "pack_version": a.pack_version}
    return (dumps(head)[:-1] + ',"results":[' + ",".join(parts) + "]}").encode("utf-8")


def _tail(outcome: str, found_codes: list[str], found: list[Reason]) -> str:
    item = BatchItem(subject="", outcome=outcome, codes=found_codes, reasons=found)
    text = item.model_dump_json(exclude={"subject"})
    return text[1:-1]


@router.post(
    "/changes",
    summary="Which of these subjects changed since a cursor (re-screen only those)",
    description="Give the cursor of the previous answer; the answer names the subjects with "
    "new ledger entries since then, or says `everything` when the pack in force or the "
    "evaluation date changed. Nothing about the subjects is kept on the server.",
)
def changes(body: ChangesIn, key: RelyingParty, ws: Ws) -> ChangesOut:
    keys: list[str] = []
    errors: list[dict[str, object]] = []
    for i, subject in enumerate(body.subjects):
        try:
            keys.append(ws.subject_key(subject))
        except IdentifierError as exc:
            errors.append({"field": f"body.subjects.{i}", "reason": exc.reason})
    if errors:
        raise InvalidInput(f"{len(errors)} invalid identifier(s)", errors=errors)
    found = ws.changes(keys, body.cursor)
    return ChangesOut(
        cursor=found.cursor,
        everything=found.everything,
        changed=[body.subjects[i] for i in found.changed],
    )
