"""What an evaluation produces, the same on every engine: five flat relations and their hash.

Rows are plain tuples in the column order below so that engines hand back what their drivers
fetch (DuckDB, psycopg and Spark all give tuples) without a mapping step. `docs/concepts/
evaluation.md` defines what each column means.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xinyong.domain.record import Entry

Row = tuple[Any, ...]

# Input: the ledger columns evaluation reads, in this order.
ENTRY_COLUMNS: tuple[str, ...] = (
    "seq",
    "entry_kind",
    "refers_to",
    "record_type",
    "subject_key",
    "subject_kind",
    "subject_birth_date",
    "decision_date",
    "attributes",
)


def entry_row(e: Entry) -> tuple[object, ...]:
    """An entry as the evaluators read it (`ENTRY_COLUMNS`)."""
    return (
        e.seq,
        e.entry_kind.value,
        e.refers_to,
        e.record_type,
        e.subject_key,
        None if e.subject_kind is None else e.subject_kind.value,
        e.subject_birth_date,
        e.decision_date,
        e.attributes,
    )


RELATIONS: Mapping[str, tuple[str, ...]] = {
    "listings": (
        "subject_key",
        "list_name",
        "rule_name",
        "anchor_seq",
        "via_list",
        "since",
        "until",
        "status",
    ),
    "memberships": ("subject_key", "list_name", "since", "until", "listings"),
    "score_items": ("subject_key", "scheme_name", "item_name", "records", "points"),
    "scores": ("subject_key", "scheme_name", "points", "grade"),
    "decisions": ("subject_key", "action", "measure_name", "outcome", "via_subject", "via_role"),
}

LISTED = "listed"
NOTICE_MISSING = "notice_missing"
# Held while an objection to the record it rests on is decided, where the pack suspends measures
# meanwhile (`due_process.objection.suspends`). Only the service's due-process holds give it
# (`domain.dueprocess.Holds`, through the reference evaluator): the engines see no workflow step.
DISPUTED = "disputed"

# Why a would-be listing is not in force on D. These rows are not part of an evaluation (not in
# `RELATIONS`, not hashed): the reference evaluator gives them for one subject when a decision is
# explained (`reference.evaluate_subject(..., explain=True)`), in `EXPLAINED_COLUMNS` order.
EXCLUDED = "excluded"  # a list exclusion applies; reason: the exclusion's name
BARRED = "barred"  # an `unless` condition of the entry rule holds; reason: its record type
ENDED = "ended"  # it ended on `until` <= D; reason: the exit rule (None: term or upstream)
EXPLAINED_COLUMNS: tuple[str, ...] = (*RELATIONS["listings"], "reason", "reason_seq")
RESTRICT, REWARD, ALLOW = "restrict", "reward", "allow"


def cell(value: object) -> str:
    """A value as the canonical text the result hash is taken over."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


@dataclass
class Results:
    """The five relations of one evaluation, each a list of rows in `RELATIONS` column order."""

    as_of: date
    pack_version: str
    relations: dict[str, list[Row]] = field(
        default_factory=lambda: {name: [] for name in RELATIONS}
    )
    # rows in `EXPLAINED_COLUMNS` order: listings excluded, barred or ended on D (only when asked
    # for, one subject at a time; outside the hash, which covers `RELATIONS` alone)
    explained: list[Row] = field(default_factory=list)
    # why a listing held for want of notice is held although its notice was served, by (list,
    # anchor seq): from the due-process holds it was evaluated with (outside the hash too)
    notes: dict[tuple[str, int], str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> list[Row]:
        return self.relations[name]

    def sorted(self) -> dict[str, list[Row]]:
        return {name: sorted(rows, key=_key) for name, rows in self.relations.items()}

    def digest(self, name: str) -> str:
        """sha256 of one relation: its rows as canonical text, sorted."""
        h = hashlib.sha256()
        for line in sorted("\t".join(cell(v) for v in row) for row in self.relations[name]):
            h.update(line.encode("utf-8"))
            h.update(b"\n")
        return h.hexdigest()

    def digests(self) -> dict[str, str]:
        return {name: self.digest(name) for name in RELATIONS}

    def hash(self) -> str:
        """One hash over every relation, the pack version and the date: equal hashes mean equal
        evaluations, whichever engine produced them."""
        h = hashlib.sha256()
        h.update(f"{self.pack_version}\n{self.as_of.isoformat()}\n".encode())
        for name, digest in self.digests().items():
            h.update(f"{name}:{digest}\n".encode())
        return "sha256:" + h.hexdigest()

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.relations.items()}


def _key(row: Sequence[object]) -> tuple[str, ...]:
    return tuple(cell(v) for v in row)


def rows_of(records: Iterable[Mapping[str, object]], relation: str) -> list[Row]:
    """Rows from mappings keyed by column name (for tests and small hand-built results)."""
    cols = RELATIONS[relation]
    return [tuple(r.get(c) for c in cols) for r in records]
