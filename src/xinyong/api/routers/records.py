"""Providers submit records: one as JSON, a batch as an uploaded file, corrections, revocations.

A provider's key is bound to its authority and the record types it may submit: a row outside
that scope refuses the whole submission (403, nothing written). Submissions are idempotent on
the ledger's key (provider, record type, entry kind, document reference): submitting the same
record again appends nothing and says so. The subjects touched are re-evaluated before the
answer returns, so the next check sees the record.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from xinyong.api.deps import Ws, allow
from xinyong.api.schemas import ActIn, RecordIn, Submission
from xinyong.domain.access import ApiKey, Role
from xinyong.errors import InvalidInput
from xinyong.ingest.pipeline import IngestReport

router = APIRouter(prefix="/v1/records", tags=["records (providers)"])
Provider = Annotated[ApiKey, Depends(allow(Role.provider))]
_SUFFIX: dict[Literal["csv", "jsonl", "parquet"], str] = {
    "csv": ".csv",
    "jsonl": ".jsonl",
    "parquet": ".parquet",
}


def _result(report: IngestReport, rejects: list[dict[str, object]]) -> Submission:
    return Submission.model_validate(
        {
            "rows": report.rows,
            "accepted": report.accepted,
            "already_in_ledger": report.already_in_ledger,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
            "rejects": rejects,
            "ledger_size": report.ledger_size,
            "root": report.root,
        }
    )


def _submit_one(ws: Ws, key: ApiKey, row: dict[str, object]) -> Submission:
    with tempfile.TemporaryDirectory(prefix="xinyong-api-") as tmp:
        path = Path(tmp) / "record.jsonl"
        clean = {k: v for k, v in row.items() if v is not None}
        path.write_text(json.dumps(clean, ensure_ascii=False, default=str) + "\n", "utf-8")
        report, rejects = ws.submit(path, scope=key.scope)
    if rejects:
        # one record: its problems are the request's, named by field (`body.<field>`)
        errors: list[dict[str, object]] = [
            {"field": f"body.{f.strip()}", "reason": str(r["reason"])}
            for r in rejects
            for f in str(r["field"]).split(";")
        ]
        raise InvalidInput("the record was rejected; nothing was written", errors=errors)
    return _result(report, [])


_TO_SUBJECT: dict[int | str, dict[str, Any]] = {
    200: {
        "links": {
            "SubjectFile": {
                "operationId": "subject_file",
                "parameters": {"identifier": "$request.body#/subject_id"},
            },
            "SubjectChecks": {
                "operationId": "subject_checks",
                "parameters": {"identifier": "$request.body#/subject_id"},
            },
        }
    }
}


@router.post("", summary="Submit one record (or an act on an earlier one)", responses=_TO_SUBJECT)
def submit_record(record: RecordIn, key: Provider, ws: Ws) -> Submission:
    return _submit_one(ws, key, record.model_dump(mode="json"))


@router.post(
    "/corrections",
    summary="Correct a record: new values, referring to the old one",
    responses=_TO_SUBJECT,
)
def correct_record(act: ActIn, key: Provider, ws: Ws) -> Submission:
    return _submit_one(ws, key, {**act.model_dump(mode="json"), "entry_kind": "correction"})


@router.post("/revocations", summary="Revoke a record (the decision behind it was revoked)")
def revoke_record(act: ActIn, key: Provider, ws: Ws) -> Submission:
    return _submit_one(ws, key, {**act.model_dump(mode="json"), "entry_kind": "revocation"})


@router.post(
    "/batch",
    summary="Submit a file of records: JSON Lines, CSV or Parquet",
    description="Rows with problems are returned with their line, field and reason; the others "
    "are appended. The format is taken from `format`, else the file name's extension.",
)
async def submit_batch(
    key: Provider,
    ws: Ws,
    file: Annotated[UploadFile, File(description="The records file.")],
    format: Annotated[Literal["csv", "jsonl", "parquet"] | None, Form()] = None,
) -> Submission:
    from xinyong.ingest.read import InputFormat

    name = file.filename or ""
    fmt = format or next((f for f, s in _SUFFIX.items() if name.lower().endswith(s)), None)
    # (a `.ndjson` name is JSON Lines too, as on the command line)
    if fmt is None and name.lower().endswith(".ndjson"):
        fmt = "jsonl"
    if fmt is None:
        raise InvalidInput(
            "cannot tell the file's format",
            errors=[{"field": "body.format", "reason": "give csv, jsonl or parquet"}],
        )
    data = await file.read()
    with tempfile.TemporaryDirectory(prefix="xinyong-api-") as tmp:
        path = Path(tmp) / f"upload{_SUFFIX[fmt]}"
        path.write_bytes(data)
        report, rejects = await run_in_threadpool(
            ws.submit, path, fmt=InputFormat(fmt), scope=key.scope
        )
    return _result(report, rejects)
