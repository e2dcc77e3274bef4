"""Shared fixtures: a fresh workspace on the shipped pack, built from its own Settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xinyong.domain.record import EntryKind
from xinyong.service import Workspace

# The clock of every workspace the tests make: no test depends on the day it runs.
TODAY = date(2026, 11, 22)
# Entries `Workspace.init` writes before any record: the activation of its pack (seq 0).
BOOTSTRAP = 1


def ledger_rows(ws: Workspace) -> list[tuple[object, ...]]:
    """Every record and act the ledger stores (workflow steps, such as `init`'s activation of
    its pack, left out), all but the time of receipt, in sequence order."""
    with ws.ledger(read_only=True) as store:
        return [
            (
                e.seq,
                e.entry_kind,
                e.refers_to,
                e.provider,
                e.record_type,
                e.subject_scheme,
                e.subject_key,
                e.subject_kind,
                e.subject_birth_date,
                e.decision_date,
                e.document_ref,
                e.attributes,
            )
            for e in store.entries()
            if e.entry_kind is not EntryKind.step
        ]


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", today=TODAY)
