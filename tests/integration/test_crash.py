"""SIGKILL an ingest at random points, many times; the re-run ends where an unbroken run does."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import BOOTSTRAP, ledger_rows

from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

KILLS = int(os.environ.get("XINYONG_TEST_KILLS", "12"))


_ledger = ledger_rows


def _ingest(path: Path, ws: Workspace) -> list[str]:
    """The CLI ingest of `path` into `ws`, as a separate process that can be killed."""
    return [
        sys.executable,
        "-m",
        "xinyong",
        "records",
        "ingest",
        str(path),
        "-w",
        str(ws.settings.workspace),
    ]


def _signed(ws: Workspace) -> int:
    """Checkpoint files written so far (one per committed batch)."""
    return len(list(ws.settings.path(ws.settings.checkpoint_dir).glob("*.note")))


def _small_batches(ws: Workspace, rows: int) -> Workspace:
    settings = ws.settings.workspace / "xinyong.toml"
    settings.write_text(settings.read_text() + f"ingest_batch_rows = {rows}\n")
    # the key this process pinned at init, for `verify`
    return Workspace.open(ws.settings.workspace, verify_key=ws.settings.verify_key)


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_equals_uninterrupted_run(tmp_path: Path) -> None:
    victim = _small_batches(Workspace.init(tmp_path / "victim", today=date(2026, 11, 1)), 200)
    # The reference is a copy of the fresh workspace: same keys, same empty signed ledger.
    shutil.copytree(tmp_path / "victim", tmp_path / "reference")
    shutil.copytree(tmp_path / "victim", tmp_path / "pristine")  # to start again from
    reference = Workspace.open(tmp_path / "reference", verify_key=victim.settings.verify_key)
    sample = write_csv(
        tmp_path / "records.csv",
        victim.pack.catalogue,
        rows=20_000,
        subjects=2_000,
        seed=99,
        today=date(2026, 11, 1),
        malformed=0.01,
    )
    # The uninterrupted run, as a subprocess like the victim's, also times a whole run so the
    # kills can be spread over it (a fixed window misses on a slow or loaded machine).
    started = time.perf_counter()
    reference_run = subprocess.run(
        [*_ingest(sample.path, reference), "--rejects", str(tmp_path / "reference.rejects.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    whole = time.perf_counter() - started
    assert reference_run.returncode == 5, reference_run.stderr  # 5: the malformed rows rejected
    with reference.ledger(read_only=True) as store:
        expected_size = store.size()
    assert expected_size > 50 * 200

    seed = int(os.environ.get("XINYONG_TEST_SEED", str(time.time_ns() % 10_000)))
    rng = random.Random(seed)
    command = _ingest(sample.path, victim)
    sizes = []
    full = _ledger(reference)
    for _ in range(KILLS):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if rng.random() < 0.3:
            time.sleep(rng.uniform(0.1 * whole, 1.1 * whole))  # anywhere, validation included
        else:
            # mid-append: wait for a few more signed batches, then kill within the next one
            target = _signed(victim) + rng.randint(1, 8)
            while _signed(victim) < target and proc.poll() is None:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.03))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        report = victim.verify()
        assert report.ok, (seed, report.problems)
        sizes.append(report.size)
        # whatever was committed is exactly a prefix of the uninterrupted run
        # (the ledger's first entry is init's activation of its pack, not a record)
        assert _ledger(victim) == full[: report.size - BOOTSTRAP], (seed, report.size)
        if report.size == expected_size and len(sizes) < KILLS:
            # The run finished before the kill (a slow start, a loaded machine): every later
            # run would be a no-op with nothing left to interrupt, so start again from empty.
            shutil.rmtree(tmp_path / "victim")
            shutil.copytree(tmp_path / "pristine", tmp_path / "victim")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 5, (seed, done.stderr)
    assert victim.verify().ok
    assert _ledger(victim) == _ledger(reference), seed
    assert (
        sample.path.with_name("records.csv.rejects.csv").read_bytes()
        == (tmp_path / "reference.rejects.csv").read_bytes()
    )
    # the kills did interrupt work part-way at least once (else the test proved nothing)
    assert any(BOOTSTRAP < s < expected_size for s in sizes) or KILLS < 3, (seed, sizes)
