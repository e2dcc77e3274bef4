"""Throughput of the ledger's hot paths on 1,000,000 rows (`pytest -m soak -s` prints figures;
not in the default run).

Times are reported as ratios to a baseline measured in the same run on the same machine: a plain
`INSERT INTO … SELECT` of the same Arrow batches into a table of the entry columns (no
constraints, no index, no hashing), each batch in its own transaction. A ratio of 0.5 means
half the baseline's rows per second. The machine is shared, so only ratios are asserted, and
leniently: the assertion catches a return to per-ledger (not per-batch) costs, not noise.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN

from xinyong.domain import merkle
from xinyong.storage.base import BATCH_COLUMNS, KEY_COLUMNS
from xinyong.storage.duckdb import DuckDBLedger

ROWS = 1_000_000
BATCH = 250_000  # Settings.ingest_batch_rows

# Realistic widths: an 18-character USCC-like key, a court document number, two attributes.
GENERATE = """
SELECT
    CASE WHEN i % 10 = 9 THEN 'revocation' ELSE 'record' END AS entry_kind,
    CASE WHEN i % 10 = 9 THEN i - 1 + $first END AS refers_to,
    'court.' || (i % 31) AS provider,
    'dishonest_judgment_debtor' AS record_type,
    'uscc' AS subject_scheme,
    '9111' || lpad(CAST((i * 7919) % 200000 AS VARCHAR), 14, '0') AS subject_key,
    'enterprise' AS subject_kind,
    NULL::DATE AS subject_birth_date,
    DATE '2015-01-01' + CAST(i % 3000 AS INTEGER) AS decision_date,
    '(2023)京0105执' || CAST(i + $first AS VARCHAR) || '号' AS document_ref,
    '{"amount":' || CAST((i * 37) % 1000000 AS VARCHAR) || ',"currency":"CNY"}' AS attributes
FROM range($n) AS t(i)
"""


def plain_insert_seconds(path: Path, batches: list[pa.Table]) -> float:
    """The baseline: the same batches inserted plainly into a table of the entry columns."""
    columns = [("seq", "BIGINT"), *BATCH_COLUMNS, ("received_at", "TIMESTAMP")]
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE entries ({', '.join(f'{n} {t}' for n, t in columns)})")
    started = time.perf_counter()
    for first, table in zip(range(0, ROWS, BATCH), batches, strict=True):
        con.register("batch", table)
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO entries SELECT $first + row_number() OVER () - 1, *, now()::TIMESTAMP "
            "FROM batch",
            {"first": first},
        )
        con.execute("COMMIT")
        con.unregister("batch")
    seconds = time.perf_counter() - started
    con.close()
    return seconds


@pytest.mark.slow
@pytest.mark.soak
def test_append_and_verify_a_million_rows(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    gen = duckdb.connect()
    batches = [
        gen.sql(GENERATE, params={"first": first, "n": BATCH}).to_arrow_table()
        for first in range(0, ROWS, BATCH)
    ]
    gen.close()
    baseline_s = plain_insert_seconds(tmp_path / "baseline.duckdb", batches)
    db, cps = tmp_path / "ledger.duckdb", tmp_path / "cps"
    with DuckDBLedger(db, cps, signing_key, ORIGIN) as ledger:
        batch_s: list[float] = []
        started, cpu = time.perf_counter(), time.process_time()
        for table in batches:
            ledger.append(table, datetime.now(UTC))
            batch_s.append(time.perf_counter() - started - sum(batch_s))
        append_s, append_cpu = time.perf_counter() - started, time.process_time() - cpu
        assert ledger.size() == ROWS

        keys = pa.concat_tables(batches).select(list(KEY_COLUMNS))
        started = time.perf_counter()
        found = ledger.lookup_keys(keys)
        keys_s = time.perf_counter() - started
        assert found.num_rows == ROWS

        started = time.perf_counter()
        for k in range(50):
            ledger.entries(subject_key="9111" + str((k * 7919) % 200000).zfill(14))
        subject_ms = (time.perf_counter() - started) / 50 * 1000

        started = time.perf_counter()
        root = ledger.root()
        for index in range(0, ROWS, ROWS // 20):
            proof = ledger.inclusion_proof(index)
            leaf = ledger.entries(start=index, stop=index + 1)[0].leaf_hash()
            assert merkle.verify_inclusion(leaf, index, ROWS, proof, root)
        proof_ms = (time.perf_counter() - started) / 20 * 1000

    public = signing_key.public_key()
    with DuckDBLedger(db, cps, None, ORIGIN, read_only=True, public_key=public) as ro:
        cpu = time.process_time()
        report = ro.verify()
        verify_cpu = time.process_time() - cpu
    assert report.ok, report.problems
    append_ratio, verify_ratio = baseline_s / append_s, baseline_s / report.seconds
    print(
        f"\nbaseline: plain INSERT of the same {ROWS:,} rows: {baseline_s:.1f}s "
        f"({ROWS / baseline_s:,.0f} rows/s)\n"
        f"append {ROWS:,} rows in {len(batches)} batches: {append_s:.1f}s "
        f"({ROWS / append_s:,.0f} rows/s = {append_ratio:.2f} of baseline; {append_cpu:.1f} CPU-s; "
        f"batches {', '.join(f'{s:.2f}' for s in batch_s)}s)\n"
        f"verify {ROWS:,} rows: {report.seconds:.1f}s ({ROWS / report.seconds:,.0f} rows/s = "
        f"{verify_ratio:.2f} of baseline; {verify_cpu:.1f} CPU-s)\n"
        f"lookup_keys of {ROWS:,} keys: {keys_s:.1f}s\n"
        f"subject lookup: {subject_ms:.1f} ms; inclusion proof + leaf fetch: {proof_ms:.1f} ms\n"
        f"database file: {db.stat().st_size / 1e6:.0f} MB"
    )
    # Lenient floors (typically ~0.4 and ~0.8 on a quiet machine, ~0.2 and ~0.4 under heavy
    # load): they catch gross regressions, not noise.
    assert append_ratio > 0.15
    assert verify_ratio > 0.25
    # Every batch costs about the same, whatever the ledger size before it.
    assert max(batch_s[1:]) < 3 * min(batch_s[1:])
