"""Admins: API keys (the same store as `xinyong keys`); a token is shown once, at creation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from xinyong.api.deps import Ws, allow
from xinyong.api.schemas import CreatedKey, KeyIn, KeyOut, KeysOut
from xinyong.domain.access import ApiKey, Role

router = APIRouter(prefix="/v1/keys", tags=["keys (admins)"])
Admin = Annotated[ApiKey, Depends(allow(Role.admin))]


def key_out(k: ApiKey) -> KeyOut:
    s = k.scope
    return KeyOut(
        key_id=k.key_id,
        name=k.name,
        role=k.role.value,
        authority=s.authority,
        record_types=list(s.record_types),
        actions=list(s.actions),
        purpose=s.purpose,
        subject_key=s.subject_key,
        created_at=k.created_at,
        expires_at=k.expires_at,
        revoked_at=k.revoked_at,
    )


@router.get("", summary="Every API key (never a secret)")
def list_keys(key: Admin, ws: Ws) -> KeysOut:
    return KeysOut(keys=[key_out(k) for k in ws.api_keys.list_keys()])


@router.post(
    "",
    status_code=201,
    summary="Create an API key; the token is shown this once",
    responses={
        201: {
            "links": {
                "Revoke": {
                    "operationId": "revoke_key",
                    "parameters": {"key_id": "$response.body#/key/key_id"},
                }
            }
        }
    },
)
def create_key(body: KeyIn, key: Admin, ws: Ws) -> CreatedKey:
    created, token = ws.create_api_key(
        name=body.name,
        role=Role(body.role),
        expires_at=datetime.now(UTC) + timedelta(days=body.expires_in_days),
        authority=body.authority,
        record_types=body.record_types,
        actions=body.actions,
        purpose=body.purpose,
        subject=body.subject,
    )
    return CreatedKey(key=key_out(created), token=token)


@router.delete("/{key_id}", summary="Revoke an API key (it stops working at once)")
def revoke_key(
    key_id: Annotated[str, Path(min_length=1, max_length=64, examples=["a1b2c3d4e5f6"])],
    key: Admin,
    ws: Ws,
) -> KeyOut:
    return key_out(ws.revoke_api_key(key_id, datetime.now(UTC)))
