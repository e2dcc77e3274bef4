"""Due-process cases on behalf of an API key: who may act on which case, each step taken with
the key as its principal and the workspace's clock as its day, and cases read back as they
stand (state, deadlines, reasons, the next remedy, the steps with who and when).

Scope, deny by default:

- a **subject** key acts on and reads its own subject's records and cases only; another
  subject's record or case is `NotFound`, exactly like one that does not exist, so a subject
  cannot learn what is on another's file by trying numbers;
- an **authority** key bound to an authority (`Scope.authority`, as a provider's key is) acts
  on the cases about records that authority made (the record's `provider`), and on no others
  (`Forbidden`); an authority key bound to none acts on no case;
- an **auditor** reads every case and acts on none (the routes admit it to reads only).

The steps themselves are `DueProcess`'s (workflows.py), the same the CLI calls: nothing here
decides anything about a case. The day of every step is the workspace's `today`: over the API
neither the subject nor the authority chooses it (the CLI's `--on` is for the operator).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from xinyong.domain.access import ApiKey, Role
from xinyong.domain.dueprocess import (
    Event,
    Notice,
    Objection,
    Restoration,
    fold_notice,
    fold_objection,
    fold_restoration,
)
from xinyong.domain.workdays import Due
from xinyong.dueprocess import ledger
from xinyong.dueprocess.holds import by_case
from xinyong.errors import Forbidden, NotFound, Refused

if TYPE_CHECKING:
    from xinyong.dueprocess.workflows import Display, DueProcess, Outcome
    from xinyong.storage.base import LedgerStore

#: A case's kind, by the first part of its steps' types.
KINDS = {
    "notice.": "notice",
    "objection.": "objection",
    "reconsideration.": "objection",
    "restoration.": "restoration",
}


@dataclass(frozen=True)
class CaseStep:
    seq: int
    type: str
    actor: str
    on: date


@dataclass(frozen=True)
class Pending:
    """A deadline that cannot be computed until the working-day arrangement of `year` is known:
    it is `not_before` or later (and nobody is late on it meanwhile)."""

    not_before: date
    year: int


@dataclass(frozen=True)
class Case:
    """One case as its steps leave it, with the record it is about and whose that record is."""

    case: str
    kind: str  # notice | objection | restoration
    state: str
    open: bool
    subject_key: str
    record_seq: int
    record_type: str
    authority: str  # the record's provider: the authority whose case it is
    opened_on: date
    deadlines: dict[str, date]
    reasons: str
    remedy: str
    overdue: list[str]
    steps: list[CaseStep]
    pending: dict[str, Pending]


@dataclass(frozen=True)
class Stepped:
    """What one step did: the case as it now stands, the ledger entries the step appended, and
    for an upheld objection, the past decisions it reached and who was told."""

    case: Case
    recorded: list[int]
    reached: int | None = None
    notified: list[str] | None = None


class _State(NamedTuple):
    state: str
    open: bool
    deadlines: dict[str, date]
    reasons: str
    remedy: str
    overdue: list[str]
    pending: dict[str, Pending]


def _dates(**found: Due | date | None) -> dict[str, date]:
    """The deadlines whose day is known (a pending one is in `_pending`)."""
    out: dict[str, date] = {}
    for k, v in found.items():
        day = v.on if isinstance(v, Due) else v
        if day is not None:
            out[k] = day
    return out


def _pending(**found: Due | None) -> dict[str, Pending]:
    """The deadlines whose year has no known working-day arrangement yet."""
    return {
        k: Pending(v.not_before, v.pending)
        for k, v in found.items()
        if v is not None and v.on is None and v.pending is not None
    }


class Cases:
    def __init__(self, dueprocess: DueProcess) -> None:
        self.dp = dueprocess
        self.ws = dueprocess.ws

    # -- reading ----------------------------------------------------------------------------------

    def _read(self, store: LedgerStore, events: Sequence[Event]) -> list[Case]:
        pack, cal, today = self.dp.pack, self.dp.cal, self.ws.today()
        grouped = by_case(events, *KINDS)
        objections: dict[str, Objection] = {}
        rules = pack.due_process.objection
        out: list[Case] = []
        for name, steps in grouped.items():
            kind = next(k for p, k in KINDS.items() if steps[0].type.startswith(p))
            if kind == "objection" and rules is not None:
                try:
                    objections[name] = fold_objection(steps, rules, cal)
                except (Refused, ValueError):
                    continue  # never recorded by the service: a case it cannot read
        for name, steps in grouped.items():
            kind = next(k for p, k in KINDS.items() if steps[0].type.startswith(p))
            seq = steps[0].refers_to
            record = ledger.entry(store, seq) if seq is not None else None
            if record is None or record.subject_key is None:
                continue
            try:
                found = self._state(kind, name, steps, objections, today)
            except (Refused, ValueError):
                continue
            if found is None:
                continue
            out.append(
                Case(
                    case=name,
                    kind=kind,
                    subject_key=record.subject_key,
                    record_seq=record.seq,
                    record_type=record.record_type,
                    authority=record.provider,
                    opened_on=steps[0].on,
                    steps=[CaseStep(e.seq, e.type, e.actor, e.on) for e in steps],
                    **found._asdict(),
                )
            )
        return sorted(out, key=lambda c: c.steps[0].seq)

    def _state(
        self,
        kind: str,
        name: str,
        steps: list[Event],
        objections: dict[str, Objection],
        today: date,
    ) -> _State | None:
        pack, cal = self.dp.pack, self.dp.cal
        if kind == "objection":
            o = objections.get(name)
            if o is None:
                return None
            due = {
                "review_by": o.review_by,
                "reconsider_by": o.reconsider_by if o.state.value == "rejected" else None,
                "reconsideration_by": o.reconsideration_by,
                "correct_by": o.correct_by,
            }
            return _State(
                o.state.value,
                o.open,
                _dates(**due),
                o.reasons,
                o.next_remedy(),
                o.overdue(today),
                _pending(**due),
            )
        if kind == "restoration":
            rules = pack.due_process.restoration
            if rules is None:
                return None
            r = fold_restoration(steps, rules, cal)
            return _State(
                r.state.value,
                r.open,
                _dates(decide_by=r.decide_by, effect_by=r.effect_by),
                r.reasons,
                _restoration_remedy(r),
                r.overdue(today),
                _pending(decide_by=r.decide_by, effect_by=r.effect_by),
            )
        cl = pack.lists.get(steps[0].text("list"))
        days = cl.notice.objection_days if cl is not None and cl.notice is not None else None
        if days is None:
            return None
        n = fold_notice(steps, days, cal)
        effective = n.effective_from(o for o in objections.values() if o.record_seq == n.record_seq)
        return _State(
            "served" if n.served_on is not None else "issued",
            n.objection_by is not None and not n.objection_by.passed(today),
            _dates(objection_by=n.objection_by, takes_effect=effective),
            steps[0].text("reasons"),
            _notice_remedy(n, today),
            [],
            _pending(objection_by=n.objection_by),
        )

    def listing(
        self,
        *,
        subject_key: str | None = None,
        authority: str | None = None,
        kind: str | None = None,
        overdue: bool = False,
        open_only: bool = False,
        since: int | None = None,
    ) -> list[Case]:
        """The cases matching every filter given; `since`: only those with a step after that
        ledger seq (a cursor: the newest step of an earlier answer)."""
        with self.ws.ledger(read_only=True) as store:
            found = self._read(store, ledger.events(store, subject_key))
        return [
            c
            for c in found
            if (authority is None or c.authority == authority)
            and (kind is None or c.kind == kind)
            and (not overdue or c.overdue)
            and (not open_only or c.open)
            and (since is None or c.steps[-1].seq > since)
        ]

    def read(self, case: str) -> Case:
        with self.ws.ledger(read_only=True) as store:
            events = ledger.events(store)
            subject = next((e.subject_key for e in events if e.case == case), None)
            # the subject's other cases too: a notice's listing waits on its objections
            mine = [e for e in events if subject is not None and e.subject_key == subject]
            found = [c for c in self._read(store, mine) if c.case == case]
        if not found:
            raise NotFound(f"no case {case!r}")
        return found[0]

    def displays(self, subject_key: str) -> list[Display]:
        with self.ws.ledger(read_only=True) as store:
            return self.dp.displays(store, subject_key)

    # -- who may act ------------------------------------------------------------------------------

    def subject_of(self, key: ApiKey, identifier: str, scheme: str | None = None) -> str:
        """The subject key of `identifier`, if `key` may act for it (a subject key: its own
        only; an auditor reads any)."""
        found = self.ws.subject_key(identifier, scheme)
        if key.role is Role.subject and key.scope.subject_key != found:
            raise Forbidden("a subject key may act only for its own subject")
        if key.role not in (Role.subject, Role.auditor):
            raise Forbidden(f"a {key.role.value} key may not act for a subject")
        return found

    def own_case(self, key: ApiKey, identifier: str, case: str, scheme: str | None = None) -> Case:
        """A case of the subject `key` acts for; another subject's is not found, like none."""
        subject_key = self.subject_of(key, identifier, scheme)
        try:
            found = self.read(case)
        except NotFound:
            found = None
        if found is None or found.subject_key != subject_key:
            raise NotFound(f"no case {case!r} about this subject")
        return found

    @staticmethod
    def authority_of(key: ApiKey) -> str | None:
        """The authority whose cases `key` may list (None: every case, for an auditor)."""
        if key.role is Role.auditor:
            return None
        if key.role is not Role.authority:
            raise Forbidden(f"a {key.role.value} key may not read cases")
        if not key.scope.authority:
            raise Forbidden(
                "this authority key is bound to no authority, so it acts on no case; "
                "an admin issues one bound to the authority (`--authority`)"
            )
        return key.scope.authority

    def authorise(self, key: ApiKey, case: Case) -> None:
        """An authority key acts on the cases about its authority's records only."""
        mine = self.authority_of(key)
        if mine is not None and case.authority != mine:
            raise Forbidden(f"case {case.case} is not within this key's authority")

    def authority_case(self, key: ApiKey, case: str) -> Case:
        found = self.read(case)
        self.authorise(key, found)
        return found

    # -- the subject's steps ----------------------------------------------------------------------

    def file_objection(
        self, key: ApiKey, identifier: str, record: int, grounds: str, scheme: str | None = None
    ) -> Stepped:
        self.subject_of(key, identifier, scheme)
        out = self.dp.file_objection(identifier, record, grounds=grounds, scheme=scheme)
        return self._stepped(out)

    def reconsider(
        self, key: ApiKey, identifier: str, case: str, grounds: str, scheme: str | None = None
    ) -> Stepped:
        found = self.own_case(key, identifier, case, scheme)
        if found.kind != "objection":
            raise NotFound(f"no objection {case!r} about this subject")
        return self._stepped(self.dp.reconsider(case, grounds=grounds))

    def apply_restoration(
        self,
        key: ApiKey,
        identifier: str,
        record: int,
        *,
        attested: Sequence[str],
        commitment: str,
        scheme: str | None = None,
    ) -> Stepped:
        self.subject_of(key, identifier, scheme)
        out = self.dp.apply_restoration(
            identifier, record, attested=attested, commitment=commitment, scheme=scheme
        )
        return self._stepped(out)

    # -- the authority's steps --------------------------------------------------------------------

    def issue_notice(
        self,
        key: ApiKey,
        identifier: str,
        record: int,
        list_name: str,
        *,
        reasons: str,
        to: str,
        scheme: str | None = None,
    ) -> Stepped:
        """A notice before listing, on a record of the key's authority about `identifier`."""
        mine = self.authority_of(key)
        subject_key = self.ws.subject_key(identifier, scheme)
        with self.ws.ledger(read_only=True) as store:
            found = ledger.entry(store, record)
        if found is None or found.subject_key != subject_key:
            raise NotFound(f"entry {record} is not a record about this subject")
        if found.provider != mine:
            raise Forbidden(f"record {record} is not within this key's authority")
        out = self.dp.issue_notice(
            identifier,
            record,
            list_name,
            actor=key.principal,
            reasons=reasons,
            to=to,
            scheme=scheme,
        )
        return self._stepped(out)

    def review(self, key: ApiKey, case: str) -> Stepped:
        self.authority_case(key, case)
        return self._stepped(self.dp.review(case, actor=key.principal))

    def decide(
        self,
        key: ApiKey,
        case: str,
        *,
        upheld: bool,
        reasons: str,
        correct: Mapping[str, object] | None = None,
        reconsideration: bool = False,
    ) -> Stepped:
        self.authority_case(key, case)
        out = self.dp.decide(
            case,
            actor=key.principal,
            upheld=upheld,
            reasons=reasons,
            correct=None if correct is None else dict(correct),
            reconsideration=reconsideration,
        )
        return self._stepped(out)

    def decide_restoration(
        self, key: ApiKey, case: str, *, granted: bool, reasons: str, remedy: str = ""
    ) -> Stepped:
        self.authority_case(key, case)
        out = self.dp.decide_restoration(
            case, actor=key.principal, granted=granted, reasons=reasons, remedy=remedy
        )
        return self._stepped(out)

    def _stepped(self, out: Outcome) -> Stepped:
        reached = out.reach
        return Stepped(
            case=self.read(out.case),
            recorded=[e.seq for e in out.steps],
            reached=None if reached is None else len(reached.decisions),
            notified=None if reached is None else [party for party, _ in reached.notified],
        )


def _restoration_remedy(r: Restoration) -> str:
    if r.open:
        by = f" by {r.decide_by}" if r.decide_by is not None else ""
        return f"the authority decides with reasons{by}"
    if r.effect_by is not None:
        return f"display stops by {r.effect_by}"
    return r.remedy or "apply again once the conditions are met"


def _notice_remedy(n: Notice, today: date) -> str:
    if n.objection_by is None:
        return "the notice is served before the period to object runs"
    if not n.objection_by.passed(today):
        return f"object by {n.objection_by}"
    return "the period to object has ended; the record may still be objected to"
