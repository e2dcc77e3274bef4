"""SIGKILL an ingest at random points, many times; the re-run must end where an uninterrupted run does."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

KILLS = int(os.environ.get("XINYONG_TEST_KILLS", "12"))


def _ledger(ws: Workspace) -> list[tuple[object, ...]]:
    with ws.ledger(read_only=True) as store:
        return [
            (e.seq, e.entry_kind, e.refers_to, e.provider, e.record_type, e.subject_key,
             e.decision_date, e.document_ref, e.attributes)
            for e in store.entries()
        ]


def _small_batches(ws: Workspace, rows: int) -> Workspace:
    settings = ws.settings.workspace / "xinyong.toml"
    settings.write_text(settings.read_text() + f"ingest_batch_rows = {rows}\n")
    return Workspace.open(ws.settings.workspace)


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_equals_uninterrupted_run(tmp_path: Path) -> None:
    victim = _small_batches(Workspace.init(tmp_path / "victim"), 700)
    reference = _small_batches(Workspace.init(tmp_path / "reference"), 700)
    for key in ("pseudonym_key_file", "signing_key_file"):
        source = victim.settings.path(getattr(victim.settings, key))
        reference.settings.path(getattr(reference.settings, key)).write_bytes(source.read_bytes())
    sample = write_csv(
        tmp_path / "records.csv",
        victim.pack.catalogue,
        rows=20_000,
        subjects=2_000,
        seed=99,
        today=date(2026, 11, 1),
        malformed=0.01,
    )
    expected = reference.ingest(sample.path, rejects=tmp_path / "reference.rejects.csv")
    assert expected.batches > 20

    seed = int(os.environ.get("XINYONG_TEST_SEED", str(time.time_ns() % 10_000)))
    rng = random.Random(seed)
    command = [sys.executable, "-m", "xinyong", "records", "ingest", str(sample.path),
               "-w", str(victim.settings.workspace)]
    sizes = []
    full = _ledger(reference)
    for _ in range(KILLS):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.5, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        report = victim.verify()
        assert report.ok, (seed, report.problems)
        sizes.append(report.size)
        # whatever was committed is exactly a prefix of the uninterrupted run
        assert _ledger(victim) == full[: report.size], (seed, report.size)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, (seed, done.stderr)
    assert victim.verify().ok
    assert _ledger(victim) == _ledger(reference), seed
    assert (sample.path.with_name("records.csv.rejects.csv").read_bytes()
            == (tmp_path / "reference.rejects.csv").read_bytes())
    # the kills did interrupt work part-way at least once (else the test proved nothing)
    assert any(0 < s < expected.ledger_size for s in sizes) or KILLS < 3, (seed, sizes)
