"""Due process as pure state machines: notices, objections, credit restoration, and the holds
they put on evaluation.

Every state change is a workflow step in the ledger (who, when, on which record); a case's state
is a fold over its steps, so it can be rebuilt from the ledger at any time and nothing else is
stored. A step that the state does not allow is refused (`errors.Refused`) with its reasons and
the next remedy, and is never recorded.

Deadlines come from the pack (`DueProcessRules`) and are counted on the working-day calendar:
a period of calendar days whose last day is not a working day ends on the next working day, and
"within N working days" counts working days only (`domain.workdays`). A deadline in a year whose
working-day arrangement is not known yet is a pending `Due`, decided in the subject's favour: the
subject is never late on it (an objection or a request for reconsideration is in time), the
authority is not flagged overdue on it (its earliest day is shown), and a listing whose objection
period ends on it does not take effect until the arrangement is loaded.

The rules the national pack states, in the project's words:

- objections (SPC Fa Shi [2017] No. 7 Arts 11-12): the court reviews within 15 days of a written
  objection and, if it is well-founded, corrects within 3 working days, else rejects it; the
  rejection may be taken to the next-higher court within 10 days, which decides within 15 days;
  the listing is not suspended during reconsideration. A wrongful listing is revoked, and
  inaccurate information corrected, within 3 working days (Art 9);
- notice (2020 Guiding Opinions, 国办发〔2020〕49号 para 8): before listing, the authority tells
  the party the reasons, the basis and its rights, and answers an objection within a set time;
- restoration (NDRC Order No. 36, in force 2026-04-01): negative information is displayed by
  severity — minor at most 3 months, general 3 months to 1 year, serious 1 to 3 years, from the
  document's date; the subject may apply after the minimum period, when the conduct is corrected
  and the duties performed, with a public credit commitment; the authority decides with reasons;
  display stops within 3 working days of a grant, and at the maximum period with nobody acting.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from xinyong.domain.catalogue import Citation
from xinyong.domain.workdays import Due, WorkdayCalendar
from xinyong.errors import Refused

# --- the pack's rules ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectionRules:
    review_days: int
    correction_working_days: int
    reconsideration_filing_days: int | None
    reconsideration_decision_days: int | None
    suspends: bool
    suspends_on_reconsideration: bool
    legal_basis: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class RestorationCondition:
    name: str
    description: str
    legal_basis: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class RestorationRules:
    conditions: tuple[RestorationCondition, ...]
    effect_working_days: int
    decision_days: int | None = None
    legal_basis: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class DueProcessRules:
    objection: ObjectionRules | None = None
    restoration: RestorationRules | None = None


# --- steps as the state machines read them -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One workflow step as the folds read it: its type (`objection.filed`), the actor, the day
    it takes effect, its ledger seq, the entry it refers to, and its details."""

    type: str
    actor: str
    on: date
    seq: int
    case: str  # the step's document reference: the case number every step of a case shares
    refers_to: int | None = None
    attributes: Mapping[str, object] = field(default_factory=dict)
    subject_key: str | None = None

    def text(self, name: str) -> str:
        value = self.attributes.get(name)
        return "" if value is None else str(value)


#: The attribute of a step taken while the subject's deadline it is measured against was pending
#: (the year awaited): the step is in time whatever that deadline turns out to be.
PENDING = "deadline_pending"


def _not_before(last: date | None, event: Event, what: str) -> None:
    if last is not None and event.on < last:
        raise Refused(
            f"{what}: a step cannot be dated before the step it follows",
            reasons=[f"dated {event.on}, the case's last step is dated {last}"],
            remedy=f"date the step {last} or later",
        )


# --- objections ----------------------------------------------------------------------------------


class ObjectionState(StrEnum):
    filed = "filed"
    under_review = "under_review"
    upheld = "upheld"
    rejected = "rejected"
    reconsideration = "reconsideration"
    upheld_on_reconsideration = "upheld_on_reconsideration"
    rejected_on_reconsideration = "rejected_on_reconsideration"


OPEN_OBJECTION = frozenset(
    {ObjectionState.filed, ObjectionState.under_review, ObjectionState.reconsideration}
)
UPHELD = frozenset({ObjectionState.upheld, ObjectionState.upheld_on_reconsideration})


