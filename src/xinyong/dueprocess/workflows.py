"""The due-process workflows over one workspace: notices before listing, objections to a record
(review, decision, reconsideration), and credit restoration; each step a ledger entry with who
and when, each refusal with its reasons and the next remedy.

`Workspace.dueprocess` is the one instance the CLI and the API call. The state of every case is
a fold over its steps (`domain.dueprocess`), so it is read from the ledger each time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from xinyong.domain.catalogue import TieredDisplay
from xinyong.domain.dueprocess import (
    PENDING,
    Event,
    Notice,
    Objection,
    ObjectionRules,
    Restoration,
    RestorationRules,
    fold_objection,
    fold_restoration,
    restoration_problems,
    step_objection,
)
from xinyong.domain.record import Entry, EntryKind
from xinyong.domain.workflow import NewStep
from xinyong.dueprocess import ledger
from xinyong.dueprocess.channels import Message, subject_channel
from xinyong.dueprocess.holds import by_case, notices, objections
from xinyong.dueprocess.reach import Reach, reach
from xinyong.errors import InvalidInput, NotFound, Refused

if TYPE_CHECKING:
    from xinyong.domain.workdays import Due, WorkdayCalendar
    from xinyong.dueprocess.cases import Cases
    from xinyong.policy import Pack
    from xinyong.service import Workspace
    from xinyong.storage.base import LedgerStore


@dataclass(frozen=True)
class Display:
    """How long a record with a tiered display period is shown, and where its restoration is."""

    record_seq: int
    record_type: str
    tier: str
    decided_on: date
    may_apply_from: date
    ends_on: date  # display stops on this day with nobody acting (the tier's maximum)
    restored_on: date | None
    restoration: Restoration | None

    def state(self, today: date) -> str:
        if self.restored_on is not None and self.restored_on <= today:
            return f"restored on {self.restored_on}"
        if today >= self.ends_on:
            return f"display ended on {self.ends_on} (maximum period)"
        if today >= self.may_apply_from:
            return f"displayed until {self.ends_on}; restoration may be applied for"
        return f"displayed until {self.ends_on}; restoration from {self.may_apply_from}"


@dataclass(frozen=True)
class Overdue:
    case: str
    subject_key: str
    what: str


@dataclass(frozen=True)
class SubjectProcess:
    """A subject's due process: its notices, objections, restorations and displayed records."""

    subject_key: str
    notices: list[tuple[Notice, date | None]]  # with the day its listing takes effect
    objections: list[Objection]
    displays: list[Display]
    overdue: list[Overdue]


@dataclass(frozen=True)
class Outcome:
    """What a step did: the case as it stands, and for a correction, what it reached."""

    case: str
    state: str
    steps: list[Event]
    remedy: str
    objection: Objection | None = None
    restoration: Restoration | None = None
    notice: Notice | None = None
    reach: Reach | None = None


