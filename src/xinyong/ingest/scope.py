"""A provider's submission held to its API key's scope before anything is read into the
ledger: every row of its own authority and of record types it may submit (`Workspace.submit`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xinyong.domain.access import Scope
    from xinyong.ingest.read import InputFormat


def check_scope(path: Path, fmt: InputFormat | None, scope: Scope) -> None:
    """Refuse a file holding a row of another provider, or of a record type the provider may
    not submit, naming each such row's line and field."""
    import duckdb

    from xinyong.errors import Forbidden
    from xinyong.ingest.read import stage

    con = duckdb.connect()
    try:
        staged = stage(con, path, fmt)
        cols = set(staged.columns)
        picks = [
            f"trim({c})" if c in cols else "NULL"
            for c in ("provider", "record_type", "refers_to_provider")
        ]
        rows = con.execute(
            f"SELECT _line, {', '.join(picks)} FROM staged ORDER BY _line"
        ).fetchall()
    finally:
        con.close()
    errors: list[dict[str, object]] = []
    for line, provider, record_type, refers_to_provider in rows:
        if provider not in (None, "") and provider != scope.authority:
            errors.append({"line": line, "field": "provider", "reason": "not your authority"})
        if refers_to_provider not in (None, "") and refers_to_provider != scope.authority:
            errors.append(
                {"line": line, "field": "refers_to_provider", "reason": "not your authority"}
            )
        if record_type not in (None, "") and record_type not in scope.record_types:
            errors.append(
                {"line": line, "field": "record_type", "reason": "not a type your key may submit"}
            )
    if errors:
        raise Forbidden(
            f"{len(errors)} field(s) outside this key's scope; nothing was written",
            details=[f"line {e['line']} {e['field']}: {e['reason']}" for e in errors[:20]],
            errors=errors,
        )
