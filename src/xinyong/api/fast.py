"""`FastChecks`: a relying party's single check answered in front of FastAPI's routing.

`POST /v1/checks` is the request a relying party sends most, and most of its cost over HTTP was
the framework's (the request object, dependency resolution, the body through `json.loads` and
the model, the response model validated again and rendered, the exception middlewares) rather
than the check. This layer answers the *ordinary* request itself and hands every other one,
unchanged, to the FastAPI route, which stays declared (the OpenAPI document, and the answer to
whatever this layer does not take).

It takes a request only when all of it is ordinary: `Authorization: Bearer <token>` of a
usable relying-party key (the key store's own `authenticate`: SHA-256 of the secret,
constant-time compare, expiry, revocation, the key file's changes), `Content-Type:
application/json`, a body the request model accepts (`CheckIn.model_validate_json`, the same
model and constraints), an action the key was granted, and a hot file that can answer. Anything
else (no key, another role, a bad body, an action not granted, an invalid identifier, the slow
path) goes to the route, which answers it exactly as before: the same problem, in the same
order of checks. Nothing is logged until the request is taken, so the route never logs a
request twice. A taken request's log line is durable before the answer is sent, as on the
route; if the log fails, the answer is the problem the route would give (`xinyong_problem`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError

from xinyong.api.deps import asked_by
from xinyong.api.handlers import xinyong_problem
from xinyong.api.projections import codes, reasons
from xinyong.api.schemas import CheckIn, CheckOut
from xinyong.domain.access import Role
from xinyong.errors import XinyongError
from xinyong.storage.sharedstat import SharedStats

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from xinyong.service import Workspace

PATH = "/v1/checks"
_BEARER = b"Bearer "
_JSON = b"application/json"


class FastPost(ABC):
    """ASGI middleware over one `POST` route (`path`): the ordinary request — JSON, a bearer
    key, a body read whole — is offered to `_answer`; whatever it does not answer (and every
    other request) goes on to the app, the body replayed as it came."""

    path: ClassVar[str]

    def __init__(self, app: ASGIApp, workspace: Workspace) -> None:
        self.app = app
        self.workspace = workspace
        self.stats = SharedStats()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        auth, ctype = headers(scope)
        body, rest = await read_body(receive)
        if (
            rest is None
            and ctype == _JSON
            and isinstance(auth, bytes)
            and auth.startswith(_BEARER)
            and await self._answer(scope, auth, body, send)
        ):
            return
        await self.app(scope, replay(body, rest, receive), send)

    @abstractmethod
    async def _answer(self, scope: Scope, auth: bytes, body: bytes, send: Send) -> bool:
        """Answer the request, or return False having sent nothing and logged nothing."""


class FastChecks(FastPost):
    """The ordinary `POST /v1/checks` answered here, the rest passed on."""

    path = PATH

    async def _answer(self, scope: Scope, auth: bytes, body: bytes, send: Send) -> bool:
        """Answer the request if it is ordinary (see the module docstring); False to pass it
        on, having sent nothing and logged nothing."""
        ws = self.workspace
        shared = self.stats.use()
        try:
            # latin-1 and strip, as Starlette decodes a header and FastAPI's bearer reads it
            key = ws.api_keys.authenticate(auth[7:].decode("latin-1").strip(), datetime.now(UTC))
            if key.role is not Role.relying_party:
                return False
            ask = CheckIn.model_validate_json(body)
            if ask.action not in key.scope.actions:
                return False
            found = ws.quick.answer(
                ask.subject,
                ask.action,
                as_of=ask.as_of,
                scheme=ask.scheme,
                asked_by=asked_by(key),
                purpose=key.scope.purpose,
            )
        except (XinyongError, ValidationError, ValueError):
            return False  # the route says what is wrong, as it always has
        finally:
            self.stats.done(shared)
        if found is None:
            return False  # the slow path: the route runs it
        decision, line = found
        try:
            await ws.quick.log.append_async([line])
        except XinyongError as exc:
            await xinyong_problem(exc, PATH)(scope, no_receive, send)
            return True
        out = CheckOut(
            subject=ask.subject,
            action=decision.action,
            outcome=decision.outcome,
            as_of=decision.as_of,
            pack_version=decision.pack_version,
            codes=codes(decision),
            reasons=reasons(decision),
        ).model_dump_json()
        await send_json(send, out.encode("utf-8"))
        return True


def headers(scope: Scope) -> tuple[bytes | None, bytes | None]:
    """The request's authorization and content-type headers (None: absent); of a repeated
    header the first, as Starlette's `Headers.get` reads it."""
    auth = ctype = None
    for name, value in scope["headers"]:
        if name == b"authorization" and auth is None:
            auth = value
        elif name == b"content-type" and ctype is None:
            ctype = value
    return auth, ctype


async def send_json(send: Send, data: bytes) -> None:
    """A 200 answer of JSON bytes already rendered."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(data)).encode("ascii")),
                (b"content-type", _JSON),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


async def read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body, and the message that ended it early if it was not a body part (a
    disconnect: passed on to the route as it came)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def replay(body: bytes, rest: Message | None, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then what the server sends next."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": rest is not None}]
    if rest is not None:
        pending.append(rest)

    async def again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return again


async def no_receive() -> Message:  # a response never reads the request
    raise RuntimeError("a response does not receive")
