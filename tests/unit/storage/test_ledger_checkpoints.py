"""The checkpoint store: names, atomic writes, the pending protocol's file moves."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN

from xinyong.domain.checkpoint import Checkpoint, PendingCommit
from xinyong.errors import DataLoss, LedgerError, TamperDetected
from xinyong.storage.checkpoints import (
    PENDING,
    CheckpointStore,
    checkpoint_name,
    write_atomic,
)

ROOT = hashlib.sha256(b"r").digest()
BASE = hashlib.sha256(b"b").digest()


def commit(size: int, root: bytes = ROOT, base: int = 0, wal: int = 0) -> PendingCommit:
    return PendingCommit(Checkpoint(ORIGIN, base, BASE), Checkpoint(ORIGIN, size, root), wal)


@pytest.fixture
def store(tmp_path: Path, signing_key: Ed25519PrivateKey) -> CheckpointStore:
    return CheckpointStore(tmp_path / "cps", ORIGIN, signing_key=signing_key)


def test_names_sort_by_size() -> None:
    names = [checkpoint_name(n) for n in (0, 9, 10, 1_000_000, 2**63 - 1)]
    assert names == sorted(names)
    assert checkpoint_name(1_000_000) == "00000000000001000000.note"


def test_write_load_latest(store: CheckpointStore) -> None:
    assert store.latest() is None and store.sizes() == []
    for size in (0, 7, 12):
        store.write(Checkpoint(ORIGIN, size, ROOT))
    assert store.sizes() == [0, 7, 12]
    assert store.latest() == Checkpoint(ORIGIN, 12, ROOT)
    assert [s.name for s in store.stored()] == [checkpoint_name(n) for n in (0, 7, 12)]
    with pytest.raises(FileExistsError):
        store.write(Checkpoint(ORIGIN, 12, ROOT))


def test_pending_protocol_moves(store: CheckpointStore) -> None:
    store.write_pending(commit(5))
    assert (store.directory / PENDING).exists()
    assert store.promote_pending() == Checkpoint(ORIGIN, 5, ROOT)
    assert store.sizes() == [5] and not (store.directory / PENDING).exists()
    with pytest.raises(LedgerError, match=r"no pending\.note to promote"):
        store.promote_pending()
    store.write_pending(commit(6, base=5))
    store.discard_pending()
    assert store.pending_text() is None and store.sizes() == [5]


def test_promote_refuses_a_different_final_file(store: CheckpointStore) -> None:
    store.write(Checkpoint(ORIGIN, 5, ROOT))
    store.write_pending(commit(5, hashlib.sha256(b"other").digest()))
    with pytest.raises(TamperDetected, match="two different checkpoints of size 5"):
        store.promote_pending()
    assert (store.directory / PENDING).exists()


def test_origin_and_name_are_checked(
    store: CheckpointStore, signing_key: Ed25519PrivateKey
) -> None:
    other = CheckpointStore(store.directory, "other.example/log", signing_key=signing_key)
    other.write(Checkpoint("other.example/log", 3, ROOT))
    with pytest.raises(TamperDetected, match=r"not signed by key 'test\.example/ledger'"):
        store.load(3)
    store.write(Checkpoint(ORIGIN, 4, ROOT))
    (store.directory / checkpoint_name(4)).rename(store.directory / checkpoint_name(40))
    with pytest.raises(TamperDetected, match="named for size 40 but signs size 4"):
        store.load(40)


def test_read_only_store_cannot_sign(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    ro = CheckpointStore(tmp_path, ORIGIN, public_key=signing_key.public_key())
    with pytest.raises(LedgerError, match="without a signing key"):
        ro.write(Checkpoint(ORIGIN, 1, ROOT))


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    path = tmp_path / "f"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    with pytest.raises(FileExistsError):
        write_atomic(path, b"three", overwrite=False)
    assert path.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


def test_a_checkpoint_renamed_to_pending_is_refused(store: CheckpointStore) -> None:
    # A renamed final checkpoint must not pass for an interrupted commit: recovery would then
    # discard it as "never happened" and forget a committed batch.
    store.write(Checkpoint(ORIGIN, 5, ROOT))
    name = checkpoint_name(5)
    (store.directory / name).rename(store.directory / PENDING)
    with pytest.raises(TamperDetected, match="not a pending commit"):
        store.recover(0, lambda n: BASE, 0)
    assert (store.directory / PENDING).exists()


def test_pending_commit_round_trips_and_is_signed(store: CheckpointStore) -> None:
    store.write_pending(commit(9, base=4, wal=1234))
    assert store.pending() == commit(9, base=4, wal=1234)
    text = (store.directory / PENDING).read_text()
    (store.directory / PENDING).write_text(text.replace("\n1234\n", "\n99999\n"))
    with pytest.raises(TamperDetected, match="does not verify"):
        store.pending()


def test_a_pending_commit_may_name_its_transaction(store: CheckpointStore) -> None:
    named = PendingCommit(Checkpoint(ORIGIN, 4, BASE), Checkpoint(ORIGIN, 9, ROOT), 0, xid=7_654)
    assert PendingCommit.parse(named.body()) == named
    assert named.body().endswith("\n0\nxid 7654\n")
    assert "xid" not in commit(9, base=4).body()  # DuckDB's notes are as they were
    with pytest.raises(TamperDetected, match="xid is not a number"):
        PendingCommit.parse(named.body().replace("xid 7654", "xid 76x4"))
    # the server's word decides: committed is data loss, anything else never happened
    store.write_pending(named)
    with pytest.raises(DataLoss, match="reports its transaction 7654 committed"):
        store.recover(4, lambda n: BASE, None, lambda p: p.xid == 7_654)
    assert store.recover(4, lambda n: BASE, None, lambda p: False) is not None
    assert store.pending() is None


def test_witnesses_get_every_checkpoint(
    tmp_path: Path, signing_key: Ed25519PrivateKey, caplog: pytest.LogCaptureFixture
) -> None:
    witness = tmp_path / "witness"
    store = CheckpointStore(tmp_path / "cps", ORIGIN, signing_key=signing_key, witnesses=(witness,))
    store.write(Checkpoint(ORIGIN, 0, ROOT))
    store.write_pending(commit(5))
    store.promote_pending()
    assert sorted(p.name for p in witness.iterdir()) == [checkpoint_name(0), checkpoint_name(5)]
    # one deleted from the witness is copied again; a different one there is a fork
    (witness / checkpoint_name(0)).unlink()
    store.sync_witnesses()
    assert (witness / checkpoint_name(0)).read_text() == (
        store.directory / checkpoint_name(0)
    ).read_text()
    (witness / checkpoint_name(7)).write_text("x")
    store.write_pending(commit(7, base=5))
    with pytest.raises(TamperDetected, match=r"holds a different 00000000000000000007\.note"):
        store.promote_pending()