@dataclass(frozen=True, slots=True)
class Objection:
    """An objection to one record (and the listings resting on it), as its steps leave it."""

    case: str
    record_seq: int
    state: ObjectionState
    filed_on: date
    review_by: Due
    last_on: date
    decided_on: date | None = None
    correct_by: Due | None = None
    outcome: str = ""  # upheld: corrected | revoked
    reasons: str = ""  # the decision's reasons (a rejection must give them)
    reconsider_by: Due | None = None
    reconsideration_filed_on: date | None = None
    reconsideration_by: Due | None = None
    reconsidered_on: date | None = None
    steps: tuple[int, ...] = ()
    # filed while the objection period of a notice on the record could not be computed (its
    # year's arrangement unknown): in time, whatever the period's end turns out to be
    in_time: bool = False

    @property
    def open(self) -> bool:
        return self.state in OPEN_OBJECTION

    def overdue(self, today: date) -> list[str]:
        """What the authority is late with on `today` (flagged to it)."""
        out = []
        reviewing = self.state in (ObjectionState.filed, ObjectionState.under_review)
        if reviewing and self.review_by.passed(today):
            out.append(f"review due by {self.review_by}, not decided")
        by = self.reconsideration_by
        if self.state is ObjectionState.reconsideration and by is not None and by.passed(today):
            out.append(f"reconsideration due by {by}, not decided")
        return out

    def suspensions(self, rules: ObjectionRules) -> list[tuple[date, date | None]]:
        """The intervals [from, until) in which the measures resting on the record are
        suspended, as the pack says (SPC Fa Shi [2017] No. 7 Art 12: not on reconsideration)."""
        out: list[tuple[date, date | None]] = []
        if rules.suspends:
            out.append((self.filed_on, self.decided_on))
        if rules.suspends_on_reconsideration and self.reconsideration_filed_on is not None:
            out.append((self.reconsideration_filed_on, self.reconsidered_on))
        return out

    def next_remedy(self) -> str:
        s = self.state
        if s in (ObjectionState.filed, ObjectionState.under_review):
            return f"the authority decides by {self.review_by}"
        if s is ObjectionState.rejected:
            if self.reconsider_by is not None:
                return f"ask for reconsideration by {self.reconsider_by}"
            return "the rejection is final in this workflow; object again on new grounds"
        if s is ObjectionState.reconsideration:
            return f"the reconsidering authority decides by {self.reconsideration_by}"
        if s in UPHELD:
            return f"the record is {self.outcome or 'corrected'} by {self.correct_by}"
        return "the decision on reconsideration is final; object again on new grounds"


def fold_objection(
    events: Sequence[Event], rules: ObjectionRules, cal: WorkdayCalendar
) -> Objection:
    """The objection its steps (in ledger order) describe; `Refused` at the first step the
    state does not allow."""
    found: Objection | None = None
    for e in events:
        found = step_objection(found, e, rules, cal)
    if found is None:
        raise ValueError("an objection needs its filing step")
    return found


def step_objection(
    current: Objection | None, e: Event, rules: ObjectionRules, cal: WorkdayCalendar
) -> Objection:
    """The objection after step `e`; `Refused` (with reasons and the next remedy) when the
    objection's state does not allow it."""
    t = e.type
    if current is None:
        if t != "objection.filed" or e.refers_to is None:
            raise Refused(
                f"{t}: no objection {e.case!r} has been filed",
                reasons=["an objection starts with its filing, naming the record objected to"],
                remedy="file the objection first (`objection file`)",
            )
        return Objection(
            case=e.case,
            record_seq=e.refers_to,
            state=ObjectionState.filed,
            filed_on=e.on,
            review_by=cal.period_due(e.on, rules.review_days),
            last_on=e.on,
            steps=(e.seq,),
            in_time=bool(e.attributes.get(PENDING)),
        )
    _not_before(current.last_on, e, t)
    s = current.state
    moved = replace(current, last_on=e.on, steps=(*current.steps, e.seq))
    if t == "objection.review" and s is ObjectionState.filed:
        return replace(moved, state=ObjectionState.under_review)
    if t in ("objection.upheld", "objection.rejected") and s in (
        ObjectionState.filed,
        ObjectionState.under_review,
    ):
        reasons = e.text("reasons").strip()
        if not reasons:
            raise Refused(
                f"{t}: a decision on an objection gives its reasons",
                reasons=["no reasons given"],
                remedy="state the reasons of the decision",
            )
        if t == "objection.upheld":
            return replace(
                moved,
                state=ObjectionState.upheld,
                decided_on=e.on,
                reasons=reasons,
                outcome=e.text("outcome") or "corrected",
                correct_by=cal.working_days_due(e.on, rules.correction_working_days),
            )
        days = rules.reconsideration_filing_days
        return replace(
            moved,
            state=ObjectionState.rejected,
            decided_on=e.on,
            reasons=reasons,
            reconsider_by=cal.period_due(e.on, days) if days is not None else None,
        )
    if t == "reconsideration.filed" and s is ObjectionState.rejected:
        if current.reconsider_by is None or rules.reconsideration_decision_days is None:
            raise Refused(
                "reconsideration.filed: this pack's objection workflow has no reconsideration",
                reasons=["the rejection is final in this workflow"],
                remedy="object again on new grounds, or take the decision to court",
            )
        # while its end is pending a request is never late (`Due.passed`), and one made then
        # stays in time once the end is known (the step says so: `PENDING`)
        if current.reconsider_by.passed(e.on) and not e.attributes.get(PENDING):
            raise Refused(
                "reconsideration.filed: too late",
                reasons=[
                    f"filed on {e.on}; reconsideration had to be asked for by "
                    f"{current.reconsider_by} ({rules.reconsideration_filing_days} days from "
                    f"the rejection on {current.decided_on})"
                ],
                remedy="the rejection is final; object again on new grounds",
            )
        return replace(
            moved,
            state=ObjectionState.reconsideration,
            reconsideration_filed_on=e.on,
            reconsideration_by=cal.period_due(e.on, rules.reconsideration_decision_days),
        )
    if t == "reconsideration.decided" and s is ObjectionState.reconsideration:
        outcome = e.text("decision")
        reasons = e.text("reasons").strip()
        if outcome not in ("upheld", "rejected") or not reasons:
            raise Refused(
                "reconsideration.decided: a decision says upheld or rejected, with reasons",
                reasons=[
                    f"decision {outcome or '(none)'}; reasons {'given' if reasons else 'missing'}"
                ],
                remedy="decide upheld or rejected and state the reasons",
            )
        if outcome == "upheld":
            return replace(
                moved,
                state=ObjectionState.upheld_on_reconsideration,
                reconsidered_on=e.on,
                reasons=reasons,
                outcome=e.text("outcome") or "corrected",
                correct_by=cal.working_days_due(e.on, rules.correction_working_days),
            )
        return replace(
            moved,
            state=ObjectionState.rejected_on_reconsideration,
            reconsidered_on=e.on,
            reasons=reasons,
        )
    raise Refused(
        f"{t}: not allowed on an objection that is {s.value}",
        reasons=[f"objection {current.case} is {s.value}"],
        remedy=current.next_remedy(),
    )


