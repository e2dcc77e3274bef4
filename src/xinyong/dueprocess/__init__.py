"""Due process: notices before listing, objections, corrections that reach every decision, and
credit restoration (docs/concepts/dueprocess.md). `Workspace.dueprocess` is the façade's entry.

Modules: `workflows` (the steps, each a ledger entry with who and when), `holds` (what due
process holds back in an evaluation), `reach` (a correction's past decisions and their relying
parties), `channels` (the outbox and SMTP), `ledger` (steps in and out of the ledger).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xinyong.dueprocess.workflows import DueProcess as DueProcess


def __getattr__(name: str) -> object:
    # lazily: the façade imports `holds` at start-up, and `workflows` needs the façade
    if name == "DueProcess":
        from xinyong.dueprocess.workflows import DueProcess

        return DueProcess
    raise AttributeError(name)
