"""The pure-Python reference evaluator: `docs/concepts/evaluation.md` read literally, one subject
at a time.

It is the yardstick the SQL engines are held to (conformance and property tests) and what a
single-subject check can run without a database. It does no IO and knows no SQL: rows in
`results.ENTRY_COLUMNS` order in, the five `results.RELATIONS` out.

A pack is compiled once into a `Plan` (lists in dependency order, attribute specs and
disclosure rules by record type, cap buckets) so that evaluating many subjects does not re-read
the pack for each. Within a subject, the records matching each condition on *D* are computed
once and shared by every rule that names the condition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from xinyong.domain.catalogue import FixedDisplay, Period, Scalar, TieredDisplay, UntilExitDisplay
from xinyong.domain.dueprocess import Holds
from xinyong.domain.lists import (
    Condition,
    CreditList,
    EntryRule,
    ExitEvent,
    Extension,
    ListCondition,
    RecordCondition,
    SubjectCondition,
)
from xinyong.domain.measures import GradeTrigger, ListTrigger, MeasureKind
from xinyong.domain.record import EntryKind
from xinyong.domain.results import (
    BARRED,
    DISPUTED,
    ENDED,
    ENTRY_COLUMNS,
    EXCLUDED,
    LISTED,
    NOTICE_MISSING,
    RESTRICT,
    REWARD,
    Results,
    Row,
)
from xinyong.domain.scoring import ScoringScheme
from xinyong.engines.reference_plan import Plan, compile_plan, plan_of
from xinyong.engines.reference_values import (
    add_period,
    as_date,
    capped_points,
    earliest,
    parse_attributes,
    passes,
    shares,
    typed_attributes,
)
from xinyong.policy.pack import Pack

__all__ = [
    "Plan",
    "add_period",
    "compile_plan",
    "evaluate",
    "evaluate_subject",
    "linked_entities",
]


# --- entry points -------------------------------------------------------------------------------


def evaluate(
    pack: Pack | Plan, entries: Iterable[Row], as_of: date, *, holds: Holds | None = None
) -> Results:
    """Evaluate every subject of `entries` (rows in `ENTRY_COLUMNS` order) as of `as_of`.

    Subjects are independent: this is the concatenation of `evaluate_subject` over the rows of
    each `subject_key`, in key order. `holds` are the due-process facts the ledger's records do
    not hold (notices served through the workflow, records under objection): without them, a
    listing needing a workflow notice is held (`notice_missing`), as on every engine.
    """
    plan = plan_of(pack)
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in _records_only(entries):
        groups[row[_KEY]].append(row)
    out = Results(as_of=as_of, pack_version=plan.pack_version)
    links: list[tuple[str, str, str]] = []
    for key in sorted(groups):
        subject = _Subject(plan, key, groups[key], as_of, holds=holds)
        subject.run(out.relations)
        links.extend((key, entity, role) for entity, role in subject.links)
    _reach_officers(plan, out.relations["decisions"], links)
    if holds is not None:
        out.notes.update(holds.notes)
    return out


def evaluate_subject(
    pack: Pack | Plan,
    entries: Sequence[Row],
    as_of: date,
    *,
    explain: bool = False,
    subject_key: str | None = None,
    holds: Holds | None = None,
) -> Results:
    """Evaluate one subject's entries as of `as_of`; ValueError if they are about several.

    With `subject_key`, the entries may also include those of the entities the subject's
    officer records name (`linked_entities`: a measure on such an entity may reach it), and
    only the subject's rows are returned.

    With `explain`, `Results.explained` also holds the subject's would-be listings that are not
    in force on D and why: excluded, barred, or ended (by which exit, on which day, on which
    record). They change nothing in the five relations.
    """
    plan = plan_of(pack)
    entries = list(_records_only(entries))
    if subject_key is not None:
        full = evaluate(plan, entries, as_of, holds=holds)
        for name, rows in full.relations.items():
            full.relations[name] = [r for r in rows if r[0] == subject_key]
        if explain:
            own = [r for r in entries if r[_KEY] == subject_key]
            scratch = Results(as_of=as_of, pack_version=plan.pack_version)
            _Subject(plan, subject_key, own, as_of, explain=True, holds=holds).run(
                scratch.relations, full.explained
            )
        return full
    out = Results(as_of=as_of, pack_version=plan.pack_version)
    keys = {row[_KEY] for row in entries}
    if len(keys) > 1:
        raise ValueError(f"entries of {len(keys)} subjects given; use evaluate()")
    if keys:
        subject = _Subject(plan, keys.pop(), entries, as_of, explain=explain, holds=holds)
        subject.run(out.relations, out.explained)
    if holds is not None:
        out.notes.update(holds.notes)
    return out


def linked_entities(pack: Pack | Plan, entries: Iterable[Row]) -> set[str]:
    """The subject keys of the entities that officer records among `entries` name (any entry
    of such a type, so possibly more than hold on a given date): what a single subject's
    evaluation must read beside its own entries."""
    plan = plan_of(pack)
    out: set[str] = set()
    for row in _records_only(entries):
        role = plan.officers.get(row[_TYPE])
        if role is None:
            continue
        value = parse_attributes(row[_ATTRS]).get(role.entity)
        if isinstance(value, str) and value:
            out.add(f"{role.scheme}:{value}")
    return out


def _records_only(entries: Iterable[Row]) -> Iterator[Row]:
    """The entries evaluation reads: workflow steps (`domain/workflow.py`) are not records, and
    nothing a pack says reaches them."""
    return (r for r in entries if r[_KIND] != EntryKind.step)


def _reach_officers(
    plan: Plan, decisions: list[Row], links: Sequence[tuple[str, str, str]]
) -> None:
    """Officers: a measure reaching a role applies to the person holding that role in an entity
    on D whenever it applies to the entity itself (docs/concepts/evaluation.md, "Officers")."""
    if not links:
        return
    by_entity: dict[str, list[Row]] = defaultdict(list)
    for row in decisions:
        by_entity[row[0]].append(row)
    found: dict[Row, None] = {}
    for holder, entity, role in links:
        for key, action, measure, outcome, _via, _role in by_entity.get(entity, ()):
            if (measure, role) in plan.reached:
                found[(holder, action, measure, outcome, key, role)] = None
    decisions.extend(found)


# --- one subject --------------------------------------------------------------------------------

_SEQ, _KIND, _REFERS, _TYPE, _KEY, _SUBJECT_KIND, _BIRTH, _DECIDED, _ATTRS = (
    ENTRY_COLUMNS.index(c)
    for c in (
        "seq",
        "entry_kind",
        "refers_to",
        "record_type",
        "subject_key",
        "subject_kind",
        "subject_birth_date",
        "decision_date",
        "attributes",
    )
)


@dataclass(slots=True)
class _Record:
    """A record as of D: its attributes after corrections, in their types, and the dates of the
    acts noted on it."""

    seq: int
    record_type: str
    decided: date
    attrs: dict[str, Scalar]
    fulfilled_on: date | None = None
    restored_on: date | None = None
    fulfilled_by: int | None = None  # the act's sequence number (explanations name it)
    restored_by: int | None = None

    def key(self) -> tuple[date, int]:
        return (self.decided, self.seq)


@dataclass(frozen=True, slots=True)
class _Listing:
    list_name: str
    rule_name: str
    anchor_seq: int
    via_list: str | None
    since: date
    until: date | None
    status: str
    reason: str | None = None
    reason_seq: int | None = None


@dataclass(slots=True)
class _Anchor:
    """What a listing rests on: a record (with attributes `same` compares), or a listing of
    another list (`root` is the record that listing rests on; `same` matches on its attributes)."""

    since: date
    anchor_seq: int
    record: _Record | None
    root: _Record | None
    via_list: str | None = None
    until_cap: date | None = None


@dataclass
class _Subject:
    plan: Plan
    key: str
    rows: Sequence[Row]
    as_of: date
    explain: bool = False  # keep would-be listings not in force, with why (`EXPLAINED_COLUMNS`)
    holds: Holds | None = None
    kind: str = ""
    birth: date | None = None
    records: dict[int, _Record] = field(default_factory=dict)
    live: dict[str, list[_Record]] = field(default_factory=dict)
    # (entity key, role) of each role the subject holds on D through an officer record
    links: list[tuple[str, str]] = field(default_factory=list)
    _matches: dict[int, list[_Record]] = field(default_factory=dict)

    def run(self, out: dict[str, list[Row]], explained: list[Row] | None = None) -> None:
        rows = sorted((r for r in self.rows if as_date(r[_DECIDED]) <= self.as_of), key=_seq)
        if not rows:
            return
        self.kind = str(rows[0][_SUBJECT_KIND])
        births = [as_date(r[_BIRTH]) for r in rows if r[_BIRTH] is not None]
        # the latest birth date on file makes the subject youngest: the least burdensome reading
        # when providers disagree
        self.birth = max(births) if births else None
        self._load(rows)

        listings = self._listings()
        memberships = self._memberships(listings)
        grades = self._scores(out)
        key = self.key
        for x in listings:
            row = (key, x.list_name, x.rule_name, x.anchor_seq, x.via_list, x.since, x.until)
            if x.status in (LISTED, NOTICE_MISSING, DISPUTED):
                out["listings"].append((*row, x.status))
            elif explained is not None:
                explained.append((*row, x.status, x.reason, x.reason_seq))
        out["memberships"].extend((key, *m) for m in memberships)
        self._decisions(out, {m[0] for m in memberships}, grades)
        self._links()

    def _links(self) -> None:
        for rtype, role in self.plan.officers.items():
            for r in self.live.get(rtype, ()):
                start, end = r.attrs.get(role.start), r.attrs.get(role.end or "")
                entity, held = r.attrs.get(role.entity), r.attrs.get(role.role)
                if not isinstance(start, date) or start > self.as_of:
                    continue
                if isinstance(end, date) and not self.as_of < end:
                    continue
                if entity is not None and held is not None:
                    self.links.append((f"{role.scheme}:{entity}", str(held)))

    # --- records as of D --------------------------------------------------------------------

    def _load(self, rows: list[Row]) -> None:
        acts: dict[int, list[Row]] = defaultdict(list)
        raw: dict[int, Row] = {}
        for r in rows:
            if r[_KIND] == EntryKind.record:
                raw[r[_SEQ]] = r
            elif r[_REFERS] is not None:
                acts[r[_REFERS]].append(r)
        for seq, r in raw.items():
            own = sorted(acts.get(seq, ()), key=_decided_then_seq)
            if any(a[_KIND] == EntryKind.revocation for a in own):
                continue
            attrs = r[_ATTRS]
            for a in own:
                if a[_KIND] == EntryKind.correction:
                    attrs = a[_ATTRS]  # sorted: the last one is the latest
            rec = _Record(
                seq,
                r[_TYPE],
                as_date(r[_DECIDED]),
                typed_attributes(self.plan.specs.get(r[_TYPE], {}), parse_attributes(attrs)),
            )
            for a in own:
                if a[_KIND] == EntryKind.fulfilment and rec.fulfilled_on is None:
                    rec.fulfilled_on = as_date(a[_DECIDED])
                    rec.fulfilled_by = int(a[_SEQ])
                elif a[_KIND] == EntryKind.restoration and rec.restored_on is None:
                    rec.restored_on = as_date(a[_DECIDED])
                    rec.restored_by = int(a[_SEQ])
            self.records[seq] = rec

        by_type: dict[str, list[_Record]] = defaultdict(list)
        for rec in self.records.values():
            by_type[rec.record_type].append(rec)
        for recs in by_type.values():
            recs.sort(key=_Record.key)
        for rtype, recs in by_type.items():
            live = [r for r in recs if self._live(r, by_type)]
            if live:
                self.live[rtype] = live

    def _live(self, rec: _Record, by_type: Mapping[str, list[_Record]]) -> bool:
        end = self._display_end(rec, by_type)
        return rec.decided <= self.as_of and (end is None or self.as_of < end)

    def _display_end(self, rec: _Record, by_type: Mapping[str, list[_Record]]) -> date | None:
        disclosure = self.plan.disclosures.get(rec.record_type)
        if isinstance(disclosure, FixedDisplay):
            return add_period(rec.decided, disclosure.period)
        if isinstance(disclosure, TieredDisplay):
            tier = disclosure.tiers.get(str(rec.attrs.get(disclosure.attribute)))
            if tier is None:
                return rec.decided  # no tier, no display period: it never counts
            return earliest(add_period(rec.decided, tier.maximum), rec.restored_on)
        if isinstance(disclosure, UntilExitDisplay):
            ends: list[date | None] = []
            if EntryKind.fulfilment in disclosure.entry_kinds:
                ends.append(rec.fulfilled_on)
            if EntryKind.restoration in disclosure.entry_kinds:
                ends.append(rec.restored_on)
            for rtype in disclosure.record_types:
                ends.append(
                    next(
                        (
                            other.decided
                            for other in by_type.get(rtype, ())
                            if other.seq != rec.seq
                            and other.decided >= rec.decided
                            and shares(other.attrs, rec.attrs, disclosure.same)
                        ),
                        None,
                    )
                )
            return earliest(*ends)
        return None  # not displayed: it counts for as long as it stands

    # --- conditions ---------------------------------------------------------------------------

    def _matching(self, cond: RecordCondition) -> list[_Record]:
        """Live records of the condition's type passing its `where` and `within`, in order of
        decision date then ledger order."""
        found = self._matches.get(id(cond))
        if found is None:
            found = [
                r
                for r in self.live.get(cond.record_type, ())
                if passes(r.attrs, cond.where)
                and (cond.within is None or self.as_of < add_period(r.decided, cond.within))
            ]
            self._matches[id(cond)] = found
        return found

    def _candidates(self, cond: RecordCondition, anchor: _Anchor | None) -> list[_Record] | None:
        """The records a condition counts for a listing; None when it cannot hold at all (a
        `same` condition of a listing without an anchor record)."""
        found = self._matching(cond)
        if not cond.same:
            return found
        # a listing anchored on a listing matches on the record that one rests on (its root)
        held = None if anchor is None else (anchor.record or anchor.root)
        if held is None:
            return None
        attrs = held.attrs
        return [r for r in found if shares(r.attrs, attrs, cond.same)]

    def _holds(self, cond: Condition, anchor: _Anchor | None, listed: _Listed) -> bool:
        if isinstance(cond, ListCondition):
            return any(x.status == LISTED for x in listed.get(cond.list, ()))
        found = self._candidates(cond, anchor)
        return found is not None and len(found) >= cond.at_least

    def _first_met(self, conds: Sequence[RecordCondition], anchor: _Anchor) -> _Record | None:
        """The record on whose decision date every condition is first met by records decided on
        or after the listing's start: for each condition its `at_least`-th such record, and of
        those the latest (the first condition's on a tie)."""
        if not conds:
            return None
        met: list[_Record] = []
        for cond in conds:
            found = self._candidates(cond, anchor)
            if found is None:
                return None
            after = [r for r in found if r.decided >= anchor.since]
            if len(after) < cond.at_least:
                return None
            met.append(after[max(cond.at_least, 1) - 1])
        last = max(r.decided for r in met)
        return next(r for r in met if r.decided == last)

    # --- lists --------------------------------------------------------------------------------

    def _listings(self) -> list[_Listing]:
        listed: _Listed = {}
        out: list[_Listing] = []
        for lst in self.plan.lists:
            if self.kind not in lst.subject_kinds:
                continue
            found: list[_Listing] = []
            for rule in lst.entry:
                for anchor in self._anchors(rule, listed):
                    listing = self._listing(lst, rule, anchor, listed)
                    if listing is not None:
                        found.append(listing)
            listed[lst.name] = found
            out.extend(found)
        return out

    def _anchors(self, rule: EntryRule, listed: _Listed) -> list[_Anchor]:
        head = rule.anchor
        if isinstance(head, ListCondition):
            # explaining, an ended listing upstream anchors one here too: it ended with it
            anchoring = (LISTED, ENDED) if self.explain else (LISTED,)
            return [
                _Anchor(
                    since=x.since,
                    anchor_seq=x.anchor_seq,
                    record=None,
                    root=self.records.get(x.anchor_seq),
                    via_list=head.list,
                    until_cap=x.until,
                )
                for x in listed.get(head.list, ())
                if x.status in anchoring
            ]
        found = self._matching(head)
        return [
            _Anchor(since=r.decided, anchor_seq=r.seq, record=r, root=r)
            for r in found[max(head.at_least, 1) - 1 :]
        ]

    def _listing(
        self, lst: CreditList, rule: EntryRule, anchor: _Anchor, listed: _Listed
    ) -> _Listing | None:
        if not all(self._holds(c, anchor, listed) for c in rule.when[1:]):
            return None

        def held(status: str, until: date | None, why: str | None, seq: int | None) -> _Listing:
            return _Listing(
                lst.name, rule.name, anchor.anchor_seq, anchor.via_list, anchor.since, until,
                status, why, seq,
            )  # fmt: skip

        # An exclusion is about the subject or the whole list, so it is named before the rule's
        # own `unless`; both only matter to an explanation, never to the relations.
        for exc in lst.exclusions:
            tests: list[bool] = []
            if exc.when:
                tests.append(all(self._holds(c, anchor, listed) for c in exc.when))
            if exc.subject is not None:
                tests.append(self._subject_matches(exc.subject, anchor.since))
            if tests and all(tests):
                if not self.explain:
                    return None
                return held(EXCLUDED, None, exc.name, self._first_seq(exc.when, anchor))
        for cond in rule.unless:
            if self._holds(cond, anchor, listed):
                if not self.explain:
                    return None
                return held(BARRED, None, cond.record_type, self._first_seq((cond,), anchor))
        until, why, seq = self._until(lst, rule, anchor, listed)
        notified = self._notified(lst, anchor)
        if not (anchor.since <= self.as_of and (until is None or self.as_of < until)):
            # a listing held for want of notice never stood, so it never "ended"
            if self.explain and notified and until is not None and until <= self.as_of:
                return held(ENDED, until, why, seq)
            return None
        status = LISTED if notified else NOTICE_MISSING
        if status == LISTED and self.holds and self.holds.disputed(anchor.anchor_seq, self.as_of):
            status = DISPUTED
        return held(status, until, None, None)

    def _first_seq(self, conds: Sequence[RecordCondition], anchor: _Anchor) -> int | None:
        """The first record (by decision date, then ledger order) the first condition counts."""
        for cond in conds[:1]:
            found = self._candidates(cond, anchor)
            if found:
                return found[0].seq
        return None

    def _subject_matches(self, cond: SubjectCondition, on: date) -> bool:
        if cond.kinds and self.kind not in cond.kinds:
            return False
        if cond.age_under is not None:
            # an unknown age excludes nobody: enterprises have none, and guessing one for a
            # person would list or spare them on no evidence
            if self.birth is None:
                return False
            return on < add_period(self.birth, Period(years=cond.age_under))
        return bool(cond.kinds)

    def _until(
        self, lst: CreditList, rule: EntryRule, anchor: _Anchor, listed: _Listed
    ) -> tuple[date | None, str | None, int | None]:
        """When the listing ends (None: open), by which exit rule (None: its term, or the listing
        it rests on), on which ledger entry. On a tie the exit rules win, in pack order."""
        term_end: date | None = None
        if rule.term is not None:
            term_end = add_period(anchor.since, rule.term)
            # each extension that holds lengthens it by the length its records order (the
            # largest ordered), or by its minimum; the longest of those applies
            longest = term_end
            for ext in rule.extensions:
                if all(self._holds(c, anchor, listed) for c in ext.when):
                    longest = max(longest, add_period(term_end, self._extension(ext, anchor)))
            term_end = longest
        ends: list[tuple[date | None, str | None, int | None]] = []
        root = anchor.root
        for rule_exit in lst.exit:
            if not rule_exit.ends(rule.name):
                continue
            event, name = rule_exit.event, rule_exit.name
            if event is ExitEvent.term_elapsed:
                ends.append((term_end, name, None))
            elif event is ExitEvent.fulfilment and root is not None:
                ends.append((root.fulfilled_on, name, root.fulfilled_by))
            elif event is ExitEvent.restoration and root is not None:
                ends.append((root.restored_on, name, root.restored_by))
            elif event is None:
                met = self._first_met(rule_exit.when, anchor)
                if met is not None:
                    ends.append((met.decided, name, met.seq))
            # a revocation removes the anchor record, and with it the listing
        ends += [(term_end, None, None), (anchor.until_cap, None, None)]
        until = earliest(*(end[0] for end in ends))
        if until is None:
            return None, None, None
        return next(end for end in ends if end[0] == until)

    def _extension(self, ext: Extension, anchor: _Anchor) -> Period:
        if ext.length is None:
            return ext.minimum
        name = ext.length.attribute
        ordered = [
            int(v)
            for r in self._candidates(ext.when[0], anchor) or ()
            if isinstance(v := r.attrs.get(name), int)
        ]
        return ext.period_for(max(ordered) if ordered else None)

    def _notified(self, lst: CreditList, anchor: _Anchor) -> bool:
        notice = lst.notice
        if notice is None or not notice.before_listing:
            return True
        if notice.workflow and not (
            self.holds is not None and self.holds.noticed(lst.name, anchor.anchor_seq, self.as_of)
        ):
            return False
        for cond in notice.when:
            found = self._candidates(cond, anchor)
            if found is None:
                return False
            wait = notice.wait
            before = [
                r
                for r in found
                if (r.decided if wait is None else add_period(r.decided, wait)) <= anchor.since
            ]
            if len(before) < cond.at_least:
                return False
        return True

    @staticmethod
    def _memberships(listings: list[_Listing]) -> list[tuple[str, date, date | None, int]]:
        by_list: dict[str, list[_Listing]] = {}
        for x in listings:
            if x.status == LISTED:
                by_list.setdefault(x.list_name, []).append(x)
        out = []
        for name, xs in by_list.items():
            untils = [x.until for x in xs]
            open_ = any(u is None for u in untils)
            until = None if open_ else max(u for u in untils if u is not None)
            out.append((name, min(x.since for x in xs), until, len(xs)))
        return out

    # --- schemes and measures -----------------------------------------------------------------

    def _scores(self, out: dict[str, list[Row]]) -> dict[str, str]:
        grades: dict[str, str] = {}
        for plan in self.plan.schemes:
            scheme = plan.scheme
            if self.kind not in scheme.subject_kinds:
                continue
            if scheme.scorecard is not None:
                self._scorecard(out, scheme, grades)
                continue
            total = scheme.base
            caps: list[str] = []
            for it in plan.items:
                found = self._matching(it.item.condition)
                if not found:
                    continue
                points = capped_points(
                    it.item.points, it.item.cap, it.bucket, (r.decided for r in found)
                )
                total += points
                if it.grade_at_most is not None:
                    caps.append(it.grade_at_most)
                out["score_items"].append((self.key, scheme.name, it.item.name, len(found), points))
            score = scheme.clamp(total)
            grade = scheme.grade_for(score, caps)
            grades[scheme.name] = grade
            out["scores"].append((self.key, scheme.name, score, grade))
        return grades

    def _scorecard(
        self, out: dict[str, list[Row]], scheme: ScoringScheme, grades: dict[str, str]
    ) -> None:
        """A scorecard scores the subject's latest live record of its type (by decision date,
        then ledger order); a subject without one has no score."""
        use = scheme.scorecard
        assert use is not None
        found = self.live.get(use.record_type)
        if not found:
            return
        latest = max(found, key=lambda r: (r.decided, r.seq))
        values = use.values({k: _feature_value(v) for k, v in latest.attrs.items()})
        points = {f.name: f.points_of(values.get(f.name)) for f in use.card.features}
        for f in use.card.features:
            out["score_items"].append((self.key, scheme.name, f.name, 1, points[f.name]))
        score = use.card.clamp(use.card.base + sum(points.values()))
        grade = scheme.grade_for(score)
        grades[scheme.name] = grade
        out["scores"].append((self.key, scheme.name, score, grade))

    def _decisions(
        self, out: dict[str, list[Row]], members: set[str], grades: Mapping[str, str]
    ) -> None:
        for m in self.plan.measures:
            trigger = m.trigger
            if isinstance(trigger, ListTrigger):
                applies = trigger.list in members
            elif isinstance(trigger, GradeTrigger):
                applies = grades.get(trigger.scheme) in trigger.grades
            else:  # pragma: no cover - the trigger union is closed
                applies = False
            if not applies:
                continue
            outcome = RESTRICT if m.kind is MeasureKind.sanction else REWARD
            out["decisions"].extend(
                (self.key, action, m.name, outcome, None, None)
                for action in dict.fromkeys(m.actions)
            )


_Listed = dict[str, list[_Listing]]


# --- helpers ------------------------------------------------------------------------------------


def _seq(row: Row) -> int:
    return int(row[_SEQ])


def _decided_then_seq(row: Row) -> tuple[date, int]:
    return (as_date(row[_DECIDED]), int(row[_SEQ]))


def _feature_value(v: object) -> str | int | float | None:
    """An attribute as a scorecard reads it: numbers as numbers, everything else as text."""
    if v is None or (isinstance(v, str | int | float) and not isinstance(v, bool)):
        return v
    if isinstance(v, Decimal):
        return float(v)
    return str(v)
