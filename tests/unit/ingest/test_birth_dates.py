"""Ingest keeps a birth date only on entries decided while the subject is a minor (format 2)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import TODAY

from xinyong.domain.subject import comes_of_age, kept_birth_date
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace


def test_only_minors_entries_keep_a_birth_date(workspace: Workspace, tmp_path: Path) -> None:
    sample = write_csv(
        tmp_path / "r.csv", workspace.pack.catalogue, rows=3000, subjects=400, seed=4, today=TODAY
    )
    workspace.ingest(sample.path)
    born = {
        workspace.subject_key(s.identifier, s.scheme): s.birth_date
        for s in sample.subjects
        if s.scheme == "resident_id"
    }
    with workspace.ledger(read_only=True) as store:
        entries = [e for e in store.entries() if e.subject_key in born]
    kept = [e for e in entries if e.subject_birth_date is not None]
    assert entries and kept and len(kept) < len(entries)
    for e in entries:
        full = born[e.subject_key]
        assert e.subject_birth_date == kept_birth_date(full, e.decision_date)
        if e.subject_birth_date is not None:
            assert e.decision_date < comes_of_age(e.subject_birth_date)
