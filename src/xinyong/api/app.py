"""`create_app(settings)`: the HTTP API over one workspace's façade.

The server process owns the workspace. DuckDB admits one writing process, and a process may not
hold one database file open twice with different modes, so requests that use the ledger are
serialised within the process (`_Serialise`, on the workspace's `serial` lock) and the server
runs as one worker. Relying parties' checks are not: they are answered from the hot decision
file (memory-mapped, no DuckDB) beside whatever else runs, an ingest included, and take the
lock only when they must go the slow way (`Workspace.check`). Other processes may answer
checks from the same file (`Workspace.check` in any process holding the keys).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Receive, Scope, Send

from xinyong.api.fast import FastChecks
from xinyong.api.fastbatch import FastBatch
from xinyong.api.handlers import HANDLERS, PROBLEM, problem_responses
from xinyong.api.routers import (
    authorities,
    cases,
    checks,
    decisions,
    keys,
    records,
    subject_cases,
    subjects,
)
from xinyong.api.schemas import Problem
from xinyong.domain.pseudobatch import compiled_available
from xinyong.service import Workspace
from xinyong.settings import Settings

API_VERSION = "1.0.0"
ROUTERS = (records, checks, subjects, subject_cases, authorities, cases, decisions, keys)


# answered from the hot file beside any other request; they serialise themselves when they
# need the ledger
CONCURRENT = frozenset({"/v1/checks", "/v1/checks/batch"})


class _Serialise:
    """One request at a time through the ledger (see the module docstring). The lock is a
    thread lock, the workspace's, so that checks running in the thread pool can take it too."""

    def __init__(self, app: ASGIApp, workspace: Workspace) -> None:
        self.app = app
        self.lock = workspace.serial
        self.anchor = workspace.key_anchor

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in CONCURRENT:
            await self.app(scope, receive, send)
            return
        await anyio.to_thread.run_sync(self.lock.acquire)
        try:
            # a key file generation seen where the ledger could not be written (keyanchor.py):
            # anchored by the first request that may write it, before and after its own work
            if self.anchor.pending():
                await anyio.to_thread.run_sync(self.anchor.flush)
            await self.app(scope, receive, send)
            if self.anchor.pending():
                await anyio.to_thread.run_sync(self.anchor.flush)
        finally:
            self.lock.release()


def create_app(settings: Settings, *, freeze_gc: bool = False) -> FastAPI:
    """The API for the workspace `settings` describe; nothing global, so tests build many.

    `freeze_gc` (for the server process, `xinyong serve`): once started, everything alive is
    moved out of the cyclic collector's view (`gc.freeze`). The imports and the app leave ≈ 100k
    long-lived objects, and each full collection walked them all: 30–75 ms during which no
    request is answered, which was the p99 at 32 connections (`benchmarks/RESULTS.md`). Only
    for a process that builds one app: objects frozen are never freed by the collector."""
    workspace = Workspace(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # the server owns the workspace: one ledger store open for its whole life
        with workspace.held():
            # the batch HMAC's compiled loop loads (or compiles) its machine code once, here,
            # not during a relying party's first batch (1–6 s)
            await anyio.to_thread.run_sync(compiled_available)
            if freeze_gc:
                gc.collect()  # what is garbage now is freed, not frozen
                gc.freeze()
            yield

    app = FastAPI(
        lifespan=lifespan,
        title="xinyong API",
        version=API_VERSION,
        description="Submit credit records, check subjects, read your own file, audit decisions. "
        "Every route needs an API key (`Authorization: Bearer xy_…`) of a role it admits; "
        "every error is an RFC 9457 problem (`application/problem+json`).",
        responses=problem_responses(Problem),
        # operation ids are the routers' function names: stable, and what OpenAPI links name
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.workspace = workspace
    for exc, handler in HANDLERS.items():
        app.add_exception_handler(exc, handler)
    for module in ROUTERS:
        app.include_router(module.router)
    app.add_middleware(_Serialise, workspace=workspace)
    # an ordinary batch check likewise (fastbatch.py)
    app.add_middleware(FastBatch, workspace=workspace)
    # outermost but for Starlette's server-error handler: an ordinary single check is answered
    # before any routing; the rest, its errors included, go on to the route (fast.py)
    app.add_middleware(FastChecks, workspace=workspace)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _problem_media(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _problem_media(doc: dict[str, Any]) -> dict[str, Any]:
    """Error responses are `application/problem+json`, as the handlers send them."""
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            for status, response in op.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[PROBLEM] = content.pop("application/json")
    return doc
