"""A workspace whose ledger lives in PostgreSQL, end to end through the CLI: `init --postgres`,
`records ingest` (twice: a no-op), `verify`, `evaluate`, `check`, as on DuckDB and with the same
answers; an edited entry fails `verify`; a schema holding a ledger is not taken over.

PostgreSQL must run under CI (`CI` set); elsewhere an unreachable server skips with the reason.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.policy import load_pack
from xinyong.sample.generate import write_csv
from xinyong.service import shipped_pack

pytestmark = pytest.mark.postgres

URL = os.environ.get("XINYONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TODAY = "2026-11-01"
# one pseudonym key for both workspaces, so that their subject keys, and results, compare
ENV = {"XINYONG_TODAY": TODAY, "XINYONG_POSTGRES_URL": URL, "XINYONG_PSEUDONYM_KEY": "ab" * 32}


@pytest.fixture
def schema() -> Iterator[str]:
    import psycopg

    try:
        with psycopg.connect(URL, connect_timeout=5):
            pass
    except psycopg.Error as e:
        reason = f"PostgreSQL at {URL} is unreachable ({str(e).strip()})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(reason)
    name = f"pgstore_cli_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(URL, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def run(*args: str, code: int = 0) -> str:
    """What the command wrote, and the error it raised (the handler of `main` is not here)."""
    result = CliRunner().invoke(app, list(args), env=ENV)
    text = (
        result.output + result.stderr + ("" if result.exception is None else str(result.exception))
    )
    assert result.exit_code == code, text
    return text


def test_a_postgres_ledger_end_to_end(tmp_path: Path, schema: str) -> None:
    pack = load_pack(shipped_pack())
    sample = write_csv(
        tmp_path / "records.csv",
        pack.catalogue,
        rows=600,
        subjects=80,
        seed=5,
        today=date.fromisoformat(TODAY),
        cases=list(pack.cases.values()),
        story_share=0.4,
    )
    pg, duck = tmp_path / "pg", tmp_path / "duck"
    out = run("init", str(pg), "--postgres", "--schema", schema)
    assert f"PostgreSQL schema {schema}" in out
    run("init", str(duck))
    answers = {}
    for ws in (pg, duck):
        ingested = run("records", "ingest", str(sample.path), "-w", str(ws), code=0)
        size = re.search(r"ledger size\s+(\d+)", ingested)
        assert size is not None and int(size.group(1)) > 500
        again = run("records", "ingest", str(sample.path), "-w", str(ws), code=0)
        assert re.search(r"batches committed\s+0", again), again
        key = str(ws.parent / f"{ws.name}.keys" / "ledger.pub")
        assert "Ledger verified" in run("verify", "-w", str(ws), "--key", key)
        evaluated = run("evaluate", "-w", str(ws), "--as-of", "2026-06-01")
        found = re.search(r"result hash (sha256:[0-9a-f]{64})", evaluated)
        assert found is not None
        checks = [
            json.loads(
                run(
                    "check",
                    s.identifier,
                    "air_travel.book",
                    "-w",
                    str(ws),
                    "--json",
                    "--purpose",
                    "t",
                )
            )
            for s in sample.subjects[:40]
        ]
        verified = run("verify", "-w", str(ws), "--key", key)
        assert "seal and rows verified" in verified
        answers[ws.name] = (
            found.group(1),
            [(c["outcome"], json.dumps(c["measures"])) for c in checks],
        )
    assert answers["pg"] == answers["duck"]
    assert any(outcome != "allow" for outcome, _ in answers["pg"][1]), "nothing to compare"

    # an entry edited behind the ledger's back: verify names it and exits 3
    import psycopg

    with psycopg.connect(URL, autocommit=True) as con:
        con.execute(f"UPDATE {schema}.entries SET attributes = '{{}}' WHERE seq = 7")
    key = str(tmp_path / "pg.keys" / "ledger.pub")
    assert "entry seq 7" in run("verify", "-w", str(pg), "--key", key, code=3)


def test_init_refuses_a_schema_that_holds_a_ledger(tmp_path: Path, schema: str) -> None:
    run("init", str(tmp_path / "a"), "--postgres", "--schema", schema)
    out = run("init", str(tmp_path / "b"), "--postgres", "--schema", schema, code=1)
    assert "already holds a ledger" in out
    assert "is at migration 0001" in run("db", "upgrade", "-w", str(tmp_path / "a"))


def test_two_ingests_at_once(tmp_path: Path, schema: str) -> None:
    # Two processes append to one PostgreSQL ledger at the same time (the writers' lock orders
    # their batches) and take the decision index file in turn.
    import subprocess
    import sys

    pack = load_pack(shipped_pack())
    files = [
        write_csv(
            tmp_path / f"records-{seed}.csv",
            pack.catalogue,
            rows=300,
            subjects=60,
            seed=seed,
            today=date.fromisoformat(TODAY),
        )
        for seed in (1, 2)
    ]
    ws = tmp_path / "ws"
    run("init", str(ws), "--postgres", "--schema", schema)
    run("evaluate", "-w", str(ws), "--as-of", "2026-06-01")  # so that ingests update an index
    env = {**os.environ, **ENV, "XINYONG_INGEST_BATCH_ROWS": "50"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "xinyong", "records", "ingest", str(f.path), "-w", str(ws)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for f in files
    ]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    key = str(tmp_path / "ws.keys" / "ledger.pub")
    verified = run("verify", "-w", str(ws), "--key", key)
    assert "Ledger verified: 601 entries" in verified, verified
    assert "seal and rows verified" in verified
