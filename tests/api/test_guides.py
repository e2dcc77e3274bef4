"""The API guides' curl examples, run against a live `xinyong serve` on 127.0.0.1 (a free port),
in the order a reader follows them: submit, check, read my file, audit. Every route is in a
guide."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.api.routes import ALLOWED
from tests.conftest import TODAY
from xinyong.domain.access import Role
from xinyong.service import Workspace

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ROOT / "docs" / "guides"
ORDER = ("api-submit.md", "api-check.md", "api-subject.md", "api-cases.md", "api-audit.md")
SUBJECT = "11010519491231002X"
FIRM = "91110000600037341L"


def _blocks(page: str) -> list[str]:
    text = (GUIDES / page).read_text(encoding="utf-8")
    return re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("guides")
    ws = Workspace.init(root / "ws", today=TODAY)
    ws.evaluate()
    later = datetime.now(UTC) + timedelta(days=1)
    scopes: dict[str, dict[str, object]] = {
        "PROVIDER": {
            "role": Role.provider,
            "authority": "court:110105",
            "record_types": ["court.enforcement.notice", "court.enforcement.dishonesty_decision"],
        },
        "RP": {
            "role": Role.relying_party,
            "actions": ["air_travel.book"],
            "purpose": "ticket sale",
        },
        "TAX": {
            "role": Role.provider,
            "authority": "tax:110000",
            "record_types": ["admin.penalty.tax"],
        },
        "SUBJECT": {"role": Role.subject, "subject": SUBJECT},
        "FIRM": {"role": Role.subject, "subject": FIRM},
        "AUTHORITY": {"role": Role.authority, "authority": "court:110105"},
        "AUTHORITY2": {"role": Role.authority, "authority": "tax:110000"},
        "AUDITOR": {"role": Role.auditor},
        "ADMIN": {"role": Role.admin},
    }
    env = {
        name: ws.create_api_key(name=name.lower(), expires_at=later, **spec)[1]  # type: ignore[arg-type]
        for name, spec in scopes.items()
    }
    env["PROPOSED"] = ws.propose_pack(Path("rongcheng")).version
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    child_env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xinyong",
            "serve",
            "-w",
            str(ws.settings.workspace),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/openapi.json", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"server did not start: {proc.stderr.read() if proc.stderr else ''}"
                    ) from None
                time.sleep(0.2)
        yield {**env, "XY": base, "CWD": str(root)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _run(script: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=env["CWD"],
        env={**os.environ, **env},
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{script}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    return done.stdout


def test_the_guides_run_in_order(server: dict[str, str]) -> None:
    out = {page: [_run(block, server) for block in _blocks(page)] for page in ORDER}
    one, batch, revoke = out["api-submit.md"]
    assert '"accepted":1' in one
    assert '"rejected":1' in batch and '"line":2' in batch and '"field":"subject_id"' in batch
    assert '"accepted":1' in revoke
    check, many, compact, changes = out["api-check.md"]
    assert '"outcome":"restrict"' in check and "restrict_air_travel" in check
    assert "N(2023)" not in check and "court:110105" not in check  # no records for a relying party
    assert '"field":"body.subjects.2"' in many
    table = json.loads(compact)
    assert table["answer"] == [0, 1, None, 0]
    assert [a["outcome"] for a in table["answers"]] == ["restrict", "allow"]
    assert table["answers"][0]["reasons"][0]["measure"] == "restrict_air_travel"
    assert [e["field"] for e in table["errors"]] == ["body.subjects.2"]
    assert "N(2023)" not in compact and "court:110105" not in compact
    assert '"everything":false' in changes
    file, checks, objection, mine, restoration = out["api-subject.md"]
    assert '"document_ref":"D(2023)京0105执200号"' in file
    assert '"purpose":"ticket sale"' in checks
    assert '"case":"OBJ-2026-0001"' in objection and '"state":"filed"' in objection
    assert (
        '"record_seq":11,' in objection
        and '"record_type":"court.enforcement.dishonesty_' in objection
    )
    assert '"review_by":"2026-12-07"' in mine and '"remedy":"the authority decides by' in mine
    assert '"case":"RES-2026-0001"' in restoration and '"state":"applied"' in restoration
    listed, reviewed, again, reconsider, decided, granted, audited = out["api-cases.md"]
    assert '"case":"OBJ-2026-0001"' in listed and "RES-2026-0001" not in listed
    assert '"state":"rejected"' in reviewed and "ask for reconsideration by 2026-12-02" in reviewed
    assert '"status":409' in again and '"remedy":"ask for reconsideration by 2026-12-02"' in again
    assert '"state":"reconsideration"' in reconsider
    assert '"state":"rejected_on_reconsideration"' in decided
    assert '"actor":"authority#' in decided and '"reached":null' in decided
    assert '"state":"granted"' in granted and '"actor":"authority2#' in granted
    assert "OBJ-2026-0001" in audited and "RES-2026-0001" in audited
    packs, members, evaluations, log, key, approve, activate = out["api-audit.md"]
    assert '"name":"national"' in packs and '"in_force":true' in packs
    assert '"activated":false' in approve
    assert '"activated":true' in activate and '"in_force":true' in activate
    assert '"since":"2023-03-01"' in members
    assert '"ledger_size"' in evaluations
    assert '"outcome":"restrict"' in log
    assert '"token":"xy_' in key


def test_every_route_is_in_the_routes_table() -> None:
    text = (GUIDES / "api.md").read_text(encoding="utf-8")
    missing = [f"{m} {p}" for m, p in ALLOWED if f"| `{m} {p}` |" not in text]
    assert not missing, f"routes missing from docs/guides/api.md: {missing}"
