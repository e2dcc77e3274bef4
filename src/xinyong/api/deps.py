"""Authentication and authorisation: deny by default.

Every route depends on `allow(...)` with the roles that may call it; a route that names no role
cannot be reached by anyone (there is no such route). The caller's API key comes as
`Authorization: Bearer <token>`; a missing, unknown, expired or revoked key is 401, a valid key
of a role the route does not allow is 403. Scope checks that depend on the request (a subject
reading its own file, a relying party checking an action it was granted) are in the routers,
through the helpers here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from xinyong.domain.access import ApiKey, Role
from xinyong.errors import Forbidden, Unauthorized
from xinyong.service import Workspace

bearer = HTTPBearer(auto_error=False, description="An API key: `xy_<key id>_<secret>`.")


# The dependencies are `async`: they never block (a `stat` of the key file, a hash), and a
# sync dependency costs a hop to the thread pool per request.


async def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("an API key is required: Authorization: Bearer <token>")
    ws: Workspace = request.app.state.workspace
    return ws.api_keys.authenticate(credentials.credentials, datetime.now(UTC))


def allow(*roles: Role) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency admitting keys of `roles` only (admin is not implied: each role is listed)."""
    allowed = frozenset(roles)

    async def check(key: Annotated[ApiKey, Depends(caller)]) -> ApiKey:
        if key.role not in allowed:
            raise Forbidden(f"a {key.role.value} key may not call this route")
        return key

    return check


def own_subject(key: ApiKey, subject_key: str) -> None:
    """A subject key reads its own subject only; the other roles admitted are not narrowed."""
    if key.role is Role.subject and key.scope.subject_key != subject_key:
        raise Forbidden("a subject key may read only its own subject")


def granted_action(key: ApiKey, action: str) -> None:
    if action not in key.scope.actions:
        raise Forbidden(
            f"this key may not check {action!r}; it may check: {', '.join(key.scope.actions)}"
        )


def asked_by(key: ApiKey) -> str:
    """How the decision log names the caller: the key's name and its public id."""
    return key.principal


Ws = Annotated[Workspace, Depends(workspace)]
