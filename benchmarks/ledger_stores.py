"""The two ledger stores side by side: append `--rows` entries, then verify, on DuckDB and on
PostgreSQL, in alternating rounds (DuckDB first in odd rounds, PostgreSQL first in even ones, so
neither always runs on the warmer or the busier machine).

    python benchmarks/ledger_stores.py [--rows 100000] [--batch 25000] [--rounds 5]
        [--url postgresql://postgres@127.0.0.1:5432/test]

Each round starts from an empty ledger: a new DuckDB file in a temp folder, a new schema on the
server (dropped after). Rows are realistic in width (≈ 210 bytes of canonical text: a court
record with a JSON attribute object). Printed per store: median and range of the append time
(all batches, checkpoints signed) and of `verify` (every leaf and node recomputed, every
checkpoint checked), rows per second at the median, and PostgreSQL's time as a multiple of
DuckDB's. Absolute figures depend on the machine and its load; the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pyarrow as pa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xinyong.storage.base import BATCH_COLUMNS
from xinyong.storage.duckdb import DuckDBLedger
from xinyong.storage.postgres import PostgresLedger

ORIGIN = "bench.example/ledger"
RECEIVED = datetime(2026, 11, 1, 8, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def batch(first: int, n: int) -> pa.Table:
    seqs = range(first, first + n)
    types = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DATE": pa.date32()}
    day = date(2020, 1, 1)
    columns: dict[str, list[Any]] = {
        "entry_kind": ["record"] * n,
        "refers_to": [None] * n,
        "provider": ["court.beijing"] * n,
        "record_type": ["court.judgment.effective"] * n,
        "subject_scheme": ["uscc"] * n,
        "subject_key": [f"uscc:9135010{i % 50_000:011d}" for i in seqs],
        "subject_kind": ["enterprise"] * n,
        "subject_birth_date": [None] * n,
        "decision_date": [day + timedelta(days=i % 2000) for i in seqs],
        "document_ref": [f"(2024)京01民初{i}号" for i in seqs],
        "attributes": [
            f'{{"amount_awarded":"{i % 997}00.00","case_number":"(2024)京01民初{i}号",'
            '"court":"北京市第一中级人民法院","document_type":"judgment"}'
            for i in seqs
        ],
    }
    return pa.table({name: pa.array(columns[name], types[t]) for name, t in BATCH_COLUMNS})


def run_store(store: str, rows: int, size: int, url: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="xinyong-stores-") as tmp:
        schema = f"bench_stores_{uuid.uuid4().hex[:10]}"
        ledger: Any
        if store == "duckdb":
            ledger = DuckDBLedger(Path(tmp, "l.duckdb"), Path(tmp, "cp"), KEY, ORIGIN)
        else:
            ledger = PostgresLedger(url, schema, Path(tmp, "cp"), KEY, ORIGIN)
        batches = [batch(first, min(size, rows - first)) for first in range(0, rows, size)]
        try:
            started = time.perf_counter()
            for b in batches:
                ledger.append(b, RECEIVED)
            appended = time.perf_counter() - started
            started = time.perf_counter()
            report = ledger.verify()
            verified = time.perf_counter() - started
            assert report.ok and report.size == rows, report.problems
        finally:
            ledger.close()
            if store == "postgres":
                with psycopg.connect(url, autocommit=True) as con:
                    con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return appended, verified


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=25_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    times: dict[str, dict[str, list[float]]] = {
        s: {"append": [], "verify": []} for s in ("duckdb", "postgres")
    }
    for r in range(args.rounds):
        order = ("duckdb", "postgres") if r % 2 == 0 else ("postgres", "duckdb")
        for store in order:
            appended, verified = run_store(store, args.rows, args.batch, args.url)
            times[store]["append"].append(appended)
            times[store]["verify"].append(verified)
            print(f"round {r + 1} {store:8} append {appended:6.2f} s  verify {verified:6.2f} s")
    print(f"\n{args.rows:,} rows in batches of {args.batch:,}, {args.rounds} rounds")
    for what in ("append", "verify"):
        medians = {}
        for store in ("duckdb", "postgres"):
            found = times[store][what]
            medians[store] = statistics.median(found)
            print(
                f"{what:6} {store:8} median {medians[store]:6.2f} s "
                f"(range {min(found):.2f}–{max(found):.2f}), "
                f"{args.rows / medians[store]:,.0f} rows/s"
            )
        print(f"{what:6} postgres / duckdb = {medians['postgres'] / medians['duckdb']:.2f}")


if __name__ == "__main__":
    main()
