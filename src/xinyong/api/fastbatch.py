"""`FastBatch`: a relying party's batch check answered in front of FastAPI's routing.

What `fast.FastChecks` does for the single check, for `POST /v1/checks/batch`: the *ordinary*
request is answered here, everything else goes on, unchanged, to the route, which answers it as
it always has (the same problem, in the same order of checks). Ordinary means: `Authorization:
Bearer <token>` of a usable relying-party key (the key store's own `authenticate`), `Content-Type:
application/json`, no query but `form=items` or `form=compact`, a body the request model accepts
(`BatchCheckIn.model_validate_json` on the raw bytes: the same model and constraints, no Python
objects in between), an action the key was granted, and a hot file that can answer.

The batch's keys and lookup (`Quick.answer_many`) and its answer's JSON (`batchjson.hot_json`)
run in a worker thread: ≈ 10 ms of CPU a 10,000-subject batch, much of it in compiled loops that
release the GIL, so the event loop reads the next request meanwhile. Nothing is sent and nothing
is logged until the request is taken; a taken request's one decision-log line is durable before
the answer is sent (awaited on the loop, as the single check's); if the log fails, the answer is
the problem the route would give (`xinyong_problem`). Invalid identifiers are not errors of the
request: they are named in the answer, as on the route.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import anyio.to_thread
from pydantic import ValidationError

from xinyong.api.batchjson import hot_json
from xinyong.api.deps import asked_by
from xinyong.api.fast import (  # the request read and answered as the single check's is
    FastPost,
    no_receive,
    send_json,
)
from xinyong.api.handlers import xinyong_problem
from xinyong.api.schemas import BatchCheckIn, BatchForm
from xinyong.domain.access import Role
from xinyong.errors import XinyongError

if TYPE_CHECKING:
    from starlette.types import Scope, Send

    from xinyong.service import Workspace

PATH = "/v1/checks/batch"
_BEARER = b"Bearer "
_JSON = b"application/json"
# the queries taken here; any other (another spelling, another parameter) goes to the route
_FORMS: dict[bytes, BatchForm] = {b"": "items", b"form=items": "items", b"form=compact": "compact"}


class FastBatch(FastPost):
    """The ordinary `POST /v1/checks/batch` answered here, the rest passed on."""

    path = PATH

    async def _answer(self, scope: Scope, auth: bytes, body: bytes, send: Send) -> bool:
        """Answer the request if it is ordinary (see the module docstring); False to pass it
        on, having sent nothing and logged nothing."""
        form = _FORMS.get(scope.get("query_string", b""))
        if form is None:
            return False
        ws = self.workspace
        shared = self.stats.use()
        try:
            # latin-1 and strip, as Starlette decodes a header and FastAPI's bearer reads it
            key = ws.api_keys.authenticate(auth[7:].decode("latin-1").strip(), datetime.now(UTC))
            if key.role is not Role.relying_party:
                return False
            ask = BatchCheckIn.model_validate_json(body)
            if ask.action not in key.scope.actions:
                return False
        except (XinyongError, ValidationError, ValueError):
            return False  # the route says what is wrong, as it always has
        finally:
            self.stats.done(shared)
        work = partial(_answer_batch, ws, ask, form, asked_by(key), key.scope.purpose)
        try:
            found = await anyio.to_thread.run_sync(work)
        except (XinyongError, ValueError):
            return False  # refused before anything was logged: the route refuses it too
        if found is None:
            return False  # the slow path: the route runs it
        line, data = found
        try:
            await ws.quick.log.append_async([line])
        except XinyongError as exc:
            await xinyong_problem(exc, PATH)(scope, no_receive, send)
            return True
        await send_json(send, data)
        return True


def _answer_batch(
    ws: Workspace, ask: BatchCheckIn, form: BatchForm, who: str, purpose: str | None
) -> tuple[bytes | memoryview, bytes] | None:
    """The batch's log line (not yet written) and its answer's JSON; None for the slow path."""
    found = ws.quick.answer_many(
        ask.subjects, ask.action, as_of=ask.as_of, asked_by=who, purpose=purpose
    )
    if found is None:
        return None
    answers, line = found
    return line, hot_json(form, ask.subjects, ask.action, answers)
