"""The `Checker`: a relying party's, a subject's or an auditor's question about one subject and
one action, answered from the decision index (or, where the index does not hold the date, by the
reference evaluator for that subject alone), with its reasons, and logged.

`Quick` is the hot path in front of it: a relying party's check on the index's date is answered
from the hot decision file (`hotpath.py`), with no DuckDB and no ledger open, and logged by
the workspace's one group-committed decision log; anything it cannot answer goes to `Checker`.

Split from `service.py` (the façade opens a checker with `Workspace.checker()`); it calls nothing
the façade does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from xinyong.domain.masking import log_text
from xinyong.domain.pseudonym import subject_key
from xinyong.domain.results import entry_row
from xinyong.errors import IdentifierError, NotFound
from xinyong.storage import keys
from xinyong.storage.sharedstat import stat

if TYPE_CHECKING:
    from pathlib import Path

    from xinyong.domain.decision import Audience, Decision
    from xinyong.domain.dueprocess import Holds
    from xinyong.domain.record import Entry
    from xinyong.domain.results import Results
    from xinyong.hotpath import Batch, HotPath
    from xinyong.policy import Pack
    from xinyong.service import Workspace
    from xinyong.storage.base import LedgerStore
    from xinyong.storage.decisionlog import DecisionLog


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
        self.log = workspace.quick.log

    def close(self) -> None:
        pass  # the log is the workspace's (`Quick.log`), shared by every checker

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
        if not full:
            quick = self.workspace.quick.check(
                identifier, action, as_of=as_of, scheme=scheme, asked_by=asked_by, purpose=purpose
            )
            if quick is not None:
                return quick
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
                results.notes = why.notes
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
            records=relied_records(
                pack, results, key, action, lambda: entries or self.store.entries(subject_key=key)
            ),
        )
        return decision


def audience_of(value: Audience | str) -> Audience:
    from xinyong.domain.decision import Audience

    try:
        return Audience(value)
    except ValueError:
        names = ", ".join(a.value for a in Audience)
        raise NotFound(f"unknown audience {value!r}; one of {names}") from None


@dataclass
class BatchAnswers:
    """A batch check: the subject keys asked about (None where the identifier was invalid,
    with its `IdentifierError` in `errors`) and the answers (`hotpath.Batch`)."""

    keys: Sequence[str | None]
    errors: dict[int, IdentifierError]
    answers: Batch


# how long a process that does not hold the ledger waits for a writer's new hot file before
# answering the slow way (which needs the ledger)
WAIT_FOR_WRITER_S = 5.0


class Quick:
    """What checking keeps for a workspace's whole life: the hot path, the decision log, the
    pseudonym key and the last verification's verdict (read again only when its file changes).
    Thread-safe: a server's requests share one."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.Lock()
        self._log: DecisionLog | None = None
        self._hot: HotPath | None = None
        self._hot_tried = False
        self._verified: object = None
        self._key: bytes | None = None
        self._verification: Path | None = None
        self.wait_for_writer = WAIT_FOR_WRITER_S

    @property
    def log(self) -> DecisionLog:
        with self._lock:
            if self._log is None:
                from xinyong.storage.decisionlog import DecisionLog

                s = self.workspace.settings
                self._log = DecisionLog(s.path(s.decision_log))
            return self._log

    @property
    def pseudonym_key(self) -> bytes:
        if self._key is None:
            self._key = keys.pseudonym_key_from(self.workspace.settings)
        return self._key

    def hot(self) -> HotPath | None:
        """The hot path, if the log's public key is at hand to check the file with."""
        if not self._hot_tried:
            with self._lock:
                if not self._hot_tried:
                    self._hot = _open_hot(self.workspace)
                    self._hot_tried = True
        return self._hot

    def forget_hot(self) -> None:
        """Open the hot file afresh at the next check: another pack is in force, and the hot
        path holds the pack it was opened with."""
        with self._lock:
            self._hot, self._hot_tried = None, False

    def refuse_if_verification_failed(self) -> None:
        s = self.workspace.settings
        if self._verification is None:
            self._verification = s.path(s.verification_file)
        try:
            st = stat(self._verification)
            found: object = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            found = "none"
        if found != self._verified:
            self.workspace.refuse_if_verification_failed()
            self._verified = found

    def subject_key(self, identifier: str, scheme: str | None = None) -> str:
        found = self.workspace.find_scheme(identifier, scheme)
        if scheme is None:  # found only where it is valid: no need to check it again
            return subject_key(found, found.normalise(identifier), self.pseudonym_key)
        return subject_key(found, found.validate(identifier), self.pseudonym_key)

    def _fresh(self, as_of: date | None) -> tuple[HotPath, object] | None:
        from xinyong.hotpath import wait_fresh

        hot = self.hot()
        if hot is None:
            return None
        self.refuse_if_verification_failed()
        held = self.workspace.holds_ledger()
        file = hot.current() if held else wait_fresh(hot, self.wait_for_writer)
        if file is None or (as_of is not None and as_of != file.header.binding.as_of):
            return None
        return hot, file

    def check(
        self,
        identifier: str,
        action: str,
        *,
        as_of: date | None = None,
        scheme: str | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
    ) -> Decision | None:
        """A relying party's check from the hot file, logged (durable on return); None when
        it cannot answer (no fresh file, another date), and the caller asks `Checker`."""
        found = self.answer(
            identifier, action, as_of=as_of, scheme=scheme, asked_by=asked_by, purpose=purpose
        )
        if found is None:
            return None
        self.log.append([found[1]])
        return found[0]

    def answer(
        self,
        identifier: str,
        action: str,
        *,
        as_of: date | None = None,
        scheme: str | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
    ) -> tuple[Decision, bytes] | None:
        """The decision from the hot file and its log line, not yet logged (the caller logs
        it before answering); None when the hot path cannot answer. Refuses what `Checker`
        refuses, in the same order."""
        from xinyong.domain.measures import ACTIONS
        from xinyong.storage.decisionlog import render

        if action not in ACTIONS:
            return None  # `Checker` says what is wrong
        found = self._fresh(as_of)
        if found is None:
            return None
        hot, file = found
        asked_by, purpose = log_text("asked_by", asked_by), log_text("purpose", purpose)
        key = self.subject_key(identifier, scheme)
        decision = hot.decide(file, key, action)  # type: ignore[arg-type]
        if decision is None:
            return None
        line = render(
            at=datetime.now(UTC),
            subject_key=key,
            action=action,
            outcome=decision.outcome,
            as_of=decision.as_of,
            pack_version=decision.pack_version,
            asked_by=asked_by,
            purpose=purpose,
            measures=[m.name for m in decision.measures],
            audience="relying_party",
        )
        return decision, line

    def check_many(
        self,
        identifiers: Sequence[str],
        action: str,
        *,
        as_of: date | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
    ) -> BatchAnswers | None:
        """A relying party's check of many subjects for one action, from the hot file: keys
        computed for the whole batch, one vectorised lookup, one decision log line for the
        batch (durable on return).
        None when the hot path cannot answer."""
        found = self.answer_many(
            identifiers, action, as_of=as_of, asked_by=asked_by, purpose=purpose
        )
        if found is None:
            return None
        self.log.append([found[1]])
        return found[0]

    def answer_many(
        self,
        identifiers: Sequence[str],
        action: str,
        *,
        as_of: date | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
    ) -> tuple[BatchAnswers, bytes | memoryview] | None:
        """`check_many`'s answers and its decision log line, not yet logged (the caller logs
        it before answering, as `answer` for one subject); None when the hot path cannot
        answer."""
        from xinyong.domain.idbatch import subject_keys
        from xinyong.domain.measures import ACTIONS

        if action not in ACTIONS:
            return None
        found = self._fresh(as_of)
        if found is None:
            return None
        hot, file = found
        asked_by, purpose = log_text("asked_by", asked_by), log_text("purpose", purpose)
        keyed = subject_keys(self.workspace.schemes, identifiers, self.pseudonym_key)
        answers = hot.decide_many(file, keyed.keys64, keyed.keys, action)  # type: ignore[arg-type]
        if answers is None:
            return None
        line = batch_line(keyed.keys, action, answers, asked_by, purpose)
        return BatchAnswers(keyed.keys, keyed.errors, answers), line

    async def check_async(
        self,
        identifier: str,
        action: str,
        *,
        as_of: date | None = None,
        scheme: str | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
    ) -> Decision:
        """A relying party's check for a caller on an event loop (the server): answered from
        the hot file on the loop itself (tens of microseconds, no I/O but two `stat`s), the log
        line awaited without holding a thread; the slow path (`Workspace.check`) in a thread."""
        import asyncio
        from functools import partial

        found = self.answer(
            identifier, action, as_of=as_of, scheme=scheme, asked_by=asked_by, purpose=purpose
        )
        if found is not None:
            await self.log.append_async([found[1]])
            return found[0]
        ask = partial(
            self.workspace.check,
            identifier,
            action,
            as_of=as_of,
            scheme=scheme,
            asked_by=asked_by,
            purpose=purpose,
            audience="relying_party",
        )
        return await asyncio.get_running_loop().run_in_executor(None, ask)

    def check_batch(
        self,
        identifiers: Sequence[str],
        action: str,
        *,
        as_of: date | None = None,
        asked_by: str | None = None,
        purpose: str | None = None,
    ) -> BatchAnswers | list[Decision | IdentifierError]:
        """A relying party's check of many subjects for one action: from the hot file when it
        is fresh (`BatchAnswers`), else one `Checker.check` each (a decision, or the
        identifier's error, per identifier), serialised with the server's other requests."""
        found = self.check_many(
            identifiers, action, as_of=as_of, asked_by=asked_by, purpose=purpose
        )
        if found is not None:
            return found
        out: list[Decision | IdentifierError] = []
        with self.workspace.serialised(), self.workspace.checker() as checker:
            for identifier in identifiers:
                try:
                    out.append(
                        checker.check(
                            identifier, action, as_of=as_of, asked_by=asked_by, purpose=purpose
                        )
                    )
                except IdentifierError as exc:
                    out.append(exc)
        return out

    def close(self) -> None:
        with self._lock:
            log, self._log = self._log, None
        if log is not None:
            log.close()


