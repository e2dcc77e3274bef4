"""Crash consistency: the pending-checkpoint protocol, SIGKILL during appends, a damaged WAL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN, POSTGRES_URL, RECEIVED, OpenLedger, on_both_stores, rows_batch

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint, PendingCommit
from xinyong.errors import LedgerError, TamperDetected
from xinyong.storage.checkpoints import PENDING, CheckpointStore, checkpoint_name
from xinyong.storage.duckdb import DuckDBLedger
from xinyong.storage.keys import create_signing_key

# -- the protocol's states, constructed ---------------------------------------------------------


@on_both_stores
def test_pending_without_commit_is_discarded(
    open_ledger: OpenLedger, paths: tuple[Path, Path], signing_key: Ed25519PrivateKey
) -> None:
    with open_ledger() as ledger:
        ledger.append(rows_batch(0, 4), RECEIVED)
        base = Checkpoint(ORIGIN, 4, ledger.root())
    # The writer signed size 9 into pending.note, then died before COMMIT.
    store = CheckpointStore(paths[1], ORIGIN, signing_key=signing_key)
    store.write_pending(PendingCommit(base, Checkpoint(ORIGIN, 9, bytes(32)), 10**9))
    with open_ledger() as ledger:
        assert ledger.size() == 4
        assert not (paths[1] / PENDING).exists()
        assert not (paths[1] / checkpoint_name(9)).exists()
        assert ledger.verify().ok
        assert ledger.append(rows_batch(4, 5), RECEIVED).size == 9


@on_both_stores
def test_pending_after_commit_is_promoted(
    open_ledger: OpenLedger, paths: tuple[Path, Path], signing_key: Ed25519PrivateKey
) -> None:
    with open_ledger() as ledger:
        ledger.append(rows_batch(0, 4), RECEIVED)
        ledger.append(rows_batch(4, 3), RECEIVED)
        base = Checkpoint(ORIGIN, 4, ledger.root(4))
        new = Checkpoint(ORIGIN, 7, ledger.root())
    # The writer committed size 7 but died before promoting pending.note.
    final = paths[1] / checkpoint_name(7)
    final.unlink()
    CheckpointStore(paths[1], ORIGIN, signing_key=signing_key).write_pending(
        PendingCommit(base, new, 0)
    )
    with open_ledger(read_only=True) as ro:  # read-only: counts pending, changes nothing
        report = ro.verify()
        assert report.ok and any("promoted" in n for n in report.notes)
        assert (paths[1] / PENDING).exists()
    with open_ledger() as ledger:
        assert final.exists() and not (paths[1] / PENDING).exists()
        assert ledger.verify().ok


@on_both_stores
def test_pending_left_beside_its_final_file_is_cleaned(
    open_ledger: OpenLedger, paths: tuple[Path, Path], signing_key: Ed25519PrivateKey
) -> None:
    with open_ledger() as ledger:
        ledger.append(rows_batch(0, 4), RECEIVED)
        new = Checkpoint(ORIGIN, 4, ledger.root())
    # died after writing the final file, before removing pending.note
    CheckpointStore(paths[1], ORIGIN, signing_key=signing_key).write_pending(
        PendingCommit(Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT), new, 0)
    )
    with open_ledger() as ledger:
        assert not (paths[1] / PENDING).exists() and ledger.verify().ok


@on_both_stores
def test_pending_that_contradicts_the_database_is_refused(
    open_ledger: OpenLedger, paths: tuple[Path, Path], signing_key: Ed25519PrivateKey
) -> None:
    with open_ledger() as ledger:
        ledger.append(rows_batch(0, 4), RECEIVED)
    store = CheckpointStore(paths[1], ORIGIN, signing_key=signing_key)
    base = Checkpoint(ORIGIN, 0, merkle.EMPTY_ROOT)
    store.write_pending(PendingCommit(base, Checkpoint(ORIGIN, 4, bytes(32)), 0))  # another root
    with pytest.raises(TamperDetected, match="root the database does not have"):
        open_ledger()
    assert (paths[1] / PENDING).exists()


@on_both_stores
def test_stale_temp_files_are_removed(open_ledger: OpenLedger, paths: tuple[Path, Path]) -> None:
    open_ledger().close()
    stale = paths[1] / ".tmp-pending.note-123-abcd"
    stale.write_text("half a note")
    open_ledger().close()
    assert not stale.exists()


# -- real crashes ---------------------------------------------------------------------------------

BATCH_ROWS = 40
WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
import pyarrow as pa
from xinyong.storage.duckdb import DuckDBLedger
from xinyong.storage.keys import load_signing_key

db, cps, key, rows, count, then, crash_at = sys.argv[1:8]
rows, count = int(rows), int(count)
if crash_at != "nowhere":
    # Die at an exact point of the protocol, on the second append, as a power cut would.
    import os, signal
    from xinyong.storage.checkpoints import CheckpointStore
    method = {"after_pending": "write_pending", "before_promote": "promote_pending"}[crash_at]
    original = getattr(CheckpointStore, method)
    calls = []
    def crash(self, *args):
        calls.append(1)
        if crash_at == "after_pending" and len(calls) == 2:
            original(self, *args)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, *args)
    setattr(CheckpointStore, method, crash)
if db.startswith("pg:"):  # a schema on the test server
    import os
    from xinyong.storage.postgres import PostgresLedger
    ledger = PostgresLedger(os.environ["XINYONG_TEST_POSTGRES_URL"], db[3:], Path(cps),
                            load_signing_key(Path(key)), "test.example/ledger")
else:
    ledger = DuckDBLedger(Path(db), Path(cps), load_signing_key(Path(key)), "test.example/ledger")
print("open", ledger.size(), flush=True)
for _ in range(count):
    first = ledger.size()
    batch = pa.table({
        "entry_kind": ["record"] * rows,
        "refers_to": pa.nulls(rows, pa.int64()),
        "provider": ["court"] * rows,
        "record_type": ["debt"] * rows,
        "subject_scheme": ["uscc"] * rows,
        "subject_key": [f"s{(first + i) % 13}" for i in range(rows)],
        "subject_kind": ["enterprise"] * rows,
        "subject_birth_date": pa.nulls(rows, pa.date32()),
        "decision_date": pa.array([datetime(2024, 1, 1).date()] * rows),
        "document_ref": [f"doc-{first + i}" for i in range(rows)],
        "attributes": ["{}"] * rows,
    })
    ledger.append(batch, datetime.now(UTC))
    print("appended", ledger.size(), flush=True)
if then == "die":
    import os, signal
    os.kill(os.getpid(), signal.SIGKILL)
ledger.close()
"""


