"""The `Checker`: a relying party's, a subject's or an auditor's question about one subject and
one action, answered from the decision index (or, where the index does not hold the date, by the
reference evaluator for that subject alone), with its reasons, and logged.

Split from `service.py` (the façade opens a checker with `Workspace.checker()`); it calls nothing
the façade does not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from xinyong.domain.masking import log_text
from xinyong.domain.pseudonym import subject_key
from xinyong.errors import NotFound
from xinyong.storage import keys

if TYPE_CHECKING:
    from xinyong.domain.decision import Audience, Decision
    from xinyong.domain.dueprocess import Holds
    from xinyong.domain.record import Entry
    from xinyong.engines.results import Results
    from xinyong.policy import Pack
    from xinyong.service import Workspace
    from xinyong.storage.base import LedgerStore


class Checker:
    """Answers checks from the decision index: a point lookup of the subject's rows, the
    decision and its reasons built from them, the question logged with who asked and why.

    When the index does not hold the date asked about, or is stale (another pack in force, or
    entries appended since), the subject alone is evaluated by the reference evaluator, which
    the engines are held to row for row. An index whose seal does not verify, or that was
    computed from a ledger this one does not extend, is refused (`TamperDetected`).

    The audience decides what is built and shown (`domain.decision.Audience`): a relying party
    (the default: whoever does not say whom they serve gets the least) is answered from the
    index alone; for the subject or an auditor, the subject's entries are read and the reference
    evaluator explains, for that one subject, the listings not in force (excluded, barred,
    ended). The log records which audience was served.
    """

    def __init__(self, workspace: Workspace, store: LedgerStore) -> None:
        from xinyong.storage import index

        self.workspace = workspace
        self.store = store
        self.pack = workspace.pack
        s = workspace.settings
        self._key = keys.pseudonym_key_from(s)
        self._con = store.connection  # type: ignore[attr-defined]
        # Nothing else can write the ledger while this connection holds it (DuckDB allows one
        # writer), so the index's state is read, and its seal and binding checked, once.
        self._meta = index.meta(self._con)
        self._fresh = False
        if self._meta is not None:
            seal = index.open_seal(self._meta, store)
            self._fresh = index.binding(seal, store, self.pack.version) == "fresh"
        self.log = index.DecisionLog(s.path(s.decision_log))

    def close(self) -> None:
        self.log.close()

    def _holds(self, key: str) -> Holds:
        """The due-process holds of the subject (and of the entities whose officer it is)."""
        from xinyong.dueprocess.holds import subject_holds

        return subject_holds(self.pack, self.store, key, self.workspace.calendar)

    def subject_key(self, identifier: str, scheme: str | None = None) -> str:
        found = self.workspace.find_scheme(identifier, scheme)
        return subject_key(found, found.validate(identifier), self._key)

    def check(
        self,
        identifier: str,
        action: str,
        *,
        as_of: date | None = None,
        scheme: str | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
        audience: Audience | str = "relying_party",
    ) -> Decision:
        from xinyong.decide import decide
        from xinyong.domain.measures import ACTIONS
        from xinyong.engines import reference
        from xinyong.storage import index

        if action not in ACTIONS:
            from xinyong.domain.catalogue import did_you_mean

            hint = did_you_mean(action, ACTIONS)
            raise NotFound(f"unknown action {action!r}" + (f". {hint}" if hint else ""))
        served = audience_of(audience)
        full = served.full
        # Refused before the question is answered: an unloggable check is not asked.
        asked_by, purpose = log_text("asked_by", asked_by), log_text("purpose", purpose)
        key = self.subject_key(identifier, scheme)
        pack = self.pack
        found = self._meta
        entries: list[Entry] = []
        if found is not None and self._fresh and (as_of is None or as_of == found.as_of):
            results = index.lookup(self._con, found, key, action)
            if full:
                # The index holds the answer; why nothing else applies, the reference says for
                # this one subject (it is held to the engines row for row). When no measure
                # applies the index was not read further, and the reference's rows serve.
                entries = self.store.entries(subject_key=key)
                rows = [entry_row(e) for e in entries]
                why = reference.evaluate_subject(
                    pack, rows, found.as_of, explain=True, holds=self._holds(key)
                )
                if not results["decisions"]:
                    for name, found_rows in why.relations.items():
                        if name != "decisions":
                            results.relations[name] = found_rows
                results.explained = why.explained
        else:
            day = as_of or (found.as_of if found is not None else self.workspace.today())
            entries = self.store.entries(subject_key=key)
            rows = [entry_row(e) for e in entries]
            own = len(rows)
            # the entities the subject is an officer of: their measures may reach it, and their
            # listings are the reasons
            for other in sorted(reference.linked_entities(pack, rows)):
                rows.extend(entry_row(e) for e in self.store.entries(subject_key=other))
            holds = self._holds(key)
            if len(rows) == own:
                results = reference.evaluate_subject(pack, rows, day, explain=full, holds=holds)
            else:
                results = reference.evaluate(pack, rows, day, holds=holds)
                if full:
                    alone = reference.evaluate_subject(
                        pack, rows[:own], day, explain=True, holds=holds
                    )
                    results.explained = alone.explained
        decision = decide(pack, results, key, action, {e.seq: e for e in entries}, audience=served)
        self.log.write(
            at=datetime.now(UTC),
            subject_key=key,
            action=action,
            outcome=decision.outcome,
            as_of=decision.as_of,
            pack_version=pack.version,
            asked_by=asked_by,
            purpose=purpose,
            measures=[m.name for m in decision.measures],
            audience=served.value,
            records=relied_records(pack, results, key, action),
        )
        return decision


def audience_of(value: Audience | str) -> Audience:
    from xinyong.domain.decision import Audience

    try:
        return Audience(value)
    except ValueError:
        names = ", ".join(a.value for a in Audience)
        raise NotFound(f"unknown audience {value!r}; one of {names}") from None


def entry_row(e: Entry) -> tuple[object, ...]:
    """An entry as the evaluators read it (`engines.results.ENTRY_COLUMNS`)."""
    return (
        e.seq,
        e.entry_kind.value,
        e.refers_to,
        e.record_type,
        e.subject_key,
        None if e.subject_kind is None else e.subject_kind.value,
        e.subject_birth_date,
        e.decision_date,
        e.attributes,
    )


def relied_records(pack: Pack, results: Results, key: str, action: str) -> list[int]:
    """The seqs of the records a decision on `action` rests on: the anchors of the subject's
    listings (in force or held) on the lists behind the measures touching the action, and on
    the lists those rest on; an officer's, those of the entity it is reached through."""
    from xinyong.decide import _with_upstream
    from xinyong.domain.measures import ListTrigger

    lists = _with_upstream(
        pack,
        sorted(
            {
                m.trigger.list
                for m in pack.measures.values()
                if action in m.actions and isinstance(m.trigger, ListTrigger)
            }
        ),
    )
    whose = {key} | {str(r[4]) for r in results["decisions"] if r[0] == key and r[4] is not None}
    return sorted(
        {
            int(r[3])
            for r in results["listings"]
            if r[0] in whose and r[1] in lists and isinstance(r[3], int)
        }
    )
