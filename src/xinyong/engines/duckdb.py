"""The embedded default: runs a compiled plan inside the workspace's DuckDB ledger file.

Each step becomes a temporary table (in memory, so a read-only ledger connection can evaluate),
dropped when the evaluation ends. The input is a view over the ledger's `entries` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from xinyong.compiler import INPUT, SCOPE, Capabilities
from xinyong.compiler.plan import Plan
from xinyong.domain.results import ENTRY_COLUMNS, RELATIONS, Results
from xinyong.engines.base import PlanEngine
from xinyong.errors import EngineError

if TYPE_CHECKING:
    import duckdb


class DuckDBEngine(PlanEngine):
    name: ClassVar[str] = "duckdb"
    dialect: ClassVar[str] = "duckdb"
    capabilities: ClassVar[Capabilities] = Capabilities(json_path_lists=True)
    supports_scope: ClassVar[bool] = True
    reads_ledger: ClassVar[bool] = True

    def __init__(self, con: duckdb.DuckDBPyConnection, *, source: str = "entries") -> None:
        """`source` is the table or view holding ledger entries (the ledger's `entries`)."""
        self.con = con
        self.source = source

    def run(self, plan: Plan, subjects: Iterable[str] | None = None) -> Results:
        import duckdb

        con = self.con
        created: list[str] = []
        try:
            cols = ", ".join(ENTRY_COLUMNS)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {INPUT} AS SELECT {cols} FROM {self.source}")
            created.append(f"VIEW {INPUT}")
            if plan.scoped:
                keys = sorted(set(subjects or ()))
                con.execute(f"CREATE OR REPLACE TEMP TABLE {SCOPE} (subject_key VARCHAR)")
                created.append(f"TABLE {SCOPE}")
                if keys:
                    con.executemany(f"INSERT INTO {SCOPE} VALUES (?)", [(k,) for k in keys])
            readers = plan.readers()
            for step in plan.steps:
                # a step one later step reads is inlined there as a view: materialising it
                # would copy its rows for one scan
                kind = "TABLE" if step.output or readers[step.name] != 1 else "VIEW"
                con.execute(
                    f"CREATE OR REPLACE TEMP {kind} {step.name} AS {step.sql(self.dialect)}"
                )
                created.append(f"{kind} {step.name}")
            results = Results(plan.as_of, plan.pack_version)
            for name, columns in RELATIONS.items():
                results.relations[name] = con.execute(
                    f"SELECT {', '.join(columns)} FROM {name}"
                ).fetchall()
            return results
        except duckdb.Error as e:
            raise EngineError(f"DuckDB could not evaluate the pack: {e}") from e
        finally:
            for what in reversed(created):
                kind, name = what.split()
                con.execute(f"DROP {kind} IF EXISTS {name}")

    def close(self) -> None:
        self.con.close()