class DueProcess:
    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    @cached_property
    def cases(self) -> Cases:
        """The cases on behalf of an API key (cases.py): what the HTTP API calls."""
        from xinyong.dueprocess.cases import Cases

        return Cases(self)

    @property
    def pack(self) -> Pack:
        return self.ws.pack

    @property
    def cal(self) -> WorkdayCalendar:
        return self.ws.calendar

    def _day(self, on: date | None) -> date:
        return on or self.ws.today()

    def _objection_rules(self) -> ObjectionRules:
        rules = self.pack.due_process.objection
        if rules is None:
            raise Refused(
                f"pack {self.pack.name} has no objection workflow",
                reasons=["its pack.yaml has no due_process.objection"],
                remedy="object to the authority that made the record, outside xinyong",
            )
        return rules

    def _restoration_rules(self) -> RestorationRules:
        rules = self.pack.due_process.restoration
        if rules is None:
            raise Refused(
                f"pack {self.pack.name} has no restoration workflow",
                reasons=["its pack.yaml has no due_process.restoration"],
                remedy="apply to the authority that made the record, outside xinyong",
            )
        return rules

    def _own_record(self, store: LedgerStore, key: str, seq: int) -> Entry:
        found = ledger.entry(store, seq)
        if found is None or found.subject_key != key or found.entry_kind is not EntryKind.record:
            raise NotFound(f"entry {seq} is not a record about this subject")
        return found

    def _events(self, store: LedgerStore, key: str | None = None) -> list[Event]:
        return ledger.events(store, key)

    def _new_case(self, store: LedgerStore, prefix: str, on: date) -> str:
        taken = {e.case for e in self._events(store) if e.case.startswith(f"{prefix}-")}
        n = len(taken) + 1
        while f"{prefix}-{on.year}-{n:04d}" in taken:
            n += 1
        return f"{prefix}-{on.year}-{n:04d}"

    def _case(self, store: LedgerStore, case: str, *prefixes: str) -> list[Event]:
        found = by_case(self._events(store), *prefixes).get(case)
        if not found:
            raise NotFound(f"no case {case!r}")
        return found

    # -- notices ----------------------------------------------------------------------------------

    def issue_notice(
        self,
        identifier: str,
        record_seq: int,
        list_name: str,
        *,
        actor: str,
        reasons: str,
        to: str,
        on: date | None = None,
        scheme: str | None = None,
    ) -> Outcome:
        """Notify the subject, before listing, of the listing a record would start: the reasons,
        the basis, its rights and the deadline to object; send it through the notice channel,
        and record it issued and served."""
        day = self._day(on)
        cl = self.pack.lists.get(list_name)
        if cl is None or cl.notice is None or not cl.notice.workflow:
            raise InvalidInput(
                f"list {list_name!r} takes no notice served through the workflow",
                errors=[{"field": "list", "reason": "no `notice.workflow` in the pack"}],
            )
        if not reasons.strip():
            raise InvalidInput(
                "a notice states its reasons", errors=[{"field": "reasons", "reason": "empty"}]
            )
        key = self.ws.subject_key(identifier, scheme)
        assert cl.notice.objection_days is not None
        by = self.cal.period_due(day, cl.notice.objection_days)
        with self.ws.ledger(read_only=True) as store:
            record = self._own_record(store, key, record_seq)
            case = self._new_case(store, "NOT", day)
        from xinyong.decide import basis

        cites = "; ".join(
            b.text for b in basis(self.pack, (*cl.legal_basis, *cl.notice.legal_basis))
        )
        route = cl.objection.description.strip() if cl.objection is not None else ""
        body = "\n".join(
            [
                f"Notice {case} of {day}: before listing on {cl.title}.",
                f"Record: {record.record_type} {record.document_ref} by {record.provider}.",
                f"Reasons: {reasons.strip()}",
                f"Basis: {cites}",
                f"Your rights: you may object, in writing, until {_until(by)} (case {case}); "
                "the listing takes effect only after that day, and not while an objection filed "
                f"by then is decided. {route}",
            ]
        )
        sent = subject_channel(self.ws.settings).send(
            Message(to=to, subject=f"Notice before listing ({case})", body=body, case=case, on=day)
        )
        steps = [
            ledger.new_step(
                "notice.issued",
                actor=actor,
                on=day,
                case=case,
                record=record,
                attributes={
                    "list": list_name,
                    "reasons": reasons.strip(),
                    **due_attributes("objection_by", by),
                },
            ),
            ledger.new_step(
                "notice.served",
                actor=actor,
                on=day,
                case=case,
                record=record,
                attributes={"channel": sent.channel, "message_id": sent.message_id},
            ),
        ]
        stored = ledger.record(self.ws, steps)
        found = next(n for n in notices(self.pack, stored, self.cal))
        return Outcome(case, "served", stored, f"object by {by}", notice=found)

    # -- objections -------------------------------------------------------------------------------

    def file_objection(
        self,
        identifier: str,
        record_seq: int,
        *,
        grounds: str,
        on: date | None = None,
        scheme: str | None = None,
    ) -> Outcome:
        """The subject objects to one of its records (and the listings resting on it)."""
        rules = self._objection_rules()
        day = self._day(on)
        if not grounds.strip():
            raise InvalidInput(
                "an objection states its grounds",
                errors=[{"field": "grounds", "reason": "empty"}],
            )
        key = self.ws.subject_key(identifier, scheme)
        with self.ws.ledger(read_only=True) as store:
            record = self._own_record(store, key, record_seq)
            evs = self._events(store, key)
            current = objections(self.pack, evs, self.cal)
            waiting = [
                n.objection_by.pending
                for n in notices(self.pack, evs, self.cal)
                if n.record_seq == record_seq and n.objection_by and n.objection_by.pending
            ]
            case = self._new_case(store, "OBJ", day)
        pending = [o for o in current if o.record_seq == record_seq and o.open]
        if pending:
            o = pending[0]
            raise Refused(
                f"an objection to record {record_seq} is already open: {o.case}",
                reasons=[f"{o.case} is {o.state.value}"],
                remedy=o.next_remedy(),
            )
        review_by = self.cal.period_due(day, rules.review_days)
        step = ledger.new_step(
            "objection.filed",
            actor=key,
            on=day,
            case=case,
            record=record,
            attributes={
                "grounds": grounds.strip(),
                **due_attributes("review_by", review_by),
                # in time against a notice's period that cannot be computed yet, for good
                **({PENDING: waiting[0]} if waiting else {}),
            },
        )
        return self._objection_step(case, [], step, rules)

    def _objection_step(
        self,
        case: str,
        before: list[Event],
        step: NewStep,
        rules: ObjectionRules,
        acts: Sequence[dict[str, object]] = (),
    ) -> Outcome:
        # check the step against the case's state before anything is written
        candidate = Event(
            step.step_type.value,
            step.actor,
            step.on,
            -1,
            case,
            step.refers_to,
            dict(step.attributes),
        )
        current: Objection | None = None
        for e in before:
            current = step_objection(current, e, rules, self.cal)
        step_objection(current, candidate, rules, self.cal)
        stored = ledger.record(self.ws, [step], acts)
        result = current
        for e in stored:
            result = step_objection(result, e, rules, self.cal)
        assert result is not None
        return Outcome(case, result.state.value, stored, result.next_remedy(), objection=result)

    def _objection(self, case: str) -> tuple[list[Event], Entry, ObjectionRules]:
        rules = self._objection_rules()
        with self.ws.ledger(read_only=True) as store:
            steps = self._case(store, case, "objection.", "reconsideration.")
            seq = steps[0].refers_to
            record = ledger.entry(store, seq) if seq is not None else None
        if record is None:
            raise NotFound(f"case {case}: its record is not in the ledger")
        return steps, record, rules

    def review(self, case: str, *, actor: str, on: date | None = None) -> Outcome:
        steps, record, rules = self._objection(case)
        step = ledger.new_step(
            "objection.review", actor=actor, on=self._day(on), case=case, record=record
        )
        return self._objection_step(case, steps, step, rules)

    def decide(
        self,
        case: str,
        *,
        actor: str,
        upheld: bool,
        reasons: str,
        on: date | None = None,
        correct: dict[str, object] | None = None,
        reconsideration: bool = False,
    ) -> Outcome:
        """Decide an objection (or, `reconsideration`, its reconsideration): upheld — the record
        is revoked, or corrected to `correct` (the full set of attributes), in the same batch —
        or rejected; with reasons either way. An upheld decision reaches every past decision
        that rested on the record (`reach`)."""
        steps, record, rules = self._objection(case)
        day = self._day(on)
        attrs: dict[str, str | int | bool | None] = {"reasons": reasons.strip()}
        acts: list[dict[str, object]] = []
        if upheld:
            kind = EntryKind.correction if correct is not None else EntryKind.revocation
            self._check_act(record, kind, correct)
            attrs["outcome"] = "corrected" if correct is not None else "revoked"
            acts.append(ledger.act_row(record, kind, on=day, attributes=correct))
        if reconsideration:
            attrs["decision"] = "upheld" if upheld else "rejected"
            name = "reconsideration.decided"
        else:
            name = "objection.upheld" if upheld else "objection.rejected"
        step = ledger.new_step(
            name, actor=actor, on=day, case=case, record=record, attributes=attrs
        )
        done = self._objection_step(case, steps, step, rules, acts)
        if not upheld:
            return done
        reached = reach(self.ws, record, str(attrs["outcome"]), case, day)
        return Outcome(
            done.case, done.state, done.steps, done.remedy, objection=done.objection, reach=reached
        )

    def reconsider(self, case: str, *, grounds: str, on: date | None = None) -> Outcome:
        """The subject takes a rejection to reconsideration."""
        steps, record, rules = self._objection(case)
        assert record.subject_key is not None
        attrs: dict[str, str | int | bool | None] = {"grounds": grounds.strip()}
        by = fold_objection(steps, rules, self.cal).reconsider_by
        if by is not None and by.pending is not None:
            attrs[PENDING] = by.pending  # in time now, and so for good
        step = ledger.new_step(
            "reconsideration.filed",
            actor=record.subject_key,
            on=self._day(on),
            case=case,
            record=record,
            attributes=attrs,
        )
        return self._objection_step(case, steps, step, rules)

    def _check_act(self, record: Entry, kind: EntryKind, values: dict[str, object] | None) -> None:
        rt = self.pack.catalogue.record_types.get(record.record_type)
        allowed = rt.entry_kinds if rt is not None else frozenset()
        if rt is None or kind not in allowed:
            raise Refused(
                f"the catalogue does not allow a {kind.value} of {record.record_type}",
                reasons=[
                    f"{record.record_type} takes {', '.join(sorted(rt.entry_kinds) if rt else ())}"
                ],
                remedy="the authority that made the record acts on it through its provider",
            )
        if values is not None:
            problems = rt.check_attributes(values)
            if problems:
                raise InvalidInput(
                    "the corrected attributes do not fit the record type",
                    errors=[{"field": f"correct.{a}", "reason": why} for a, why in problems],
                )

    # -- restoration ------------------------------------------------------------------------------

    def displays(self, store: LedgerStore, key: str) -> list[Display]:
        """The subject's records with a tiered display period (NDRC Order No. 36)."""
        from xinyong.engines.reference_values import add_period

        rules = self.pack.due_process.restoration
        entries = store.entries(subject_key=key)
        restored: dict[int, date] = {}
        for e in entries:
            if e.entry_kind is EntryKind.restoration and e.refers_to is not None:
                restored[e.refers_to] = min(
                    e.decision_date, restored.get(e.refers_to, e.decision_date)
                )
        revoked = {e.refers_to for e in entries if e.entry_kind is EntryKind.revocation}
        cases = by_case(self._events(store, key), "restoration.")
        latest: dict[int, Restoration] = {}
        if rules is not None:
            for steps in cases.values():
                try:
                    r = fold_restoration(steps, rules, self.cal)
                except (Refused, ValueError):
                    continue
                latest[r.record_seq] = r
        out = []
        for e in entries:
            rt = self.pack.catalogue.record_types.get(e.record_type)
            if e.entry_kind is not EntryKind.record or e.seq in revoked or rt is None:
                continue
            d = rt.disclosure
            if not isinstance(d, TieredDisplay):
                continue
            tier = d.tiers.get(str(e.attribute_values().get(d.attribute)))
            if tier is None:
                continue
            out.append(
                Display(
                    record_seq=e.seq,
                    record_type=e.record_type,
                    tier=tier.name,
                    decided_on=e.decision_date,
                    may_apply_from=add_period(e.decision_date, tier.minimum),
                    ends_on=add_period(e.decision_date, tier.maximum),
                    restored_on=restored.get(e.seq),
                    restoration=latest.get(e.seq),
                )
            )
        return out

    def apply_restoration(
        self,
        identifier: str,
        record_seq: int,
        *,
        attested: Sequence[str],
        commitment: str = "",
        on: date | None = None,
        scheme: str | None = None,
    ) -> Outcome:
        """The subject applies to end the display of a record. An application the pack's
        conditions do not allow (before the minimum period, a condition not attested) is
        recorded and refused at once by the system, with the reasons and the next remedy."""
        rules = self._restoration_rules()
        day = self._day(on)
        key = self.ws.subject_key(identifier, scheme)
        names = {c.name for c in rules.conditions}
        unknown = sorted(set(attested) - names)
        if unknown:
            raise InvalidInput(
                f"unknown condition {unknown[0]!r}; the pack's: {', '.join(sorted(names))}",
                errors=[{"field": "attested", "reason": f"unknown: {u}"} for u in unknown],
            )
        if "public_credit_commitment" in attested and not commitment.strip():
            raise InvalidInput(
                "a public credit commitment is attested by its text",
                errors=[{"field": "commitment", "reason": "empty"}],
            )
        with self.ws.ledger(read_only=True) as store:
            record = self._own_record(store, key, record_seq)
            shown = next((d for d in self.displays(store, key) if d.record_seq == record_seq), None)
            case = self._new_case(store, "RES", day)
        if shown is None:
            raise Refused(
                f"record {record_seq} has no display period to restore",
                reasons=["only records with a tiered display period (by severity) are restored"],
                remedy="object to the record if it is wrong (`objection file`)",
            )
        if shown.restored_on is not None or day >= shown.ends_on:
            ended = shown.restored_on or shown.ends_on
            raise Refused(
                f"record {record_seq} is no longer displayed (since {ended})",
                reasons=[shown.state(day)],
                remedy="nothing to restore",
            )
        if shown.restoration is not None and shown.restoration.open:
            raise Refused(
                f"an application for record {record_seq} is pending: {shown.restoration.case}",
                reasons=["one application at a time"],
                remedy="wait for the authority's decision",
            )
        problems = restoration_problems(
            rules, applied_on=day, may_apply_from=shown.may_apply_from, attested=attested
        )
        steps = [
            ledger.new_step(
                "restoration.applied",
                actor=key,
                on=day,
                case=case,
                record=record,
                attributes={
                    "attested": ",".join(sorted(attested)),
                    "commitment": commitment.strip() or None,
                    "may_apply_from": str(shown.may_apply_from),
                    "display_ends": str(shown.ends_on),
                },
            )
        ]
        if problems:
            remedy = (
                f"apply again from {max(day, shown.may_apply_from)}, meeting every condition "
                f"({', '.join(sorted(names))}); display ends on {shown.ends_on} in any case"
            )
            steps.append(
                ledger.new_step(
                    "restoration.refused",
                    actor="system",
                    on=day,
                    case=case,
                    record=record,
                    attributes={"reasons": "; ".join(problems), "remedy": remedy},
                )
            )
        stored = ledger.record(self.ws, steps)
        result = fold_restoration(stored, rules, self.cal)
        return Outcome(
            case,
            result.state.value,
            stored,
            result.remedy or "the authority decides with reasons",
            restoration=result,
        )

    def decide_restoration(
        self,
        case: str,
        *,
        actor: str,
        granted: bool,
        reasons: str,
        on: date | None = None,
        remedy: str = "",
    ) -> Outcome:
        """The authority grants (the record's display stops: a restoration entry, in the same
        batch, effective at once and so within the pack's working days) or refuses, with
        reasons; a refusal names the next remedy."""
        rules = self._restoration_rules()
        day = self._day(on)
        with self.ws.ledger(read_only=True) as store:
            before = self._case(store, case, "restoration.")
            seq = before[0].refers_to
            record = ledger.entry(store, seq) if seq is not None else None
            assert record is not None and record.subject_key is not None
            shown = next(
                (d for d in self.displays(store, record.subject_key) if d.record_seq == seq), None
            )
        attrs: dict[str, str | int | bool | None] = {"reasons": reasons.strip()}
        acts: list[dict[str, object]] = []
        if granted:
            self._check_act(record, EntryKind.restoration, None)
            attrs |= due_attributes(
                "effect_by", self.cal.working_days_due(day, rules.effect_working_days)
            )
            acts.append(ledger.act_row(record, EntryKind.restoration, on=day))
        else:
            ends = f"; display ends on {shown.ends_on} in any case" if shown else ""
            attrs["remedy"] = (remedy.strip() or "apply again once the conditions are met") + ends
        name = "restoration.granted" if granted else "restoration.refused"
        step = ledger.new_step(
            name, actor=actor, on=day, case=case, record=record, attributes=attrs
        )
        candidate = Event(name, actor, day, -1, case, seq, dict(attrs))
        fold_restoration([*before, candidate], rules, self.cal)  # refuses a step out of turn
        stored = ledger.record(self.ws, [step], acts)
        result = fold_restoration([*before, *stored], rules, self.cal)
        return Outcome(
            case,
            result.state.value,
            stored,
            result.remedy or f"display stops by {result.effect_by}",
            restoration=result,
        )

    # -- reading ----------------------------------------------------------------------------------

    def subject(self, identifier: str, scheme: str | None = None) -> SubjectProcess:
        key = self.ws.subject_key(identifier, scheme)
        return self.of_key(key)

    def of_key(self, key: str) -> SubjectProcess:
        today = self.ws.today()
        with self.ws.ledger(read_only=True) as store:
            evs = self._events(store, key)
            objs = objections(self.pack, evs, self.cal)
            nots = notices(self.pack, evs, self.cal)
            shown = self.displays(store, key)
        noticed = [
            (n, n.effective_from([o for o in objs if o.record_seq == n.record_seq])) for n in nots
        ]
        late = [Overdue(o.case, key, w) for o in objs for w in o.overdue(today)]
        late += [
            Overdue(d.restoration.case, key, w)
            for d in shown
            if d.restoration is not None
            for w in d.restoration.overdue(today)
        ]
        return SubjectProcess(key, noticed, objs, shown, late)

    def overdue(self) -> list[Overdue]:
        """Every case the authorities are late with today, for them to act on."""
        with self.ws.ledger(read_only=True) as store:
            keys = sorted({e.subject_key for e in self._events(store) if e.subject_key})
        return [o for k in keys for o in self.of_key(k).overdue]


def due_attributes(name: str, due: Due) -> dict[str, str | int | bool | None]:
    """A deadline as a step records it (for the reader: the folds compute it again): its day,
    or, while pending, none and the earliest day with the year awaited."""
    if due.on is not None:
        return {name: due.on.isoformat()}
    return {
        name: None,
        f"{name}_not_before": due.not_before.isoformat(),
        f"{name}_pending": due.pending,
    }


def _until(by: Due) -> str:
    """The objection deadline as the notice tells the subject."""
    if by.on is not None:
        return by.on.isoformat()
    return (
        f"{by.not_before.isoformat()} at least: the last day depends on the State Council's "
        f"{by.pending} holiday arrangement, not published yet, and an objection filed before it "
        "is known is always in time"
    )


def parse_attributes(text: str | None) -> dict[str, object] | None:
    """Corrected attributes given as JSON text (the CLI's `--correct`)."""
    if text is None:
        return None
    try:
        found = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(
            f"--correct: not JSON ({exc})", errors=[{"field": "correct", "reason": "not JSON"}]
        ) from None
    if not isinstance(found, dict):
        raise InvalidInput(
            "--correct: a JSON object of the record's attributes",
            errors=[{"field": "correct", "reason": "not an object"}],
        )
    return found
