"""What every engine offers: evaluate a compiled plan over ledger entries, as of a date.

Engines differ in where the entries live and how a step is materialised, never in semantics:
the compiler emits one plan, each engine renders it in its SQL dialect (`dialect`) and runs it.
Capabilities are class constants the service reads (sqlmesh's engine adapters do the same), so
no caller branches on an engine's name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import date
from typing import ClassVar, Protocol

from xinyong.compiler import compile_pack
from xinyong.compiler.plan import Capabilities, Plan
from xinyong.domain.results import Results
from xinyong.policy.pack import Pack


class Engine(Protocol):
    name: ClassVar[str]
    dialect: ClassVar[str]
    # What its SQL can do beyond what SQLGlot renders alike everywhere (the compiler uses it)
    capabilities: ClassVar[Capabilities]
    # Can evaluate a subset of subjects (incremental re-evaluation after an append).
    supports_scope: ClassVar[bool]
    # Keeps its input in step with the ledger itself; otherwise `load` must copy entries in.
    reads_ledger: ClassVar[bool]

    def evaluate(
        self, pack: Pack, as_of: date, *, subjects: Iterable[str] | None = None
    ) -> Results: ...

    def close(self) -> None: ...


class PlanEngine(ABC):
    """What the SQL engines share: `evaluate` compiles the pack with the engine's own
    capabilities and hands the plan to `run`, which each engine implements."""

    capabilities: ClassVar[Capabilities]

    def evaluate(
        self, pack: Pack, as_of: date, *, subjects: Iterable[str] | None = None
    ) -> Results:
        keys = None if subjects is None else sorted(set(subjects))
        plan = compile_pack(pack, as_of, scoped=keys is not None, capabilities=self.capabilities)
        results = self.run(plan, keys)
        if plan.widened and keys is not None:
            # entities read for their officers' sake are not part of the answer
            wanted = set(keys)
            for name, rows in results.relations.items():
                results.relations[name] = [r for r in rows if r[0] in wanted]
        return results

    @abstractmethod
    def run(self, plan: Plan, subjects: Iterable[str] | None = None) -> Results:
        """Materialise the plan's steps (only `subjects`' entries when the plan is scoped) and
        read its five outputs."""