def writer(
    tmp: Path,
    key: Path,
    count: int,
    then: str = "close",
    crash_at: str = "nowhere",
    *,
    db: str | None = None,
    cps: Path | None = None,
) -> subprocess.Popen[str]:
    """A writer process on `db` (a DuckDB file, default `tmp/ledger.duckdb`, or `pg:<schema>`)
    with checkpoints in `cps` (default `tmp/cps`)."""
    args = [db or str(tmp / "ledger.duckdb"), str(cps or tmp / "cps"), str(key)]
    args += [str(BATCH_ROWS), str(count), then, crash_at]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XINYONG_TEST_POSTGRES_URL": POSTGRES_URL}
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def wait_until_open(proc: subprocess.Popen[str], what: str = "open ") -> None:
    """Until the writer prints a line starting with `what` (it has opened the ledger, or
    appended a batch)."""
    assert proc.stdout is not None
    for line in proc.stdout:  # structlog writes its lines to stdout too
        if line.startswith(what):
            return
    raise AssertionError(f"the writer exited before printing {what!r}")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "signing.key"
    create_signing_key(path)
    return path


def test_sigkill_during_appends_leaves_a_consistent_ledger(tmp_path: Path, key_file: Path) -> None:
    from xinyong.storage.keys import load_signing_key

    key = load_signing_key(key_file)
    rng = random.Random(6962)
    for _ in range(4):
        proc = writer(tmp_path, key_file, count=10_000)
        wait_until_open(proc)
        # the kill comes while batches are being appended, however slow the machine is to
        # start (the first append plans every statement: a second or more under load)
        wait_until_open(proc, "appended ")
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with DuckDBLedger(tmp_path / "ledger.duckdb", tmp_path / "cps", key, ORIGIN) as ledger:
            size = ledger.size()
            assert size % BATCH_ROWS == 0, f"size {size} is not a batch boundary"
            report = ledger.verify()
            assert report.ok, report.problems
            assert ledger.latest_checkpoint() == Checkpoint(ORIGIN, size, ledger.root())
    assert size > 0


