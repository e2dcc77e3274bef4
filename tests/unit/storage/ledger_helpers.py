"""Helpers for ledger tests: batch builders and hypothesis strategies of valid rows."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import strategies as st

from xinyong.domain import merkle
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.storage.base import BATCH_COLUMN_NAMES
from xinyong.storage.duckdb import DuckDBLedger

ORIGIN = "test.example/ledger"
RECEIVED = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)

BATCH_SCHEMA = pa.schema(
    [
        ("entry_kind", pa.string()),
        ("refers_to", pa.int64()),
        ("provider", pa.string()),
        ("record_type", pa.string()),
        ("subject_scheme", pa.string()),
        ("subject_key", pa.string()),
        ("subject_kind", pa.string()),
        ("subject_birth_date", pa.date32()),
        ("decision_date", pa.date32()),
        ("document_ref", pa.string()),
        ("attributes", pa.string()),
    ]
)
assert tuple(BATCH_SCHEMA.names) == BATCH_COLUMN_NAMES

Row = dict[str, Any]
OpenLedger = Callable[..., DuckDBLedger]
RunSql = Callable[..., None]

POSTGRES_URL = os.environ.get(
    "XINYONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# A test marked so runs once per ledger store (the `store_kind` fixture of conftest.py).
STORES = ("duckdb", pytest.param("postgres", marks=pytest.mark.postgres))
on_both_stores = pytest.mark.parametrize("store_kind", STORES, indirect=True)


def row(seq_hint: int = 0, **overrides: Any) -> Row:
    """A valid record row; `seq_hint` makes document_ref and subject_key distinct."""
    base: Row = {
        "entry_kind": "record",
        "refers_to": None,
        "provider": "court.beijing",
        "record_type": "dishonest_debtor",
        "subject_scheme": "uscc",
        "subject_key": f"subject-{seq_hint % 5}",
        "subject_kind": "enterprise",
        "subject_birth_date": None,
        "decision_date": date(2023, 1, 1 + seq_hint % 28),
        "document_ref": f"(2023)京01执{seq_hint}号",
        "attributes": f'{{"amount":{seq_hint}}}',
    }
    base.update(overrides)
    return base


def batch(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([dict(r) for r in rows], schema=BATCH_SCHEMA)


def rows_batch(first: int, n: int) -> pa.Table:
    return batch([row(first + i) for i in range(n)])


# -- hypothesis strategies ---------------------------------------------------------------------

texts = st.text(max_size=12)  # any unicode but surrogates, NUL included
dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
received = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@st.composite
def batches_of_rows(draw: st.DrawFn, max_batches: int = 4, max_rows: int = 12) -> list[list[Row]]:
    """Batches of valid rows; acts refer to an entry appended before them."""
    out: list[list[Row]] = []
    seq = 0
    for _ in range(draw(st.integers(1, max_batches))):
        rows: list[Row] = []
        for _ in range(draw(st.integers(1, max_rows))):
            kind = EntryKind.record if seq == 0 else draw(st.sampled_from(list(EntryKind)))
            decided = draw(dates)
            # a birth date is stored only while the subject is a minor on the decision date
            younger = st.integers(0, 6500).map(
                lambda k, d=decided: d - timedelta(days=min(k, (d - date.min).days))
            )
            step = kind is EntryKind.step
            refers = st.integers(0, seq - 1) if seq else st.none()
            row_ = {
                "entry_kind": kind.value,
                "refers_to": None
                if kind is EntryKind.record
                # a step may act on an earlier entry, or on none
                else draw(st.none() | refers if step else refers),
                "provider": draw(texts),
                "record_type": draw(texts),
                "subject_scheme": draw(texts),
                "subject_key": draw(st.sampled_from(["a", "b", "中"]) | texts),
                "subject_kind": draw(st.sampled_from([k.value for k in SubjectKind])),
                # never on a step; on a record only while the subject is a minor
                "subject_birth_date": None if step else draw(st.none() | younger),
                "decision_date": decided,
                "document_ref": draw(texts),
                "attributes": draw(texts),
            }
            if step and draw(st.booleans()):  # a subject-less step (a pack approval)
                row_.update(subject_scheme=None, subject_key=None, subject_kind=None)
            rows.append(row_)
            seq += 1
        out.append(rows)
    return out


def complete_nodes(leaves: list[bytes]) -> dict[merkle.NodeId, bytes]:
    """Every complete node of the tree over `leaves`, by the pure-Python hashing."""
    nodes = {(0, i): leaf for i, leaf in enumerate(leaves)}
    level, width = 0, len(leaves)
    while width > 1:
        for i in range(width // 2):
            left, right = nodes[level, 2 * i], nodes[level, 2 * i + 1]
            nodes[level + 1, i] = merkle.hash_children(left, right)
        level, width = level + 1, width // 2
    return nodes
