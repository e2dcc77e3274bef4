"""What due process holds back in an evaluation, and how the engines' results get it.

The engines read records only; workflow steps are not records. So a listing that needs a notice
served through the workflow is held on every engine (`notice_missing`), and nothing an engine
computes knows of an objection. For the subjects that have due-process steps (few: those with
a notice or an objection), the service evaluates again with the reference evaluator, which the
engines are held to row for row, giving it the holds the steps make (`domain.dueprocess.Holds`),
and puts those subjects' rows in place of the engine's. Every other subject's rows are the
engine's, untouched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from xinyong.domain.dueprocess import (
    Event,
    Holds,
    Notice,
    Objection,
    fold_notice,
    fold_objection,
    held_note,
)
from xinyong.domain.workdays import WorkdayCalendar
from xinyong.errors import Refused

#: The workflows whose steps change an evaluation (the first part of their step types).
DUE_PROCESS_WORKFLOWS = ("notice", "objection", "reconsideration")

if TYPE_CHECKING:
    from xinyong.domain.results import Results
    from xinyong.policy import Pack
    from xinyong.storage.base import LedgerStore


def by_case(events: Iterable[Event], *prefixes: str) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.type.startswith(prefixes):
            out[e.case].append(e)
    return dict(out)


def objections(pack: Pack, events: Iterable[Event], cal: WorkdayCalendar) -> list[Objection]:
    rules = pack.due_process.objection
    if rules is None:
        return []
    out = []
    for steps in by_case(events, "objection.", "reconsideration.").values():
        try:
            out.append(fold_objection(steps, rules, cal))
        except (Refused, ValueError):
            continue  # never recorded by the service: a case it cannot read holds nothing
    return out


def notices(pack: Pack, events: Iterable[Event], cal: WorkdayCalendar) -> list[Notice]:
    out = []
    for steps in by_case(events, "notice.").values():
        name = steps[0].text("list")
        cl = pack.lists.get(name)
        days = cl.notice.objection_days if cl is not None and cl.notice is not None else None
        if days is None:
            continue
        try:
            out.append(fold_notice(steps, days, cal))
        except (Refused, ValueError):
            continue
    return out


def holds_for(pack: Pack, events: Sequence[Event], cal: WorkdayCalendar) -> Holds:
    """The holds the due-process steps `events` make on evaluation."""
    found = objections(pack, events, cal)
    effective: dict[tuple[str, int], date] = {}
    notes: dict[tuple[str, int], str] = {}
    for n in notices(pack, events, cal):
        key = (n.list_name, n.record_seq)
        mine = [o for o in found if o.record_seq == n.record_seq]
        on = n.effective_from(mine)
        # the note follows the notice the listing takes effect on (the earliest), if any
        if on is not None and (key not in effective or on < effective[key]):
            effective[key] = on
            notes[key] = held_note(n, mine)
        elif key not in effective and n.served_on is not None:
            notes.setdefault(key, held_note(n, mine))
    disputes: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    rules = pack.due_process.objection
    if rules is not None:
        for o in found:
            disputes[o.record_seq].extend(o.suspensions(rules))
    return Holds(
        notices=effective,
        disputes={seq: tuple(spans) for seq, spans in disputes.items() if spans},
        notes=notes,
    )


def with_holds(
    pack: Pack,
    store: LedgerStore,
    results: Results,
    cal: WorkdayCalendar,
    subjects: Iterable[str] | None = None,
) -> Results:
    """`results` with the rows of the subjects that have due-process steps (among `subjects`,
    when given) evaluated again with their holds."""
    from xinyong.domain.results import entry_row
    from xinyong.dueprocess.ledger import events as read_events
    from xinyong.engines import reference
    from xinyong.officers import officers_of

    steps = read_events(store)
    keyed: dict[str, list[Event]] = defaultdict(list)
    for e in steps:
        if e.subject_key is not None:
            keyed[e.subject_key].append(e)
    scope = set(keyed) if subjects is None else set(keyed) & set(subjects)
    if not scope:
        return results
    # a measure on a held entity reaches its officers: their rows change with it
    con = store.connection  # type: ignore[attr-defined]
    scope |= officers_of(pack, con, sorted(scope))
    rows = [entry_row(e) for k in sorted(scope) for e in store.entries(subject_key=k)]
    linked = reference.linked_entities(pack, rows) - scope
    rows += [entry_row(e) for k in sorted(linked) for e in store.entries(subject_key=k)]
    holds = holds_for(pack, [e for k in sorted(scope) for e in keyed.get(k, ())], cal)
    again = reference.evaluate(pack, rows, results.as_of, holds=holds)
    for name, found in results.relations.items():
        kept = [r for r in found if r[0] not in scope]
        kept += [r for r in again.relations[name] if r[0] in scope]
        results.relations[name] = kept
    return results


def subject_holds(pack: Pack, store: LedgerStore, key: str, cal: WorkdayCalendar) -> Holds:
    """The holds of one subject's due-process steps (for a check evaluated on its own)."""
    from xinyong.dueprocess.ledger import events as read_events

    return holds_for(pack, read_events(store, key), cal)
