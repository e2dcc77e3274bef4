"""Read-side views the façade serves to the API: a subject's file, the decision log filtered,
what changed since a cursor, a list's contents, the evaluation in force.

`service.Workspace` calls these; they sit beside it in the layering (they read the ledger, the
decision index and the decision log), and nothing below imports them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.errors import InvalidInput, NotFound
from xinyong.storage.decisionlog import LogFilter

if TYPE_CHECKING:
    from xinyong.domain.decision import Audience, Decision
    from xinyong.domain.record import Entry
    from xinyong.domain.results import Results
    from xinyong.domain.workdays import WorkdayCalendar
    from xinyong.policy import Pack
    from xinyong.storage.base import LedgerStore


@dataclass(frozen=True)
class SubjectFile:
    """Everything the ledger and the evaluation hold on one subject: its entries, its
    listings, its scores, and the decision on every action some measure touches."""

    subject_key: str
    entries: list[Entry]
    results: Results
    decisions: list[Decision]


def subject_results(
    store: LedgerStore, pack: Pack, key: str, today: date, cal: WorkdayCalendar | None = None
) -> tuple[Results, list[Entry]]:
    """One subject's evaluated rows: from the decision index when it is fresh, else the subject
    alone evaluated by the reference evaluator (the same rule `Checker` follows)."""
    from xinyong.domain.results import entry_row
    from xinyong.dueprocess.holds import subject_holds
    from xinyong.engines import reference
    from xinyong.storage import index

    con = store.connection  # type: ignore[attr-defined]
    found = index.meta(con)
    entries = store.entries(subject_key=key)
    holds = subject_holds(pack, store, key, cal) if cal is not None else None
    if (
        found is not None
        and found.pack_version == pack.version
        and found.ledger_size == (store.size())
    ):
        results = index.lookup(con, found, key)
        if holds is not None:
            results.notes.update(holds.notes)
        return results, entries
    day = found.as_of if found is not None else today
    rows = [entry_row(e) for e in entries]
    return reference.evaluate_subject(pack, rows, day, holds=holds), entries


def subject_file(
    store: LedgerStore,
    pack: Pack,
    key: str,
    today: date,
    audience: Audience,
    *,
    cal: WorkdayCalendar | None = None,
) -> SubjectFile:
    from xinyong.decide import decide

    results, entries = subject_results(store, pack, key, today, cal)
    by_seq = {e.seq: e for e in entries}
    actions = sorted({str(r[1]) for r in results["decisions"] if r[0] == key})
    decisions = [decide(pack, results, key, a, by_seq, audience=audience) for a in actions]
    return SubjectFile(subject_key=key, entries=entries, results=results, decisions=decisions)


def _lines(path: Path, subject_key: str | None = None) -> Iterator[dict[str, object]]:
    """The log's checks, a batch line expanded to one per subject (only those about
    `subject_key`, when given: a subject's view need not expand every batch)."""
    from xinyong.storage.decisionlog import expand

    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for text in fh:
            if not text.strip():
                continue
            line = json.loads(text)
            if subject_key is not None and "batch" in line:
                if subject_key not in line["batch"].get("subject_keys", ()):
                    continue
                yield from (x for x in expand(line) if x["subject_key"] == subject_key)
                continue
            yield from expand(line)


def decision_log(
    path: Path, where: LogFilter, *, offset: int, limit: int
) -> list[dict[str, object]]:
    """Decision-log lines matching `where`, oldest first, `limit` of them after `offset`."""
    out: list[dict[str, object]] = []
    skipped = 0
    for line in _lines(path, where.subject_key):
        if not _matches(line, where):
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(line)
        if len(out) >= limit:
            break
    return out


def _matches(line: dict[str, object], w: LogFilter) -> bool:
    for name in ("subject_key", "action", "outcome", "asked_by"):
        wanted = getattr(w, name)
        if wanted is not None and line.get(name) != wanted:
            return False
    if w.since is not None or w.until is not None:
        at = datetime.fromisoformat(str(line["asked_at"]))
        if w.since is not None and at < w.since:
            return False
        if w.until is not None and at >= w.until:
            return False
    return True


@dataclass(frozen=True)
class Changes:
    """Which of the subjects asked about changed since a cursor; `everything` when the pack in
    force or the evaluation date changed, so every decision must be taken again."""

    cursor: str
    changed: list[int]
    everything: bool


def cursor_of(size: int, pack_version: str, as_of: date | None) -> str:
    return f"{size}.{pack_version.removeprefix('sha256:')[:16]}.{as_of or '-'}"


def changes(store: LedgerStore, pack: Pack, keys: Sequence[str], cursor: str | None) -> Changes:
    """The positions in `keys` of the subjects with ledger entries appended after `cursor` (a
    cursor this function returned earlier; none: every subject has changed)."""
    from xinyong.storage import index

    con = store.connection  # type: ignore[attr-defined]
    found = index.meta(con)
    size = store.size()
    now = cursor_of(size, pack.version, found.as_of if found else None)
    if cursor is None:
        return Changes(now, list(range(len(keys))), everything=True)
    head, _, tail = cursor.partition(".")
    if not head.isdigit() or int(head) > size or not tail:
        raise InvalidInput(
            f"cursor {cursor!r} was not issued by this ledger",
            errors=[{"field": "cursor", "reason": "not a cursor this server issued"}],
        )
    if tail != now.partition(".")[2]:
        return Changes(now, list(range(len(keys))), everything=True)
    # Workflow steps change no decision (evaluation ignores them), so they are no change here.
    rows = con.execute(
        "SELECT DISTINCT subject_key FROM entries WHERE seq >= ? AND entry_kind <> 'step' "
        "AND subject_key IN (SELECT unnest(?::VARCHAR[]))",
        [int(head), list(set(keys))],
    ).fetchall()
    touched = {r[0] for r in rows}
    return Changes(now, [i for i, k in enumerate(keys) if k in touched], everything=False)


def list_members(
    store: LedgerStore, pack: Pack, name: str
) -> tuple[date, list[tuple[object, ...]]]:
    """The members of a list in the decision index: (subject key, since, until, listings)."""
    from xinyong.storage import index

    if name not in pack.lists:
        from xinyong.domain.catalogue import did_you_mean

        hint = did_you_mean(name, list(pack.lists))
        raise NotFound(f"no list {name!r} in the pack in force" + (f". {hint}" if hint else ""))
    con = store.connection  # type: ignore[attr-defined]
    found = index.meta(con)
    if found is None:
        raise NotFound("no evaluation has run yet; run `xinyong evaluate`")
    rows = con.execute(
        "SELECT subject_key, since, until, listings FROM index_memberships WHERE list_name = ? "
        "ORDER BY subject_key",
        [name],
    ).fetchall()
    return found.as_of, [tuple(r) for r in rows]
