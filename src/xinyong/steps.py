"""Workflow steps in the ledger: appending them, and reading them back (`domain/workflow.py`).

`service.Workspace.record_step` and `Workspace.steps` call these; they sit beside the façade
like `queries.py`, and nothing below imports them. A batch of steps is one `append`: one
transaction, one signed checkpoint, all of it or nothing. Steps change no evaluation, so the
decision index keeps its rows and is only sealed again to the ledger's new size (a check would
otherwise find it stale and fall back to evaluating the subject).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import structlog

from xinyong.domain.workflow import NewStep, Step, step_type
from xinyong.errors import InvalidInput

if TYPE_CHECKING:
    from xinyong.storage.base import LedgerStore

log = structlog.get_logger(__name__)


def append_steps(store: LedgerStore, steps: Sequence[NewStep], now: datetime) -> list[Step]:
    """Append `steps` as one batch; the steps as stored (their seqs assigned). A step refers
    only to an entry before it (an earlier one of the same batch included)."""
    from xinyong.storage.base import batch_table

    if not steps:
        return []
    first = store.size()
    for i, s in enumerate(steps):
        if s.refers_to is not None and s.refers_to >= first + i:
            raise InvalidInput(
                f"step {i} ({s.step_type.value}) refers to entry {s.refers_to}, which is not an "
                f"earlier entry (the ledger has {first})",
                errors=[{"field": "refers_to", "reason": "not an earlier entry"}],
            )
    store.append(batch_table([s.row() for s in steps]), now)
    stored = [Step.from_entry(e) for e in store.entries(start=first, stop=first + len(steps))]
    log.info("steps_recorded", first=first, types=sorted({s.step_type.value for s in steps}))
    return stored


def read_steps(
    store: LedgerStore,
    *,
    subject_key: str | None = None,
    refers_to: int | None = None,
    type_name: str | None = None,
) -> list[Step]:
    """The steps matching every filter given, in ledger order."""
    if type_name is not None:
        try:
            step_type(type_name)
        except ValueError as exc:
            raise InvalidInput(
                str(exc), errors=[{"field": "step_type", "reason": "unknown step type"}]
            ) from None
    found = store.steps(subject_key=subject_key, refers_to=refers_to, step_type=type_name)
    return [Step.from_entry(e) for e in found]
