"""What every ledger store offers, whichever database holds it (DuckDB, or PostgreSQL).

A ledger store appends batches of entries, keeps the Merkle tree of RFC 6962 over them, signs a
checkpoint per batch into a folder outside the database, serves roots and proofs from stored
complete nodes, and verifies itself against every checkpoint. Engines differ only in how; their
differences that callers may rely on are class constants, not `if engine == ...` branches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from xinyong.errors import TamperDetected

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path
    from types import TracebackType

    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from xinyong.domain.checkpoint import Checkpoint
    from xinyong.domain.record import Entry

# The columns of a batch handed to `append`, in order, with their SQL types. `seq` and
# `received_at` are assigned by the ledger. `attributes` is the canonical JSON text
# (`record.canonical_attributes`).
BATCH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("entry_kind", "VARCHAR"),
    ("refers_to", "BIGINT"),
    ("provider", "VARCHAR"),
    ("record_type", "VARCHAR"),
    ("subject_scheme", "VARCHAR"),
    ("subject_key", "VARCHAR"),
    ("subject_kind", "VARCHAR"),
    ("subject_birth_date", "DATE"),
    ("decision_date", "DATE"),
    ("document_ref", "VARCHAR"),
    ("attributes", "VARCHAR"),
)
BATCH_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in BATCH_COLUMNS)


def batch_table(rows: list[dict[str, object]]) -> pa.Table:
    """A batch for `append` from rows of `BATCH_COLUMNS` (a few rows built in Python, such as
    workflow steps; ingest builds its batches in SQL)."""
    import pyarrow as pa

    types = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DATE": pa.date32()}
    schema = pa.schema([(name, types[t]) for name, t in BATCH_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


# What identifies an entry for idempotent ingest (`lookup_keys`), and a record for the acts that
# refer to it (`lookup_refs`).
KEY_COLUMNS: tuple[str, ...] = (
    "provider",
    "document_ref",
    "record_type",
    "subject_key",
    "entry_kind",
)
REF_COLUMNS: tuple[str, ...] = ("provider", "subject_key", "document_ref")


@dataclass
class VerifyReport:
    """What `verify` found. `problems` name each entry, range or checkpoint that fails."""

    size: int
    checkpoints: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    key: str = ""  # the pinned key checked with: fingerprint and where it came from
    index_problems: int = 0  # how many of `problems` (the last ones) concern the decision index

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def ledger_ok(self) -> bool:
        """The ledger and its checkpoints verified; any problem is the decision index's, which
        `evaluate` rebuilds from the ledger."""
        return len(self.problems) == self.index_problems

    def raise_for_problems(self) -> None:
        """Raise `TamperDetected` listing every problem, if there is one."""
        if self.problems:
            n = len(self.problems)
            raise TamperDetected(
                f"ledger verification failed: {n} problem{'s' if n != 1 else ''}",
                details=self.problems,
            )

    def summary(self) -> str:
        state = "ok" if self.ok else f"FAILED ({len(self.problems)} problems)"
        return (
            f"{state}: {self.size} entries, {self.checkpoints} checkpoints, "
            f"verified in {self.seconds:.2f}s"
        )


class LedgerStore(Protocol):
    """An append-only, tamper-evident ledger of entries in one database."""

    #: Name of the engine, for logs and messages.
    engine: ClassVar[str]
    #: The log's name: the origin line of its checkpoints and the name of its key.
    origin: str
    #: Several processes may append at once (the store serialises them itself).
    concurrent_writers: ClassVar[bool]
    #: Readers in other processes may open the ledger while a writer has it open.
    readers_beside_writer: ClassVar[bool]
    #: Whether the store can be opened read-only (for `verify` and reports).
    read_only_mode: ClassVar[bool]
    #: Appends are cheapest when every batch but the last ends at a multiple of this many
    #: entries (the database's unit of storage; 1 when it has none). Ingest sizes its batches
    #: by it (`ingest.pipeline.batch_bounds`).
    append_alignment: ClassVar[int]

    def size(self) -> int:
        """Number of entries (the tree size)."""

    def indexed_size(self) -> int:
        """Number of entries an evaluation on the store's decision index connection reads: the
        size, or (PostgreSQL) that of the index file's copy of the entries, which may lag."""

    def append(self, batch: pa.Table, received_at: datetime) -> Checkpoint:
        """Append the rows of `batch` (`BATCH_COLUMNS`) as seq size()…size()+n−1, all or none.

        Returns the signed checkpoint of the new size, which is on disk when this returns.
        """

    def lookup_keys(self, keys: pa.Table) -> pa.Table:
        """Stored entries matching rows of `keys` (columns `KEY_COLUMNS`), all their columns.

        Each matching entry once, in no particular order.
        """

    def lookup_refs(self, refs: pa.Table) -> pa.Table:
        """`REF_COLUMNS`, `seq`, `record_type` of `record` entries matching rows of `refs`.

        Each matching entry once, in no particular order.
        """

    def entries(
        self, *, subject_key: str | None = None, start: int = 0, stop: int | None = None
    ) -> list[Entry]:
        """Entries with start ≤ seq < stop, of one subject if given, in seq order."""

    def steps(
        self,
        *,
        subject_key: str | None = None,
        refers_to: int | None = None,
        step_type: str | None = None,
    ) -> list[Entry]:
        """Entries of kind `step` matching every filter given, in seq order."""

    def root(self, size: int | None = None) -> bytes:
        """Merkle root of the first `size` entries (default: all)."""

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 inclusion proof of entry `index` in the tree of `size` entries."""

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 consistency proof between the trees of `old_size` and `new_size` entries."""

    def latest_checkpoint(self) -> Checkpoint | None:
        """The newest signed checkpoint in the checkpoint folder, signature checked."""

    def verify(
        self, public_key: Ed25519PublicKey | None = None, against: tuple[Path, ...] = ()
    ) -> VerifyReport:
        """Recompute every leaf and the tree, and check them against every signed checkpoint,
        those of the witness folders (`against` and the configured ones) included."""

    def sign_statement(self, body: str) -> str:
        """A note of `body` signed by the log's key (statements other than checkpoints)."""

    def open_statement(self, text: str, source: str) -> str:
        """The body of a note the log's key signed; `TamperDetected` when it did not."""

    def close(self) -> None: ...

    def __enter__(self) -> LedgerStore: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
