"""What every ledger store answers the same way once it can read its stored tree nodes: roots,
RFC 9162 inclusion and consistency proofs, the newest checkpoint, signed statements, and the
context-manager protocol. A store supplies `size()`, `_nodes()` (the stored nodes asked for,
from its own database) and `close()`; the algorithms are `domain/merkle.py`'s."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Self

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint
from xinyong.errors import LedgerError, TamperDetected

if TYPE_CHECKING:
    from types import TracebackType

    from xinyong.storage.checkpoints import CheckpointStore


class StoredTree(ABC):
    checkpoints: CheckpointStore
    origin: str

    @abstractmethod
    def size(self) -> int:
        """The number of entries the store holds."""

    @abstractmethod
    def close(self) -> None:
        """Release the store's database."""

    @abstractmethod
    def _nodes(
        self, wanted: list[merkle.NodeId], table: str = "nodes"
    ) -> dict[merkle.NodeId, bytes]:
        """The stored nodes asked for, from the store's own database."""

    def _refuse_unsigned_state(self) -> None:
        """After recovery: refuse to write on top of a ledger whose newest checkpoint does not
        sign exactly its entries and stored tree (a new ledger gets the empty tree's)."""
        size = self.size()
        latest = self.checkpoints.latest()
        if latest is None and size == 0:
            # A new ledger (or a crash right after creating it): the empty tree needs no commit.
            self.checkpoints.write(Checkpoint(self.origin, 0, merkle.EMPTY_ROOT))
            return
        if latest is None:
            raise TamperDetected(
                f"no checkpoints in {self.checkpoints.directory} for a ledger of {size} entries; "
                "check `checkpoint_dir`, then run `verify`"
            )
        if latest.size != size:
            what = (
                f"entries {size}..{latest.size - 1} are missing (truncated)"
                if latest.size > size
                else f"entries {latest.size}..{size - 1} are not covered by any checkpoint"
            )
            raise TamperDetected(
                f"the newest checkpoint signs {latest.size} entries but the ledger has {size}: "
                f"{what}; refusing to append, run `verify`"
            )
        if self.root(size) != latest.root:
            raise TamperDetected(
                f"the stored Merkle tree does not match the newest checkpoint (size {size}); "
                "refusing to append, run `verify`"
            )
        self.checkpoints.sync_witnesses()

    def root(self, size: int | None = None) -> bytes:
        return self._root(self._tree_size(size))

    def _root(self, n: int, table: str = "nodes") -> bytes:
        nodes = self._nodes(merkle.root_nodes(n), table)
        return merkle.root_from_nodes(n, lambda level, idx: nodes[level, idx])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        n = self._tree_size(size)
        if not 0 <= index < n:
            raise LedgerError(f"entry {index} is not in the tree of size {n}")
        nodes = self._nodes(merkle.inclusion_nodes(index, n))
        return merkle.inclusion_proof(index, n, lambda level, idx: nodes[level, idx])

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        n = self._tree_size(new_size)
        if not 0 < old_size <= n:
            raise LedgerError(f"no consistency proof from size {old_size} to {n}")
        nodes = self._nodes(merkle.consistency_nodes(old_size, n))
        return merkle.consistency_proof(old_size, n, lambda level, idx: nodes[level, idx])

    def latest_checkpoint(self) -> Checkpoint | None:
        return self.checkpoints.latest()

    def sign_statement(self, body: str) -> str:
        """A note of `body` signed by the log's key (the decision index's seal, the hot file's
        header, the API key file's seal)."""
        return self.checkpoints.sign_statement(body)

    def open_statement(self, text: str, source: str) -> str:
        """The body of a note the log's key signed; `TamperDetected` when it did not."""
        return self.checkpoints.open_statement(text, source)

    def _tree_size(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise LedgerError(f"tree size {size} is beyond the ledger's {current} entries")
        return size

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