# --- notices -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice before listing, served on `served_on`: the subject may object until
    `objection_by`; the listing resting on `record_seq` takes effect after it."""

    case: str
    list_name: str
    record_seq: int
    issued_on: date
    served_on: date | None
    objection_by: Due | None
    channel: str = ""
    steps: tuple[int, ...] = ()

    def effective_from(self, objections: Iterable[Objection]) -> date | None:
        """The first day the listing may take effect (None: not yet, or never on this notice).

        The day after the objection period; when an objection to the record was filed within
        it, the day it is finally rejected (an upheld objection corrects or revokes the record,
        and the listing never takes effect on this notice).

        While the period's end is pending (its year's working-day arrangement is not known), the
        listing does not take effect: neither the day after the period nor which objections were
        filed within it can be told, and holding it is in the subject's favour."""
        if self.served_on is None or self.objection_by is None or self.objection_by.on is None:
            return None
        by = self.objection_by.on
        within = [o for o in objections if o.filed_on <= by or o.in_time]
        if not within:
            return by + timedelta(days=1)
        o = max(within, key=lambda o: o.filed_on)
        if o.state is ObjectionState.rejected and o.decided_on is not None:
            return o.decided_on
        if o.state is ObjectionState.rejected_on_reconsideration:
            return o.decided_on
        return None


def fold_notice(events: Sequence[Event], objection_days: int, cal: WorkdayCalendar) -> Notice:
    found: Notice | None = None
    for e in events:
        if e.type == "notice.issued" and found is None:
            if e.refers_to is None:
                raise ValueError("a notice names the record its listing would rest on")
            found = Notice(
                case=e.case,
                list_name=e.text("list"),
                record_seq=e.refers_to,
                issued_on=e.on,
                served_on=None,
                objection_by=None,
                steps=(e.seq,),
            )
        elif e.type == "notice.served" and found is not None and found.served_on is None:
            _not_before(found.issued_on, e, e.type)
            found = replace(
                found,
                served_on=e.on,
                objection_by=cal.period_due(e.on, objection_days),
                channel=e.text("channel"),
                steps=(*found.steps, e.seq),
            )
        else:
            raise Refused(
                f"{e.type}: not allowed on notice {e.case}",
                reasons=["a notice is issued once, then served once"],
                remedy="issue a new notice",
            )
    if found is None:
        raise ValueError("a notice needs its issuing step")
    return found


# --- credit restoration --------------------------------------------------------------------------


class RestorationState(StrEnum):
    applied = "applied"
    granted = "granted"
    refused = "refused"