@pytest.mark.parametrize(
    ("crash_at", "size"),
    [("after_pending", BATCH_ROWS), ("before_promote", 2 * BATCH_ROWS)],
    ids=["pending-written-commit-lost", "committed-not-promoted"],
)
@on_both_stores
def test_sigkill_at_each_step_of_the_protocol(  # noqa: PLR0917 - fixtures
    tmp_path: Path,
    key_file: Path,
    crash_at: str,
    size: int,
    open_ledger: OpenLedger,
    paths: tuple[Path, Path],
    request: pytest.FixtureRequest,
    store_kind: str,
) -> None:
    from xinyong.storage.keys import load_signing_key

    db, cps = str(paths[0]), paths[1]
    if store_kind == "postgres":
        db = "pg:" + request.getfixturevalue("pg_schema")[1]
    proc = writer(tmp_path, key_file, count=3, crash_at=crash_at, db=db, cps=cps)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert (cps / PENDING).exists()
    key = load_signing_key(key_file)
    with open_ledger(signing_key=key) as ledger:
        assert ledger.size() == size
        assert not (cps / PENDING).exists()
        assert sorted(p.name for p in cps.iterdir())[-1] == checkpoint_name(size)
        assert ledger.verify().ok
        assert ledger.append(rows_batch(size, 3), RECEIVED).size == size + 3


def test_damaged_wal_is_refused_and_kept(tmp_path: Path, key_file: Path) -> None:
    from xinyong.storage.keys import load_signing_key

    proc = writer(tmp_path, key_file, count=3, then="die")
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    db, cps = tmp_path / "ledger.duckdb", tmp_path / "cps"
    wal = Path(f"{db}.wal")
    assert wal.exists(), "the writer's batches should still be in the write-ahead log"
    data = wal.read_bytes()
    wal.write_bytes(data[: len(data) // 2])  # torn: the last batches' commits are gone
    damaged = wal.read_bytes()
    key = load_signing_key(key_file)
    with pytest.raises(LedgerError, match="Nothing was deleted or renamed") as caught:
        DuckDBLedger(db, cps, key, ORIGIN)
    assert "write-ahead log looks damaged" in str(caught.value) or "replay" in str(caught.value)
    assert wal.read_bytes() == damaged
    assert sorted(p.name for p in cps.iterdir())[-1] == checkpoint_name(3 * BATCH_ROWS)


def test_second_writer_gets_a_clear_error(tmp_path: Path, key_file: Path) -> None:
    from xinyong.storage.keys import load_signing_key

    proc = writer(tmp_path, key_file, count=10_000)
    try:
        wait_until_open(proc)
        with pytest.raises(LedgerError, match="in use by another process"):
            DuckDBLedger(
                tmp_path / "ledger.duckdb", tmp_path / "cps", load_signing_key(key_file), ORIGIN
            )
    finally:
        proc.kill()
        proc.wait()


def test_duckdb_error_while_opening_names_the_file(
    tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    db = tmp_path / "not-a-db.duckdb"
    db.write_bytes(b"this is not a duckdb file" * 1000)
    with pytest.raises(
        LedgerError, match=r"DuckDB cannot open or replay ledger .*not-a-db\.duckdb"
    ):
        DuckDBLedger(db, tmp_path / "cps", signing_key, ORIGIN)
    assert db.read_bytes().startswith(b"this is not")
    duckdb.connect(str(tmp_path / "fine.duckdb")).close()  # the module is usable afterwards


def test_unwritable_checkpoint_folder_appends_nothing(
    open_ledger: OpenLedger, paths: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = open_ledger()
    ledger.append(rows_batch(0, 2), RECEIVED)

    def disk_full(self: CheckpointStore, checkpoint: Checkpoint) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CheckpointStore, "write_pending", disk_full)
    with pytest.raises(LedgerError, match="nothing appended: cannot write the checkpoint"):
        ledger.append(rows_batch(2, 3), RECEIVED)
    monkeypatch.undo()
    assert ledger.size() == 2 and ledger.verify().ok
    assert ledger.append(rows_batch(2, 3), RECEIVED).size == 5