def batch_entry(
    keys: Sequence[str | None],
    action: str,
    answers: Batch,
    asked_by: str | None,
    purpose: str | None,
    *,
    at: datetime | None = None,
) -> bytes:
    """The decision log's line of a batch (`decisionlog.render_batch`): every valid subject's
    key, and the positions of those whose answer is not a plain allow, by answer."""
    import json

    import numpy as np

    from xinyong.domain.idbatch import SubjectKeys
    from xinyong.storage.decisionlog import render_batch

    if isinstance(keys, SubjectKeys):
        valid = keys.valid()
        array = keys.json_array()
    else:
        valid = np.array([i for i, k in enumerate(keys) if k is not None], dtype=np.int64)
        array = json.dumps([keys[i] for i in valid.tolist()], ensure_ascii=False).encode()
    verdict = answers.verdict[valid]
    adverse = np.flatnonzero(verdict >= 0)
    order = adverse[np.argsort(verdict[adverse], kind="stable")]
    found, first = np.unique(verdict[order], return_index=True)
    groups = []
    split = np.split(order, first[1:]) if len(order) else []
    for v, where in zip(found.tolist(), split, strict=True):
        got = answers.verdicts[v]
        groups.append((got.outcome, [m.name for m in got.measures], where.tolist()))
    return render_batch(
        at=at or datetime.now(UTC),
        action=action,
        as_of=answers.as_of,
        pack_version=answers.pack_version,
        asked_by=asked_by,
        purpose=purpose,
        audience="relying_party",
        subject_keys=array,
        answers=groups,
    )


