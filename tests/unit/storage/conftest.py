"""Fixtures for ledger tests: a fixed signing key and fresh DuckDB ledgers in a temp folder."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN, OpenLedger

from xinyong.storage.duckdb import DuckDBLedger


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "ledger.duckdb", tmp_path / "checkpoints"


@pytest.fixture
def open_ledger(paths: tuple[Path, Path], signing_key: Ed25519PrivateKey) -> Iterator[OpenLedger]:
    opened: list[DuckDBLedger] = []

    def open_(*, read_only: bool = False, **kw: Any) -> DuckDBLedger:
        db, cps = paths
        ledger = DuckDBLedger(
            db, cps, signing_key, kw.pop("origin", ORIGIN), read_only=read_only, **kw
        )
        opened.append(ledger)
        return ledger

    yield open_
    for ledger in opened:
        with contextlib.suppress(Exception):  # a test may have closed it already
            ledger.close()


@pytest.fixture
def ledger(open_ledger: OpenLedger) -> DuckDBLedger:
    return open_ledger()
