"""The tamper suite: an attacker who can write the workspace (database, checkpoint folder,
settings file, even the keys folder) but holds neither the published key nor the witness.

Each attack runs on small data through the real `xinyong` command, and each must be detected,
with the exit code (3: tampering detected, 4: data loss) and the message that names it:

- key swap: rows edited, a new key put in place, the ledger rebuilt and every checkpoint
  re-signed with it;
- decision index edits: a restriction flipped to allow, with and without the meta row forged;
- truncation with the newest checkpoints deleted (and the stored tree cut to match), caught by
  a witness folder;
- a damaged write-ahead log around a pending checkpoint: the commit happened, the writer died
  before promoting its checkpoint, and the log lost the batch;
- the stored tree rewritten under the newest checkpoint: ingest and check refuse to sign on it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from tests.conftest import BOOTSTRAP

from xinyong.sample.generate import write_csv
from xinyong.service import Workspace
from xinyong.storage.base import BATCH_COLUMN_NAMES
from xinyong.storage.checkpoints import PENDING
from xinyong.storage.duckdb import DuckDBLedger

TODAY = date(2026, 11, 22)
ROWS = 600
BATCH = 200  # three batches, three checkpoints
LAST = BOOTSTRAP + ROWS - 1  # the last entry's seq: init's activation of its pack is seq 0


@dataclass
class Run:
    code: int
    out: str

    def __contains__(self, text: str) -> bool:
        return text in self.out


def xinyong(*args: str | Path, env: dict[str, str] | None = None) -> Run:
    """The real command in a process of its own: its exit code and what it printed."""
    proc = subprocess.run(
        [sys.executable, "-m", "xinyong", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "COLUMNS": "200"},
        check=False,
    )
    return Run(proc.returncode, proc.stdout + proc.stderr)


def _workspace(tmp: Path, *extra_settings: str) -> tuple[Workspace, str, Path]:
    """A workspace of ROWS sample rows in BATCH-row batches, evaluated; its published verifier
    key (as the operator published it) and the sample file."""
    ws = Workspace.init(tmp / "ws", today=TODAY)
    toml = ws.settings.workspace / "xinyong.toml"
    toml.write_text(toml.read_text() + f"ingest_batch_rows = {BATCH}\n" + "".join(extra_settings))
    published = ws.settings.verify_key
    assert published is not None
    ws = Workspace.open(tmp / "ws", verify_key=published)
    sample = write_csv(
        tmp / "records.csv",
        ws.pack.catalogue,
        rows=ROWS,
        subjects=60,
        seed=8,
        today=TODAY,
        malformed=0.0,
        # the pack's own cases replayed, so that some subject is restricted (random records
        # rarely meet the national pack's same-case notice rules)
        cases=list(ws.pack.cases.values()),
        story_share=0.4,
    )
    ws.ingest(sample.path)
    ws.evaluate(as_of=TODAY)
    return ws, published, sample.path


def _verify(ws: Workspace, key: str, *more: str | Path) -> Run:
    return xinyong("verify", "-w", ws.settings.workspace, "--key", key, *more)


# -- 1. key swap with re-signing ------------------------------------------------------------------


def test_key_swap_with_every_checkpoint_re_signed(tmp_path: Path) -> None:
    ws, published, sample = _workspace(tmp_path)
    s = ws.settings
    assert _verify(ws, published).code == 0

    # The attacker rebuilds the ledger with one row edited, under a key of their own, in the
    # same batches: every leaf, node, batch row and checkpoint is consistent and signed.
    with ws.ledger(read_only=True) as store:
        entries = store.entries()
    rows = [
        {c: getattr(e, c) for c in BATCH_COLUMN_NAMES}
        | {
            "entry_kind": e.entry_kind.value,
            "subject_kind": None if e.subject_kind is None else e.subject_kind.value,
        }
        for e in entries
    ]
    rows[5]["decision_date"] = date(2020, 2, 2)
    forged = Ed25519PrivateKey.generate()
    db, cps = tmp_path / "forged.duckdb", tmp_path / "forged-cps"
    with DuckDBLedger(db, cps, forged, s.ledger_origin) as ledger:
        for first in range(0, len(rows), BATCH):
            ledger.append(pa.Table.from_pylist(rows[first : first + BATCH]), datetime.now(UTC))
    shutil.copyfile(db, s.path(s.database))
    shutil.rmtree(s.path(s.checkpoint_dir))
    shutil.copytree(cps, s.path(s.checkpoint_dir))
    ws.hot_file().unlink()  # signed by the genuine key: verify would refuse it under theirs
    # ... and replaces the key files, the public one included.
    key_file = s.key_path(s.signing_key_file)
    key_file.write_bytes(forged.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    (s.keys_path() / "ledger.pub").write_text(xinyong_verifier(s.ledger_origin, forged) + "\n")

    # The key in the keys folder now agrees with everything: it is no pin.
    assert _verify(ws, str(s.keys_path() / "ledger.pub")).code == 0
    # Without a pin, verify refuses to run at all.
    run = xinyong("verify", "-w", s.workspace)
    assert run.code == 1 and "verify needs the log's public key, pinned" in run
    # With the published key, every checkpoint is refused.
    run = _verify(ws, published)
    assert run.code == 3, run.out
    assert "Ledger verification FAILED" in run
    assert "signed by another key of that name" in run and "the signing key was replaced" in run
    # The failure is recorded: evaluate and check refuse the ledger until a verify passes.
    run = xinyong("evaluate", "-w", s.workspace)
    assert run.code == 3 and "the last verification of this ledger" in run
    # A writer with the pinned key in its environment refuses to sign with the swapped key.
    (s.workspace / "logs" / "verification.json").unlink()  # the attacker removes the record
    run = xinyong(
        "records", "ingest", sample, "-w", s.workspace, env={"XINYONG_VERIFY_KEY": published}
    )
    assert run.code == 3, run.out
    assert "is not the pinned key" in run and "refusing to sign" in run


def xinyong_verifier(origin: str, key: Ed25519PrivateKey) -> str:
    from xinyong.domain.checkpoint import verifier_key

    return verifier_key(origin, key.public_key())


# -- 2. decision index edits ----------------------------------------------------------------------


def _restricted(ws: Workspace) -> tuple[str, str]:
    """A (subject_key, action) the index restricts."""
    with ws.ledger(read_only=True) as store:
        con = store.connection  # type: ignore[attr-defined]
        rows = con.execute(
            "SELECT subject_key, action FROM index_decisions WHERE outcome = 'restrict' LIMIT 1"
        ).fetchall()
    assert rows, "the sample should restrict someone"
    return rows[0][0], rows[0][1]


def test_index_rows_edited(tmp_path: Path) -> None:
    ws, published, _ = _workspace(tmp_path)
    s = ws.settings
    subject, action = _restricted(ws)
    con = duckdb.connect(str(s.path(s.database)))
    con.execute(
        "UPDATE index_decisions SET outcome = 'allow' WHERE subject_key = ? AND action = ?",
        [subject, action],
    )
    con.close()
    run = _verify(ws, published)
    assert run.code == 3, run.out
    assert "decision index rows were edited" in run
    assert "then `xinyong evaluate` to rebuild the decision index" in run
    first_id = next(iter(_keys_of(ws, subject)))
    run = xinyong("check", first_id, action, "-w", s.workspace)
    assert run.code == 3 and "the last verification of this ledger" in run, run.out
    # Only the index failed, so evaluate may rebuild it, which clears the failure.
    assert xinyong("evaluate", "-w", s.workspace, "--as-of", "2026-11-22").code == 0
    run = xinyong("check", first_id, action, "-w", s.workspace)
    assert run.code == 0 and "restrict" in run.out.lower(), run.out
    assert _verify(ws, published).code == 0


def test_index_meta_forged_to_match_edited_rows(tmp_path: Path) -> None:
    ws, published, _ = _workspace(tmp_path)
    s = ws.settings
    subject, action = _restricted(ws)
    con = duckdb.connect(str(s.path(s.database)))
    con.execute(
        "UPDATE index_decisions SET outcome = 'allow' WHERE subject_key = ? AND action = ?",
        [subject, action],
    )
    # The attacker recomputes the digest and writes it into the meta row: the seal, signed by
    # a key they do not hold, no longer matches.
    from xinyong.storage import index

    con.execute("UPDATE index_meta SET digest = ?", [index.digest(con)])
    con.close()
    run = xinyong("check", next(iter(_keys_of(ws, subject))), action, "-w", s.workspace)
    assert run.code == 3, run.out
    assert "decision index meta row differs from its seal" in run
    run = _verify(ws, published)
    assert run.code == 3 and "decision index: decision index meta row differs" in run


def _keys_of(ws: Workspace, subject_key: str) -> list[str]:
    """The identifiers in the sample whose subject key is `subject_key` (checks take those)."""
    import csv

    with (ws.settings.workspace.parent / "records.csv").open(newline="", encoding="utf-8") as fh:
        ids = {(r["subject_scheme"], r["subject_id"]) for r in csv.DictReader(fh)}
    return [i for sc, i in ids if ws.subject_key(i, sc) == subject_key]


def test_index_from_a_rewritten_ledger_is_refused(tmp_path: Path) -> None:
    # The index is sealed to the ledger's root: swapping in an index (with its genuine seal)
    # computed before the ledger was rebuilt differently does not pass.
    ws, _, _ = _workspace(tmp_path)
    s = ws.settings
    con = duckdb.connect(str(s.path(s.database)))
    con.execute("UPDATE index_meta SET ledger_size = ledger_size + 1")
    con.close()
    with pytest.raises(Exception, match="meta row differs from its seal"):
        ws.check(_first_id(ws), "air_travel.book", audience="auditor")
    # A relying party is answered from the hot decision file, signed on its own and bound to the
    # checkpoint, not to the edited row: the genuine answer. Without it, the index is refused.
    assert ws.check(_first_id(ws), "air_travel.book").audience == "relying_party"
    ws.hot_file().unlink()
    with pytest.raises(Exception, match="meta row differs from its seal"):
        ws.check(_first_id(ws), "air_travel.book")


def test_hot_file_edited_or_re_signed_with_a_stolen_key(tmp_path: Path) -> None:
    from xinyong import hotpath
    from xinyong.storage import index

    ws, published, _ = _workspace(tmp_path)
    run = _verify(ws, published)
    assert run.code == 0 and "subjects' answers verified against the decision index" in run
    hot = ws.hot_file()
    genuine = hot.read_bytes()
    # one byte of the body flipped: the signed digest no longer holds
    edited = bytearray(genuine)
    edited[-1] ^= 1
    hot.write_bytes(bytes(edited))
    run = _verify(ws, published)
    assert run.code == 3 and "contents differ from the signed digest" in run, run.out
    # whoever stole the signing key writes a file bound to the genuine index, one restriction
    # dropped, and signs it: the signature holds, the answers do not
    subject, action = _restricted(ws)
    with ws.ledger() as store:
        con = store.connection  # type: ignore[attr-defined]
        meta = index.meta(con)
        assert meta is not None
        hotpath.build(
            ws.pack,
            [r for r in index.rows(con, "decisions") if (r[0], r[1]) != (subject, action)],
            index.rows(con, "listings"),
            binding=hotpath.binding_of(store.origin, meta),
            signer=store,
            path=hot,
        )
    run = _verify(ws, published)
    assert run.code == 3 and "of its answers differ from the decision index's" in run, run.out
    assert f"action {action!r}" in run
    # derived state: evaluate builds it again, and verify passes
    assert xinyong("evaluate", "-w", ws.settings.workspace, "--as-of", "2026-11-22").code == 0
    assert _verify(ws, published).code == 0


def _first_id(ws: Workspace) -> str:
    import csv

    with (ws.settings.workspace.parent / "records.csv").open(newline="", encoding="utf-8") as fh:
        return next(csv.DictReader(fh))["subject_id"]


# -- 3. truncation with deleted checkpoints, and a witness ----------------------------------------


def test_truncation_with_deleted_checkpoints_is_caught_by_a_witness(tmp_path: Path) -> None:
    witness = tmp_path / "witness"
    ws, published, _ = _workspace(tmp_path, f'witness_dirs = ["{witness}"]\n')
    s = ws.settings
    # the empty tree, init's activation of its pack, and 3 batches
    assert len(list(witness.glob("*.note"))) == 2 + ROWS // BATCH
    keep = BOOTSTRAP + BATCH  # cut the ledger back to its first batch, consistently
    con = duckdb.connect(str(s.path(s.database)))
    con.execute("DELETE FROM entries WHERE seq >= ?", [keep])
    con.execute("DELETE FROM nodes WHERE (idx + 1) << level > ?", [keep])
    con.execute("DELETE FROM batches WHERE size > ?", [keep])
    con.execute("DELETE FROM index_meta")
    con.close()
    for note in s.path(s.checkpoint_dir).glob("*.note"):
        if int(note.stem) > keep:
            note.unlink()
    # The attacker also drops the witness from the settings file.
    toml = s.workspace / "xinyong.toml"
    toml.write_text(toml.read_text().replace(f'witness_dirs = ["{witness}"]\n', ""))

    run = _verify(ws, published)
    assert run.code == 0, "locally the truncated ledger is consistent: only a witness can tell"
    run = _verify(ws, published, "--against", witness)
    assert run.code == 3, run.out
    assert f"entries {keep}..{BOOTSTRAP + ROWS - 1} are missing (truncated)" in run
    assert "its checkpoints were deleted here" in run


# -- 4. a damaged write-ahead log around a pending checkpoint -------------------------------------

DIE_BEFORE_PROMOTE = """
import os, signal, sys
from pathlib import Path
from xinyong.service import Workspace
from xinyong.storage.checkpoints import CheckpointStore

