"""API keys: the secret is shown once and never stored; the file is 0600; expiry and revocation
take effect at once; scopes are checked when a key is made."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.conftest import ADULT, Api
from xinyong.cli.main import app
from xinyong.domain.access import Role
from xinyong.errors import InvalidInput, SettingsError, Unauthorized
from xinyong.service import Workspace

LATER = datetime.now(UTC) + timedelta(days=1)


def test_no_secret_at_rest_and_mode_0600(workspace: Workspace) -> None:
    key, token = workspace.create_api_key(name="auditor", role=Role.auditor, expires_at=LATER)
    path = workspace.api_keys.path
    text = path.read_text(encoding="utf-8")
    secret = token.split("_", 2)[2]
    assert secret not in text
    assert key.key_id in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert workspace.api_keys.authenticate(token, datetime.now(UTC)).key_id == key.key_id


def test_a_store_readable_by_others_is_refused(workspace: Workspace) -> None:
    _, token = workspace.create_api_key(name="a", role=Role.auditor, expires_at=LATER)
    os.chmod(workspace.api_keys.path, 0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        workspace.api_keys.authenticate(token, datetime.now(UTC))


def test_expiry_and_revocation(workspace: Workspace) -> None:
    store = workspace.api_keys
    key, token = workspace.create_api_key(name="a", role=Role.auditor, expires_at=LATER)
    assert store.authenticate(token, LATER - timedelta(seconds=1))
    with pytest.raises(Unauthorized):
        store.authenticate(token, LATER)
    store.revoke(key.key_id, datetime.now(UTC))
    with pytest.raises(Unauthorized):
        store.authenticate(token, datetime.now(UTC))


@pytest.mark.parametrize(
    ("role", "scope", "field"),
    [
        (Role.provider, {"authority": "court:1"}, "record_types"),
        (Role.provider, {"authority": "c", "record_types": ["no.such.type"]}, "record_types"),
        (Role.relying_party, {"actions": ["air_travel.book"]}, "purpose"),
        (Role.relying_party, {"actions": ["fly"], "purpose": "p"}, "actions"),
        (Role.subject, {}, "subject"),
        (Role.auditor, {"purpose": "p"}, "purpose"),
        # an authority may be bound to an authority (its due-process cases), no other role
        (Role.auditor, {"authority": "court:1"}, "authority"),
        (Role.subject, {"subject": "11010519491231002X", "authority": "court:1"}, "authority"),
    ],
)
def test_a_scope_that_does_not_fit_the_role(workspace: Workspace, role, scope, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        workspace.create_api_key(name="k", role=role, expires_at=LATER, **scope)
    assert field in {e["field"] for e in caught.value.errors}


def test_a_subject_key_holds_the_pseudonym_not_the_number(workspace: Workspace) -> None:
    key, _ = workspace.create_api_key(name="me", role=Role.subject, subject=ADULT, expires_at=LATER)
    assert key.scope.subject_key == workspace.subject_key(ADULT)
    assert ADULT not in workspace.api_keys.path.read_text(encoding="utf-8")


def test_cli_create_list_revoke(workspace: Workspace) -> None:
    runner = CliRunner()
    ws = str(workspace.settings.workspace)
    made = runner.invoke(
        app,
        [
            "keys",
            "create",
            "--role",
            "relying_party",
            "--name",
            "airline",
            "--actions",
            "air_travel.book",
            "--purpose",
            "ticket sale",
            "-w",
            ws,
        ],
    )
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("xy_")
    listed = runner.invoke(app, ["keys", "list", "-w", ws])
    assert "airline" in listed.output and token.split("_", 2)[2] not in listed.output
    key_id = token.split("_")[1]
    assert runner.invoke(app, ["keys", "revoke", key_id, "-w", ws]).exit_code == 0
    raw = json.loads(Path(workspace.api_keys.path).read_text(encoding="utf-8"))
    assert raw["keys"][0]["revoked_at"] is not None


def test_admin_manages_keys_over_the_api(api: Api) -> None:
    c, admin = api.client, api.headers("admin")
    made = c.post("/v1/keys", json={"name": "auditor 2", "role": "auditor"}, headers=admin)
    assert made.status_code == 201, made.text
    token, key_id = made.json()["token"], made.json()["key"]["key_id"]
    assert c.get("/v1/decisions", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert all("token" not in k for k in c.get("/v1/keys", headers=admin).json()["keys"])
    assert c.delete(f"/v1/keys/{key_id}", headers=admin).status_code == 200
    assert c.get("/v1/decisions", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_no_other_token_authenticates(tmp_path: Path) -> None:
    """Any token but the one issued is refused: another secret, another id, another prefix."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from xinyong.domain.access import Scope
    from xinyong.storage.apikeys import ApiKeyStore

    store = ApiKeyStore(tmp_path / "keys.json")
    now = datetime.now(UTC)
    _, token = store.create(name="a", role=Role.auditor, scope=Scope(), now=now, expires_at=LATER)

    @given(
        st.text(max_size=80)
        | st.builds(lambda s: token[: -len(s)] + s, st.text(min_size=1, max_size=5))
    )
    @settings(max_examples=200, deadline=None)
    def refused(other: str) -> None:
        if other == token:
            return
        with pytest.raises(Unauthorized):
            store.authenticate(other, now)

    refused()