def batch_line(
    keys: Sequence[str | None],
    action: str,
    answers: Batch,
    asked_by: str | None,
    purpose: str | None,
    *,
    at: datetime | None = None,
) -> bytes | memoryview:
    """`batch_entry`'s bytes; where the compiled loops write the array of keys, the whole line
    is written by them straight into the buffer the log appends (`render_batch_into`)."""
    from functools import partial

    from xinyong.domain.idbatch import SubjectKeys
    from xinyong.storage.decisionlog import render_batch_into

    plan = keys.json_plan() if isinstance(keys, SubjectKeys) else None
    if plan is None or not isinstance(keys, SubjectKeys):
        return batch_entry(keys, action, answers, asked_by, purpose, at=at)
    valid, width, size = plan
    verdict = answers.verdict if len(valid) == len(keys) else answers.verdict[valid]
    verdicts = answers.verdicts

    def answer(v: int) -> tuple[str, tuple[str, ...]]:
        got = verdicts[v]
        return got.outcome, tuple(m.name for m in got.measures)

    return render_batch_into(
        at=at or datetime.now(UTC),
        action=action,
        as_of=answers.as_of,
        pack_version=answers.pack_version,
        asked_by=asked_by,
        purpose=purpose,
        audience="relying_party",
        verdict=verdict,
        answer=answer,
        keys_size=size,
        keys_room=2 + len(valid) * width,
        write_keys=partial(keys.json_into, valid=valid, width=width),
    )