@dataclass(frozen=True, slots=True)
class Restoration:
    case: str
    record_seq: int
    state: RestorationState
    applied_on: date
    decide_by: Due | None
    decided_on: date | None = None
    effect_by: Due | None = None
    reasons: str = ""
    remedy: str = ""
    steps: tuple[int, ...] = ()

    @property
    def open(self) -> bool:
        return self.state is RestorationState.applied

    def overdue(self, today: date) -> list[str]:
        if self.open and self.decide_by is not None and self.decide_by.passed(today):
            return [f"decision due by {self.decide_by}, not made"]
        return []


def restoration_problems(
    rules: RestorationRules,
    *,
    applied_on: date,
    may_apply_from: date,
    attested: Iterable[str],
) -> list[str]:
    """Why an application on `applied_on` cannot be granted: the minimum display period not yet
    reached, a condition of the pack not attested. Empty: it may be granted."""
    out = []
    if applied_on < may_apply_from:
        out.append(
            f"the minimum display period runs until {may_apply_from - timedelta(days=1)}; "
            f"an application is possible from {may_apply_from}"
        )
    given = set(attested)
    for c in rules.conditions:
        if c.name not in given:
            out.append(f"condition not met: {c.name} ({c.description.strip()})")
    return out


def fold_restoration(
    events: Sequence[Event], rules: RestorationRules, cal: WorkdayCalendar
) -> Restoration:
    found: Restoration | None = None
    for e in events:
        if e.type == "restoration.applied" and found is None:
            if e.refers_to is None:
                raise ValueError("an application names the record to restore")
            days = rules.decision_days
            found = Restoration(
                case=e.case,
                record_seq=e.refers_to,
                state=RestorationState.applied,
                applied_on=e.on,
                decide_by=cal.period_due(e.on, days) if days is not None else None,
                steps=(e.seq,),
            )
            continue
        if (
            found is None
            or not found.open
            or e.type
            not in (
                "restoration.granted",
                "restoration.refused",
            )
        ):
            state = found.state.value if found is not None else "not applied for"
            raise Refused(
                f"{e.type}: not allowed on restoration {e.case} ({state})",
                reasons=[f"the application is {state}"],
                remedy="apply again (`restoration apply`)" if found is not None else "apply first",
            )
        _not_before(found.applied_on, e, e.type)
        reasons = e.text("reasons").strip()
        if not reasons:
            raise Refused(
                f"{e.type}: the authority's decision gives its reasons",
                reasons=["no reasons given"],
                remedy="state the reasons of the decision",
            )
        if e.type == "restoration.granted":
            found = replace(
                found,
                state=RestorationState.granted,
                decided_on=e.on,
                effect_by=cal.working_days_due(e.on, rules.effect_working_days),
                reasons=reasons,
                steps=(*found.steps, e.seq),
            )
        else:
            found = replace(
                found,
                state=RestorationState.refused,
                decided_on=e.on,
                reasons=reasons,
                remedy=e.text("remedy"),
                steps=(*found.steps, e.seq),
            )
    if found is None:
        raise ValueError("a restoration needs its application step")
    return found


# --- what evaluation must hold -------------------------------------------------------------------


@dataclass(frozen=True)
class Holds:
    """What due process holds back, for one evaluation: the listings of workflow-notice lists
    that have taken effect (by list and anchor record: from which day), and the records whose
    measures are suspended while an objection is decided (by record: the intervals), and why a
    listing whose notice was served is still held (by list and anchor record: the explanation a
    decision gives the subject)."""

    notices: Mapping[tuple[str, int], date] = field(default_factory=dict)
    disputes: Mapping[int, tuple[tuple[date, date | None], ...]] = field(default_factory=dict)
    notes: Mapping[tuple[str, int], str] = field(default_factory=dict)

    def noticed(self, list_name: str, anchor_seq: int, day: date) -> bool:
        found = self.notices.get((list_name, anchor_seq))
        return found is not None and found <= day

    def disputed(self, anchor_seq: int, day: date) -> bool:
        return any(
            start <= day and (end is None or day < end)
            for start, end in self.disputes.get(anchor_seq, ())
        )

    def __bool__(self) -> bool:
        return bool(self.notices or self.disputes or self.notes)


def held_note(notice: Notice, objections: Iterable[Objection]) -> str:
    """Why the listing a served notice precedes is held until it takes effect (or for good)."""
    by = notice.objection_by
    if by is not None and by.on is None:
        return (
            f"held: the objection period's end cannot be computed until the {by.pending} "
            f"working-day arrangement is loaded (notice {notice.case} served on "
            f"{notice.served_on}; the period ends on {by.not_before} at the earliest)"
        )
    on = notice.effective_from(objections)
    if on is not None:
        return (
            f"held until {on}: notice {notice.case} served on {notice.served_on}, objections "
            f"until {by}"
        )
    case = f"notice {notice.case}, objections until {by}"
    return f"held: an objection to the record is decided ({case})"
