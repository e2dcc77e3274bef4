"""Trusting nothing the workspace hands over: where keys come from, what a pin is, what a witness
holds, and how recovery tells a commit that never happened from a lost one."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN

from xinyong.domain.checkpoint import (
    Checkpoint,
    PendingCommit,
    fingerprint,
    parse_verifier_key,
    verifier_key,
)
from xinyong.errors import DataLoss, SettingsError, TamperDetected
from xinyong.service import Workspace
from xinyong.settings import Settings
from xinyong.storage import keys
from xinyong.storage.checkpoints import PENDING, CheckpointStore, checkpoint_name
from xinyong.storage.verify import LedgerFacts, judge

ROOT = hashlib.sha256(b"r").digest()
BASE = hashlib.sha256(b"b").digest()


def test_verifier_key_round_trips_and_refuses_a_spliced_name(
    signing_key: Ed25519PrivateKey,
) -> None:
    text = verifier_key(ORIGIN, signing_key.public_key())
    name, public = parse_verifier_key(text)
    assert name == ORIGIN and fingerprint(public) == fingerprint(signing_key.public_key())
    assert fingerprint(public).startswith("SHA256:") and len(fingerprint(public)) == 7 + 43
    with pytest.raises(ValueError, match="does not match the name and key"):
        parse_verifier_key("other.example/log" + text[len(ORIGIN) :])
    with pytest.raises(ValueError, match="<name>"):
        parse_verifier_key("nonsense")


def test_pinned_key_from_text_or_file(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    pin = keys.write_public_key(tmp_path / "ledger.pub", ORIGIN, signing_key.public_key())
    assert keys.pinned_key(tmp_path / "ledger.pub").verifier == pin.verifier
    assert keys.pinned_key(pin.verifier).fingerprint == pin.fingerprint
    with pytest.raises(SettingsError, match="cannot read the pinned key file"):
        keys.pinned_key(tmp_path / "missing.pub")
    with pytest.raises(TamperDetected, match="is for log"):
        pin.check_origin("another.example/log")
    with pytest.raises(TamperDetected, match="is not the pinned key"):
        pin.check_signing_key(Ed25519PrivateKey.generate())


def test_key_settings_are_refused_in_the_workspace_file(tmp_path: Path) -> None:
    (tmp_path / "xinyong.toml").write_text('verify_key = "attacker+00000000+AA=="\n')
    with pytest.raises(SettingsError, match="verify_key cannot be set in the workspace"):
        Settings.for_workspace(tmp_path)


def test_keys_from_the_environment(tmp_path: Path, signing_key: Ed25519PrivateKey) -> None:
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    pem = signing_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    s = Settings(workspace=tmp_path, signing_key=pem, pseudonym_key="ab" * 32)
    assert keys.signing_key_from(s).public_key().public_bytes_raw() == (
        signing_key.public_key().public_bytes_raw()
    )
    assert keys.pseudonym_key_from(s) == bytes.fromhex("ab" * 32)
    with pytest.raises(SettingsError, match="64 hex digits"):
        keys.pseudonym_key_from(Settings(workspace=tmp_path, pseudonym_key="ab"))


def test_init_keeps_the_keys_out_of_the_workspace_and_verify_needs_none(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws")
    s = ws.settings
    assert s.keys_path() == (tmp_path / "ws.keys").absolute()
    assert not any(p.suffix in {".key", ".pub"} for p in (tmp_path / "ws").rglob("*"))
    assert oct((tmp_path / "ws.keys").stat().st_mode & 0o777) == "0o700"
    pin = ws.pinned_key()
    assert pin is not None
    assert keys.pinned_key(ws.public_key_file()).verifier == pin.verifier
    # An auditor has the workspace's data and the published key, no keys folder at all.
    shutil.move(tmp_path / "ws.keys", tmp_path / "elsewhere")
    auditor = Workspace.open(tmp_path / "ws")
    with pytest.raises(SettingsError, match="verify needs the log's public key"):
        auditor.verify()
    report = auditor.verify(key=pin.verifier)
    assert report.ok and pin.fingerprint in report.key


# -- witnesses -----------------------------------------------------------------------------------


def _facts(end: int) -> LedgerFacts:
    return LedgerFacts(size=end, rows=end, end=end, batches=[(0, end)] if end else [])


def test_a_witness_holding_a_later_or_different_checkpoint_fails_verify(
    tmp_path: Path, signing_key: Ed25519PrivateKey
) -> None:
    local = CheckpointStore(tmp_path / "cps", ORIGIN, signing_key=signing_key)
    witness = CheckpointStore(tmp_path / "w", ORIGIN, signing_key=signing_key)
    local.write(Checkpoint(ORIGIN, 5, ROOT))
    witness.write(Checkpoint(ORIGIN, 5, ROOT))
    witness.write(Checkpoint(ORIGIN, 9, ROOT))
    roots = {5: ROOT}
    report = judge(_facts(5), local, roots.get, [witness])
    assert any("entries 5..8 are missing (truncated): witness" in p for p in report.problems)
    # the same size with another root: the ledger was rewritten after the witness copied it
    roots = {5: BASE}
    (tmp_path / "w" / checkpoint_name(9)).unlink()
    report = judge(_facts(5), local, roots.get, [witness])
    assert any("the ledger differs from witness" in p for p in report.problems)
    # a witness folder that is not there is a problem: nothing to hold the ledger to
    report = judge(_facts(5), local, {5: ROOT}.get, [CheckpointStore(tmp_path / "no", ORIGIN)])
    assert any("does not exist" in p for p in report.problems)


# -- recovery: never mistake a lost commit for one that never happened ---------------------------


@pytest.fixture
def pending(tmp_path: Path, signing_key: Ed25519PrivateKey) -> CheckpointStore:
    store = CheckpointStore(tmp_path / "cps", ORIGIN, signing_key=signing_key)
    store.write_pending(
        PendingCommit(Checkpoint(ORIGIN, 4, BASE), Checkpoint(ORIGIN, 9, ROOT), wal_bytes=1000)
    )
    return store


def test_a_commit_that_never_reached_the_log_is_discarded(pending: CheckpointStore) -> None:
    assert "never happened" in (pending.recover(4, lambda n: BASE, 1000) or "")
    assert not (pending.directory / PENDING).exists()


def test_a_grown_log_without_the_batch_is_data_loss(pending: CheckpointStore) -> None:
    with pytest.raises(DataLoss, match=r"from 1000 to 1500 bytes, so the commit was written"):
        pending.recover(4, lambda n: BASE, 1500)
    assert (pending.directory / PENDING).exists(), "the evidence is kept"


def test_a_database_behind_the_commit_base_is_data_loss(pending: CheckpointStore) -> None:
    with pytest.raises(DataLoss, match=r"not at the size it had before that commit \(4\)"):
        pending.recover(2, lambda n: BASE, 0)
    assert (pending.directory / PENDING).exists()


def test_a_failed_commit_seen_in_process_is_discarded(pending: CheckpointStore) -> None:
    assert "never happened" in (pending.recover(4, lambda n: BASE, None) or "")
