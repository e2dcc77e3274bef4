"""Relying parties: check one subject, check a batch, learn which watched subjects changed.

A relying party's key names the actions it may check and the purpose it declared; every check
is logged with the key and that purpose. The answer is the outcome and the reason codes the
relying party is entitled to (`projections.reasons`), never the subject's file.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from xinyong.api.batchjson import hot_json, slow_json
from xinyong.api.deps import Ws, allow, asked_by, granted_action
from xinyong.api.projections import codes, reasons
from xinyong.api.schemas import (
    BatchCheckIn,
    BatchCheckOut,
    BatchCheckTable,
    BatchForm,
    ChangesIn,
    ChangesOut,
    CheckIn,
    CheckOut,
)
from xinyong.domain.access import ApiKey, Role
from xinyong.errors import IdentifierError, InvalidInput

router = APIRouter(prefix="/v1", tags=["checks (relying parties)"])
RelyingParty = Annotated[ApiKey, Depends(allow(Role.relying_party))]


def _example(model: type[BatchCheckOut | BatchCheckTable]) -> Any:
    extra = model.model_config.get("json_schema_extra")
    assert isinstance(extra, dict)
    return extra["examples"][0]  # type: ignore[index]


BATCH_EXAMPLES = {
    "items": {"summary": "an item per subject (the default)", "value": _example(BatchCheckOut)},
    "compact": {"summary": "?form=compact", "value": _example(BatchCheckTable)},
}


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
    description="An identifier that is invalid gets an `error` naming it; the others are checked. "
    "`form=compact` answers each distinct answer once and, per subject, its index in that table "
    "(`BatchCheckTable`): the same answers in far fewer bytes.",
    response_model=BatchCheckOut | BatchCheckTable,
    responses={200: {"content": {"application/json": {"examples": BATCH_EXAMPLES}}}},
)
def check_batch(
    body: BatchCheckIn,
    key: RelyingParty,
    ws: Ws,
    form: Annotated[
        BatchForm,
        Query(description="`items` (an item per subject) or `compact` (a table of answers)."),
    ] = "items",
) -> Response:
    # the ordinary request is answered in front of the routing (`fastbatch.FastBatch`): this
    # answers the rest the same way (another content type, the slow path)
    granted_action(key, body.action)
    found = ws.quick.check_batch(
        body.subjects,
        body.action,
        as_of=body.as_of,
        asked_by=asked_by(key),
        purpose=key.scope.purpose,
    )
    if isinstance(found, list):
        data = slow_json(form, body.subjects, body.action, found, ws.pack.version)
    else:  # from the hot file
        data = hot_json(form, body.subjects, body.action, found)
    return Response(data, media_type="application/json")


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