def _edit(path: Path, change: object) -> None:
    """What an attacker who can write the workspace (not the keys folder) does to the file."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    change(raw)  # type: ignore[operator]
    path.write_text(json.dumps(raw), encoding="utf-8")
    os.chmod(path, 0o600)


def _own_key(raw: dict[str, object]) -> None:
    from xinyong.storage.apikeys import hash_secret

    keys = raw["keys"]
    assert isinstance(keys, list)
    forged = dict(keys[0], key_id="a" * 12, role="admin", secret_sha256=hash_secret("mine"))
    keys.append(forged)


def _reseal_with_another_key(raw: dict[str, object]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from xinyong.domain.checkpoint import sign_body
    from xinyong.storage.apikeys import seal_body

    keys = raw["keys"]
    assert isinstance(keys, list)
    keys[0]["role"] = "admin"
    body = seal_body(int(str(raw["generation"])) + 1, keys)
    raw["generation"] = int(str(raw["generation"])) + 1
    raw["seal"] = sign_body(body, Ed25519PrivateKey.generate(), "xinyong-ledger")


@pytest.mark.parametrize(
    "attack",
    [
        lambda raw: raw["keys"][0].update(role="admin"),  # promote a key
        lambda raw: raw["keys"][0].update(revoked_at=None),  # lift a revocation
        lambda raw: raw["keys"][0].update(expires_at="2999-01-01T00:00:00+00:00"),
        lambda raw: raw["keys"][0]["scope"].update(actions=["procurement.bid"]),
        _own_key,  # add a key whose secret the attacker knows
        lambda raw: raw.pop("seal"),  # drop the seal
        lambda raw: raw.update(generation=raw["generation"] + 5),  # outrun the anchor
        _reseal_with_another_key,  # seal with a key of the attacker's own
    ],
    ids=["role", "unrevoke", "expiry", "scope", "own key", "no seal", "generation", "other key"],
)
def test_an_edited_key_file_is_refused(workspace: Workspace, attack: object) -> None:
    """The key file is sealed by the log's key, which lives outside the workspace: whoever can
    write the workspace cannot make or widen a key, nor lift a revocation."""
    from xinyong.errors import TamperDetected

    key, token = workspace.create_api_key(
        name="airline",
        role=Role.relying_party,
        expires_at=LATER,
        actions=["air_travel.book"],
        purpose="ticket sale",
    )
    workspace.api_keys.revoke(key.key_id, datetime.now(UTC))
    _edit(workspace.api_keys.path, attack)
    fresh = Workspace(workspace.settings)  # another process: nothing cached
    with pytest.raises(TamperDetected):
        fresh.api_keys.authenticate(token, datetime.now(UTC))
    with pytest.raises(TamperDetected):
        fresh.api_keys.list_keys()


def test_the_untouched_sealed_file_is_accepted_by_another_process(workspace: Workspace) -> None:
    _, token = workspace.create_api_key(name="a", role=Role.auditor, expires_at=LATER)
    assert "seal" in json.loads(workspace.api_keys.path.read_text(encoding="utf-8"))
    assert Workspace(workspace.settings).api_keys.authenticate(token, datetime.now(UTC))
