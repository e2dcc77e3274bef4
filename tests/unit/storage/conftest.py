"""Fixtures for ledger tests: a fixed signing key and fresh ledgers, DuckDB or PostgreSQL.

A test runs on both stores when it takes `store_kind` through `on_both_stores`; otherwise on
DuckDB. A PostgreSQL ledger lives in a schema of its own, dropped when the test ends; the
server is `XINYONG_TEST_POSTGRES_URL` (default `postgresql://postgres@127.0.0.1:5432/test`),
and when it is unreachable those tests skip with the reason, except under CI (`CI` set), where
that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN, POSTGRES_URL, OpenLedger, RunSql

from xinyong.storage.duckdb import DuckDBLedger


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where every store must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as con:
            con.execute("SELECT 1")
    except psycopg.Error as e:
        unavailable(
            f"PostgreSQL at {POSTGRES_URL} is unreachable ({str(e).strip()}); "
            "set XINYONG_TEST_POSTGRES_URL to use another server"
        )
    return POSTGRES_URL


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    kind: str = getattr(request, "param", "duckdb")
    return kind


@pytest.fixture
def pg_schema(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(url, schema): a schema of the test's own on the server, dropped after it."""
    import psycopg

    url = request.getfixturevalue("postgres_url")
    schema = f"pgstore_t_{uuid.uuid4().hex[:12]}"
    yield url, schema
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "ledger.duckdb", tmp_path / "checkpoints"


@pytest.fixture
def open_ledger(
    request: pytest.FixtureRequest,
    store_kind: str,
    paths: tuple[Path, Path],
    signing_key: Ed25519PrivateKey,
) -> Iterator[OpenLedger]:
    opened: list[Any] = []
    pg = request.getfixturevalue("pg_schema") if store_kind == "postgres" else None

    def open_(*, read_only: bool = False, **kw: Any) -> Any:
        db, cps = paths
        key = kw.pop("signing_key", signing_key)
        origin = kw.pop("origin", ORIGIN)
        if pg is not None:
            from xinyong.storage.postgres import PostgresLedger

            ledger: Any = PostgresLedger(pg[0], pg[1], cps, key, origin, read_only=read_only, **kw)
        else:
            ledger = DuckDBLedger(db, cps, key, origin, read_only=read_only, **kw)
        opened.append(ledger)
        return ledger

    yield open_
    for ledger in opened:
        with contextlib.suppress(Exception):  # a test may have closed it already
            ledger.close()


@pytest.fixture
def ledger(open_ledger: OpenLedger) -> DuckDBLedger:
    return open_ledger()


@pytest.fixture
def run_sql(request: pytest.FixtureRequest, store_kind: str, paths: tuple[Path, Path]) -> RunSql:
    """Run statements on the store's database behind the ledger's back (a forger's edits).
    On PostgreSQL the forger first drops the primary key of `entries`, which would refuse
    duplicated or renumbered seqs (DuckDB's table has none)."""
    if store_kind == "postgres":
        import psycopg

        url, schema = request.getfixturevalue("pg_schema")

        def run_pg(*statements: str, params: dict[str, object] | None = None) -> None:
            with psycopg.connect(url, autocommit=True) as con:
                con.execute(f"SET search_path TO {schema}")
                con.execute("ALTER TABLE entries DROP CONSTRAINT IF EXISTS entries_pkey")
                for sql in statements:
                    con.execute(sql.encode(), params)

        return run_pg

    import duckdb

    def run_duckdb(*statements: str, params: dict[str, object] | None = None) -> None:
        con = duckdb.connect(str(paths[0]))
        for sql in statements:
            con.execute(sql, params)
        con.close()

    return run_duckdb
