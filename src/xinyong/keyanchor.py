"""The API key file's generations, anchored in the ledger (`storage/apikeys.py`, `KeyAnchor`).

Every write of the sealed key file raises its generation; this records each generation as a
`keys.generation` step (number and digest), so that a copy of the file from before a later
change (a revocation) is refused even after a restart: the ledger is append-only, signed and
witnessed, which the key file alone cannot be.

When a step is appended depends on who holds the ledger:
- a process that does not hold it open (the `keys` commands, tests) appends at once, opening the
  ledger for it; if a server holds the ledger, the generation stays *pending* and the server
  anchors it when it next reads the file;
- a server (`Workspace.held`) never appends from inside a key store's lock, since a check
  authenticating there may not take the ledger's lock (the other order is taken by serialised
  requests): it marks the generation pending, and the next request that holds the ledger's lock
  (`flush`, called by the API's serialising middleware, and by the key routes themselves)
  appends it. Until then this process keeps the newest generation it saw as the floor.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import structlog

from xinyong.domain.workflow import NewStep, StepType
from xinyong.errors import XinyongError
from xinyong.storage.apikeys import Generation

if TYPE_CHECKING:
    from xinyong.service import Workspace
    from xinyong.storage.base import LedgerStore

log = structlog.get_logger(__name__)

ACTOR = "system"


def anchored(store: LedgerStore) -> Generation | None:
    """The newest generation of the key file the ledger `store` anchored, if any."""
    found = store.steps(step_type=StepType.keys_generation.value)
    if not found:
        return None
    attributes = found[-1].attribute_values()
    number, digest = attributes.get("generation"), attributes.get("digest")
    if not isinstance(number, int) or not isinstance(digest, str):  # pragma: no cover
        raise ValueError(f"ledger entry {found[-1].seq}: a keys.generation step without its fields")
    return Generation(number, digest)


class LedgerKeyAnchor:
    """`KeyAnchor` over one workspace's ledger (see the module docstring)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._floor: Generation | None = None
        self._loaded = False
        self._pending: Generation | None = None

    def load(self, store: LedgerStore) -> None:
        """Read the ledger's anchor (a server, once, when it opens the ledger)."""
        self._raise_floor(anchored(store))
        self._loaded = True

    def floor(self) -> Generation | None:
        if not self._loaded and not self.workspace.holds_ledger():
            try:
                # read-write, as the step it may append next: one DuckDB configuration a process
                with self.workspace.ledger() as store:
                    self.load(store)
            except XinyongError as exc:
                # held by a server: it checks the file against the ledger itself
                log.info("keys_anchor_unread", reason=str(exc))
        return self._floor

    def sealed(self, generation: Generation) -> None:
        self._raise_floor(generation)
        with self._lock:
            self._pending = generation
        if not self.workspace.holds_ledger():
            self.flush()

    def pending(self) -> bool:
        return self._pending is not None

    def flush(self) -> None:
        """Append the pending generation's step. Only where the ledger may be written: a process
        that does not hold it, or a server request holding its lock."""
        with self._lock:
            generation, self._pending = self._pending, None
        if generation is None:
            return
        ws = self.workspace
        step = NewStep(
            step_type=StepType.keys_generation,
            actor=ACTOR,
            on=ws.today(),
            document_ref=f"api-keys/{generation.number}",
            attributes={"generation": generation.number, "digest": generation.digest},
        )
        try:
            ws.record_step(step)
        except XinyongError as exc:
            with self._lock:
                if self._pending is None:
                    self._pending = generation
            log.warning(
                "keys_generation_not_anchored", generation=generation.number, reason=str(exc)
            )
            return
        log.info("keys_generation_anchored", generation=generation.number)

    def _raise_floor(self, generation: Generation | None) -> None:
        with self._lock:
            if generation is not None and (
                self._floor is None or generation.number > self._floor.number
            ):
                self._floor = generation