original = CheckpointStore.promote_pending
calls = []
def promote(self):
    calls.append(1)
    if len(calls) == 2:  # the second batch committed; die before its checkpoint is final
        os.kill(os.getpid(), signal.SIGKILL)
    return original(self)
CheckpointStore.promote_pending = promote
Workspace.open(Path(sys.argv[1])).ingest(Path(sys.argv[2]))
"""


def test_damaged_wal_around_a_pending_checkpoint_is_data_loss(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", today=TODAY)
    s = ws.settings
    toml = s.workspace / "xinyong.toml"
    toml.write_text(toml.read_text() + f"ingest_batch_rows = {BATCH}\n")
    sample = write_csv(
        tmp_path / "records.csv", ws.pack.catalogue, rows=ROWS, subjects=60, seed=8, today=TODAY
    )
    proc = subprocess.run(
        [sys.executable, "-c", DIE_BEFORE_PROMOTE, str(s.workspace), str(sample.path)],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL
    cps = s.path(s.checkpoint_dir)
    assert (cps / PENDING).exists(), "the second batch's checkpoint should still be pending"
    wal = Path(f"{s.path(s.database)}.wal")
    assert wal.exists(), "the committed batches should still be in the write-ahead log"
    # The log loses its tail: the second batch's commit.
    data = wal.read_bytes()
    wal.write_bytes(data[: len(data) - 64])

    run = xinyong("records", "ingest", sample.path, "-w", s.workspace)
    assert run.code == 4, run.out
    assert "data loss: pending.note records the commit of entries" in run
    assert "were committed and then lost" in run and "Nothing was removed" in run
    assert "Restore the ledger file and its .wal from a backup" in run
    assert (cps / PENDING).exists(), "the evidence is kept"


# -- 5. the quick check before signing -----------------------------------------------------------


def test_ingest_and_check_refuse_a_ledger_whose_tip_does_not_match(tmp_path: Path) -> None:
    # No verify has run, so no failure is on record: the cheap check every writer makes (the
    # newest checkpoint signs exactly the stored size and root) is what stops it.
    ws, _, sample = _workspace(tmp_path)
    s = ws.settings
    con = duckdb.connect(str(s.path(s.database)))
    con.execute(
        "UPDATE nodes SET hash = sha256('forged')::BLOB WHERE level = 0 AND idx = ?", [LAST]
    )
    con.execute(  # every stored node above the last leaf, so the stored root changes
        "UPDATE nodes SET hash = sha256('forged')::BLOB WHERE level > 0 AND idx = (? >> level)",
        [LAST],
    )
    con.close()
    notes = sorted(p.name for p in s.path(s.checkpoint_dir).iterdir())
    run = xinyong("records", "ingest", sample, "-w", s.workspace)
    assert run.code == 3, run.out
    assert f"does not match the newest checkpoint (size {LAST + 1}); refusing to append" in run
    run = xinyong("check", _first_id(ws), "air_travel.book", "-w", s.workspace)
    assert run.code == 3 and "refusing to append" in run
    assert sorted(p.name for p in s.path(s.checkpoint_dir).iterdir()) == notes, "nothing signed"
