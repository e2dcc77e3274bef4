"""One error shape for the whole API: RFC 9457 problem details (`application/problem+json`).

`HANDLERS` maps each kind of exception to a problem. xinyong's own errors carry their HTTP
status (`errors.py`); request validation names every field at fault with its dotted path; an
unknown route or method is a problem too; anything unexpected is a 500 that says nothing about
the internals (the traceback goes to the server's log).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from xinyong.errors import Refused, XinyongError

log = structlog.get_logger(__name__)

PROBLEM = "application/problem+json"
TYPE_BASE = "https://xinyong.example/problems/"


def problem(
    status: int,
    detail: str,
    errors: Sequence[Mapping[str, object]] = (),
    headers: Mapping[str, str] | None = None,
    remedy: str | None = None,
) -> JSONResponse:
    title = HTTPStatus(status).phrase
    body: dict[str, object] = {
        "type": TYPE_BASE + title.lower().replace(" ", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "errors": [
            {"field": str(e["field"]), "reason": str(e["reason"]), "line": e.get("line")}
            for e in errors
        ],
    }
    if remedy is not None:
        body["remedy"] = remedy
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _dotted(loc: Sequence[object]) -> str:
    return ".".join(str(part) for part in loc)


def xinyong_problem(exc: XinyongError, path: str) -> JSONResponse:
    """The problem for one of xinyong's errors (also sent by `fast.FastChecks` itself)."""
    status = exc.status
    if status >= 500:
        log.error("api.error", path=path, error=str(exc))
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    # a refused step says what may be done next (its reasons are the `errors`)
    remedy = exc.remedy if isinstance(exc, Refused) else None
    return problem(status, str(exc), exc.errors, headers, remedy)


async def _xinyong(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, XinyongError)
    return xinyong_problem(exc, request.url.path)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": _dotted(e.get("loc", ())), "reason": str(e.get("msg"))} for e in exc.errors()
    ]
    n = len(errors)
    return problem(422, f"{n} field{'s are' if n != 1 else ' is'} invalid", errors)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    # FastAPI's only 400 is a body it cannot decode at all: name the body as the field
    errors = [{"field": "body", "reason": str(exc.detail)}] if exc.status_code == 400 else []
    return problem(exc.status_code, str(exc.detail), errors, exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("api.unexpected", path=request.url.path)
    return problem(500, "internal error; the server's log has the details")


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Any]] = {
    XinyongError: _xinyong,
    RequestValidationError: _validation,
    HTTPException: _http,
    Exception: _unexpected,
}

# Documented on every route, so clients (and schemathesis) know each error's shape; `app.py`
# moves their content to `application/problem+json` in the OpenAPI document.
PROBLEM_STATUSES = (400, 401, 403, 404, 409, 422, 503)


def problem_responses(model: type) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": model, "description": HTTPStatus(s).phrase} for s in PROBLEM_STATUSES}
