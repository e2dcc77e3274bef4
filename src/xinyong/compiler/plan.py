"""A compiled pack: an ordered list of steps, each one SELECT over the input and earlier steps.

Engines run the steps in order, materialising each (a temporary table on DuckDB and PostgreSQL, a
cached view on Spark), and read the five output relations of `domain.results.RELATIONS`. The
plan is built once per pack, date and scope; it holds SQLGlot trees, and `sql(dialect)` renders
a step for one engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from xinyong.domain.results import ENTRY_COLUMNS, RELATIONS

INPUT = "xy_input"  # the ledger's entries, as each engine exposes them
SCOPE = "xy_scope"  # optional: the subject keys to evaluate (one column, subject_key)

# The SQL type of every output column (`RELATIONS` order), for outputs built from NULLs.
OUTPUT_TYPES: Mapping[str, Mapping[str, str]] = {
    "listings": {
        "subject_key": "VARCHAR",
        "list_name": "VARCHAR",
        "rule_name": "VARCHAR",
        "anchor_seq": "BIGINT",
        "via_list": "VARCHAR",
        "since": "DATE",
        "until": "DATE",
        "status": "VARCHAR",
    },
    "memberships": {
        "subject_key": "VARCHAR",
        "list_name": "VARCHAR",
        "since": "DATE",
        "until": "DATE",
        "listings": "BIGINT",
    },
    "score_items": {
        "subject_key": "VARCHAR",
        "scheme_name": "VARCHAR",
        "item_name": "VARCHAR",
        "records": "BIGINT",
        "points": "BIGINT",
    },
    "scores": {
        "subject_key": "VARCHAR",
        "scheme_name": "VARCHAR",
        "points": "BIGINT",
        "grade": "VARCHAR",
    },
    "decisions": {
        "subject_key": "VARCHAR",
        "action": "VARCHAR",
        "measure_name": "VARCHAR",
        "outcome": "VARCHAR",
        "via_subject": "VARCHAR",
        "via_role": "VARCHAR",
    },
}
assert {k: tuple(v) for k, v in OUTPUT_TYPES.items()} == dict(RELATIONS)


@dataclass(frozen=True)
class Capabilities:
    """What an engine's SQL can do that not every engine can, declared by the engine (no
    branch on its name): the compiler uses a capability where it is declared."""

    # `text ->> [path, …]` reads many paths with one parse of the JSON text, as a list (DuckDB);
    # without it each attribute is read with a parse of its own
    json_path_lists: bool = False


PORTABLE = Capabilities()  # nothing beyond what every engine does


@dataclass(frozen=True)
class Step:
    name: str
    query: exp.Query
    output: bool = False

    def sql(self, dialect: str, *, pretty: bool = False) -> str:
        return self.query.sql(dialect=dialect, pretty=pretty)


@dataclass
class Plan:
    """Steps in dependency order; the outputs are the steps named after `RELATIONS`."""

    pack_version: str
    as_of: date
    scoped: bool
    capabilities: Capabilities = PORTABLE
    steps: list[Step] = field(default_factory=list)
    # scoped, and reading entities beyond the scope (those its officers hold roles in): the
    # engine keeps only the scope's rows of the outputs
    widened: bool = False

    def add(self, name: str, query: exp.Query, *, output: bool = False) -> str:
        if any(s.name == name for s in self.steps):
            raise ValueError(f"duplicate step {name}")
        self.steps.append(Step(name, query, output))
        return name

    def readers(self) -> dict[str, int]:
        """How many times the plan's steps read each step (an engine may leave a step read once
        unmaterialised, as a view its one reader inlines)."""
        names = {s.name for s in self.steps}
        counts = dict.fromkeys(names, 0)
        for s in self.steps:
            for t in s.query.find_all(exp.Table):
                if not t.db and t.name in names:
                    counts[t.name] += 1
        return counts

    def outputs(self) -> list[Step]:
        found = {s.name: s for s in self.steps if s.output}
        return [found[name] for name in RELATIONS]

    def script(self, dialect: str) -> str:
        """Every step as `-- name` and its SQL: the golden file of a pack and a date."""
        parts = []
        for s in self.steps:
            parts.append(
                f"-- {s.name}{' (output)' if s.output else ''}\n{s.sql(dialect, pretty=True)};"
            )
        return "\n\n".join(parts) + "\n"


INPUT_COLUMNS = ENTRY_COLUMNS