def _open_hot(workspace: Workspace) -> HotPath | None:
    from xinyong.errors import SettingsError
    from xinyong.hotpath import HotPath
    from xinyong.storage.checkpoints import CheckpointStore

    s = workspace.settings
    pin = keys.pinned_from(s)
    if pin is not None:
        public = pin.public_key
    else:
        try:
            public = keys.signing_key_from(s).public_key()
        except (SettingsError, OSError):
            return None  # nothing to check the file's signature with: the slow path only
    store = CheckpointStore(s.path(s.checkpoint_dir), s.ledger_origin, public_key=public)
    return HotPath(workspace.hot_file(), store, workspace.pack)


def relied_records(
    pack: Pack,
    results: Results,
    key: str,
    action: str,
    entries: Callable[[], Sequence[Entry]] = tuple,
) -> list[int]:
    """The seqs of the records a decision on `action` rests on: the anchors of the subject's
    listings (in force or held) on the lists behind the measures touching the action, and on
    the lists those rest on; an officer's, those of the entity it is reached through. A measure
    triggered by a grade rests on every record the grade's scheme scores (a correction to any
    of them may move the grade): those of the subject's `entries` (read only then)."""
    from xinyong.decide import _with_upstream
    from xinyong.domain.measures import GradeTrigger, ListTrigger
    from xinyong.domain.record import EntryKind

    touching = [m for m in pack.measures.values() if action in m.actions]
    lists = _with_upstream(
        pack, sorted({m.trigger.list for m in touching if isinstance(m.trigger, ListTrigger)})
    )
    whose = {key} | {str(r[4]) for r in results["decisions"] if r[0] == key and r[4] is not None}
    found = {
        int(r[3])
        for r in results["listings"]
        if r[0] in whose and r[1] in lists and isinstance(r[3], int)
    }
    graded = {str(r[1]): str(r[3]) for r in results["scores"] if r[0] == key and r[3] is not None}
    scored: set[str] = set()
    for m in touching:
        t = m.trigger
        if isinstance(t, GradeTrigger) and graded.get(t.scheme) in t.grades:
            scheme = pack.schemes[t.scheme]
            scored |= {i.condition.record_type for i in scheme.items}
            if scheme.scorecard is not None:
                scored.add(scheme.scorecard.record_type)
    if scored:
        found |= {
            e.seq for e in entries() if e.entry_kind is EntryKind.record and e.record_type in scored
        }
    return sorted(found)
