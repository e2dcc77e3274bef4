"""Shared fixtures: a fresh workspace on the shipped pack, built from its own Settings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xinyong.service import Workspace

# The clock of every workspace the tests make: no test depends on the day it runs.
TODAY = date(2026, 11, 22)


def ledger_rows(ws: Workspace) -> list[tuple[object, ...]]:
    """Everything the ledger stores but the time of receipt, in sequence order."""
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
        ]


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", today=TODAY)
