"""Putting back an older copy of the API key file (one from before a revocation) is refused.

The seal (test_keys.py) stops edits; it cannot tell an old sealed file from the current one.
Every write raises the file's generation, and each generation is anchored in the ledger as a
`keys.generation` step, so the attacker who can write the workspace (not the keys folder, not
the ledger's witnesses) can no longer lift a revocation by restoring a backup: not in the
running process, not after a restart, not through the server, not by deleting the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from xinyong.api import create_app
from xinyong.cli.main import app as cli
from xinyong.domain.access import Role
from xinyong.errors import TamperDetected, Unauthorized
from xinyong.service import Workspace
from xinyong.storage.apikeys import records_digest

LATER = datetime.now(UTC) + timedelta(days=1)


def _put_back(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    os.chmod(path, 0o600)


def _revoked_after_backup(ws: Workspace) -> tuple[str, str, bytes]:
    """An auditor key, a backup of the key file taken while it worked, then its revocation."""
    key, token = ws.create_api_key(name="auditor", role=Role.auditor, expires_at=LATER)
    backup = ws.api_keys.path.read_bytes()
    ws.revoke_api_key(key.key_id, datetime.now(UTC))
    with pytest.raises(Unauthorized):
        ws.api_keys.authenticate(token, datetime.now(UTC))
    return key.key_id, token, backup


def _generations(ws: Workspace) -> list[tuple[int, object]]:
    return [
        (int(str(s.attributes["generation"])), s.attributes["digest"])
        for s in ws.steps(step_type="keys.generation")
    ]


def test_each_generation_is_anchored_in_the_ledger(workspace: Workspace) -> None:
    a, _ = workspace.create_api_key(name="a", role=Role.auditor, expires_at=LATER)
    workspace.create_api_key(name="b", role=Role.admin, expires_at=LATER)
    workspace.revoke_api_key(a.key_id, datetime.now(UTC))
    raw = json.loads(workspace.api_keys.path.read_text(encoding="utf-8"))
    assert raw["generation"] == 3
    anchored = _generations(workspace)
    assert [n for n, _ in anchored] == [1, 2, 3]
    assert anchored[-1][1] == records_digest(raw["keys"])
    step = workspace.steps(step_type="keys.generation")[-1]
    assert step.subject is None and step.actor == "system"
    # the steps are ledger entries like any other: signed, proved, verified
    assert workspace.verify().ok


def test_a_backup_from_before_a_revocation_is_refused(workspace: Workspace) -> None:
    _, token, backup = _revoked_after_backup(workspace)
    _put_back(workspace.api_keys.path, backup)
    # the running process, which saw the newer file, and another one started afterwards, which
    # knows only the ledger
    for ws in (workspace, Workspace(workspace.settings)):
        with pytest.raises(TamperDetected, match="rolled back"):
            ws.api_keys.authenticate(token, datetime.now(UTC))
        with pytest.raises(TamperDetected, match="rolled back"):
            ws.api_keys.list_keys()


def test_a_removed_key_file_is_refused_once_anchored(workspace: Workspace) -> None:
    _, token = workspace.create_api_key(name="a", role=Role.auditor, expires_at=LATER)
    workspace.api_keys.path.unlink()
    with pytest.raises(TamperDetected, match="missing"):
        Workspace(workspace.settings).api_keys.authenticate(token, datetime.now(UTC))


def test_keys_reset_is_the_way_back(workspace: Workspace) -> None:
    _, token, backup = _revoked_after_backup(workspace)
    _put_back(workspace.api_keys.path, backup)
    where = ["-w", str(workspace.settings.workspace)]
    refused = CliRunner().invoke(cli, ["keys", "list", *where])
    assert isinstance(refused.exception, TamperDetected)  # exit 3 under `xinyong`'s handler
    assert "rolled back" in str(refused.exception)
    unconfirmed = CliRunner().invoke(cli, ["keys", "reset", *where])
    assert unconfirmed.exit_code != 0
    done = CliRunner().invoke(cli, ["keys", "reset", "--yes", *where])
    assert done.exit_code == 0, done.output
    fresh = Workspace(workspace.settings)
    assert fresh.api_keys.list_keys() == []
    with pytest.raises(Unauthorized):  # the old token is gone with its file
        fresh.api_keys.authenticate(token, datetime.now(UTC))
    assert _generations(fresh)[-1][0] == 3  # past the backup's 1 and the anchored 2
    _, new = fresh.create_api_key(name="again", role=Role.auditor, expires_at=LATER)
    assert Workspace(workspace.settings).api_keys.authenticate(new, datetime.now(UTC))


def test_the_server_anchors_and_refuses(workspace: Workspace) -> None:
    _, admin = workspace.create_api_key(name="admin", role=Role.admin, expires_at=LATER)
    victim, token = workspace.create_api_key(name="aud", role=Role.auditor, expires_at=LATER)
    backup = workspace.api_keys.path.read_bytes()
    with TestClient(create_app(workspace.settings), raise_server_exceptions=False) as client:
        ws = client.app.state.workspace  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {admin}"}
        r = client.delete(f"/v1/keys/{victim.key_id}", headers=auth)
        assert r.status_code == 200, r.text
        # anchored before the revocation's answer: a restart cannot forget it
        assert _generations(ws)[-1][0] == 3
        _put_back(workspace.api_keys.path, backup)
        r = client.get("/v1/decisions", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "rolled back" in r.json()["title"] + r.json().get("detail", "")
        # a check (answered beside the ledger's lock) is refused the same way
        r = client.post(
            "/v1/checks",
            json={"subject": "x", "action": "air_travel.book"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 409, r.text


def test_a_revocation_made_while_the_server_holds_the_ledger(workspace: Workspace) -> None:
    """`xinyong keys revoke` in another process cannot write the ledger a server holds: the
    server anchors the file's new generation itself, so after the server stops a backup from
    before that revocation is still refused."""
    _, admin = workspace.create_api_key(name="admin", role=Role.admin, expires_at=LATER)
    victim, token = workspace.create_api_key(name="aud", role=Role.auditor, expires_at=LATER)
    backup = workspace.api_keys.path.read_bytes()
    auth = {"Authorization": f"Bearer {admin}"}
    with TestClient(create_app(workspace.settings), raise_server_exceptions=False) as client:
        ws = client.app.state.workspace  # type: ignore[attr-defined]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "xinyong",
                "keys",
                "revoke",
                victim.key_id,
                "-w",
                str(workspace.settings.workspace),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert done.returncode == 0, done.stderr
        assert _generations(ws)[-1][0] == 2  # not yet: the CLI could not write the ledger
        # the server reads the new file at its next request and anchors it
        for _ in range(2):
            assert client.get("/v1/keys", headers=auth).status_code == 200
        assert _generations(ws)[-1][0] == 3
    _put_back(workspace.api_keys.path, backup)
    with pytest.raises(TamperDetected, match="rolled back"):
        Workspace(workspace.settings).api_keys.authenticate(token, datetime.now(UTC))
