"""The persons an entity's measures reach through their role: its officers.

A consumption restriction on an enterprise reaches its legal representative, main responsible
person, person directly responsible or actual controller while the role holds (the pack's officer
record types say which records establish a role). So when an entity's records change, the
decisions of the persons whose officer records name it change too, and they are evaluated again
with it. Never anyone else: only a record of a named role links a person to an entity.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xinyong.compiler import officer_types
from xinyong.domain.record import EntryKind

if TYPE_CHECKING:
    import duckdb

    from xinyong.policy import Pack


def officers_of(pack: Pack, con: duckdb.DuckDBPyConnection, entities: list[str]) -> set[str]:
    """The persons whose officer records name one of `entities`: a measure on an entity reaches
    them, so a change to the entity changes their decisions too."""
    found: set[str] = set()
    if not entities:
        return found
    for rt in officer_types(pack):
        o = rt.officer_role
        assert o is not None
        rows = con.execute(
            "SELECT DISTINCT subject_key FROM entries WHERE record_type = ? AND entry_kind <> ? "
            "AND list_contains(?, ? || json_extract_string(attributes, ?))",
            [rt.name, EntryKind.step.value, entities, f"{o.scheme}:", f"$.{o.entity}"],
        ).fetchall()
        found.update(r[0] for r in rows)
    return found
