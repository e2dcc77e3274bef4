"""Decisions with their reasons, built from one subject's evaluated rows and the pack.

The engines say *which* measures apply (`decisions` rows) and *why* in relational form
(`listings`, `scores`, `score_items`); this module joins those rows back to the pack's rules and
the ledger's records, so that every part of a `Decision` is data taken from a rule or a record.
Why nothing applies — an allow — comes from the same rows and from `Results.explained` (the
would-be listings excluded, barred or ended, which the reference evaluator gives on request).

What is built depends on the audience: a relying party gets the outcome, the measures it must
apply with their legal basis and the objection route, and no reason from the subject's file; the
subject and auditors get everything (docs/concepts/decisions.md).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from datetime import date

from xinyong.domain.catalogue import Citation
from xinyong.domain.decision import (
    AppliedMeasure,
    Audience,
    Barred,
    Basis,
    Decision,
    Disputed,
    Excluded,
    GradeNotMet,
    GradeReason,
    ItemReason,
    ListingEnded,
    ListingReason,
    MeasureApplies,
    NoMeasureApplies,
    NoRecords,
    NoticePending,
    NotListed,
    OfficerReason,
    Reason,
    RecordRef,
    Remedy,
    ScoreReason,
)
from xinyong.domain.lists import CreditList, EntryRule, ExitEvent, ExitRule
from xinyong.domain.measures import GradeTrigger, ListTrigger, Measure, MeasureKind, Role
from xinyong.domain.record import Entry
from xinyong.domain.results import (
    ALLOW,
    BARRED,
    DISPUTED,
    ENDED,
    EXCLUDED,
    LISTED,
    NOTICE_MISSING,
    RESTRICT,
    REWARD,
    Results,
    Row,
)
from xinyong.domain.scoring import ScoringScheme
from xinyong.policy.pack import Pack


def outcome_of(outcomes: Iterable[str]) -> str:
    """Restrict beats reward beats allow: a reward never cancels a sanction."""
    found = set(outcomes)
    if RESTRICT in found:
        return RESTRICT
    if REWARD in found:
        return REWARD
    return ALLOW


def basis(pack: Pack, citations: Iterable[Citation]) -> tuple[Basis, ...]:
    out = []
    for c in citations:
        src = pack.sources.get(c.source)
        name = (src.citation or src.title) if src is not None else c.source
        text = f"{name} {c.article}" if c.article else name
        confidence = c.confidence or (src.confidence if src is not None else None)
        out.append(Basis(c.source, text, str(confidence) if confidence else "U"))
    return tuple(out)


def decide(
    pack: Pack,
    results: Results,
    subject_key: str,
    action: str,
    entries: Mapping[int, Entry],
    *,
    audience: Audience = Audience.auditor,
) -> Decision:
    """The decision on `action` for one subject, from that subject's rows of an evaluation,
    as `audience` may see it. `entries` are the subject's ledger entries (the records reasons
    name); a relying party's decision names none, and needs none."""
    full = audience.full
    if not full:
        entries = {}
    rows = [r for r in results["decisions"] if r[0] == subject_key and r[1] == action]
    # a row reaching the subject as an entity's officer (via_subject, via_role) is explained by
    # the entity's listings, and says so (`_reached`)
    measures = tuple(
        _reached(
            pack,
            r,
            entries,
            _applied(
                pack, results, r[4] or subject_key, pack.measures[r[2]], r[3], entries=entries
            ),
        )
        for r in sorted(rows, key=lambda r: (r[3] != RESTRICT, r[2], r[4] or ""))
        if r[2] in pack.measures
    )
    routes: dict[str, None] = {}  # ordered and without repeats
    for m in measures:
        trigger = pack.measures[m.name].trigger
        own = trigger.list if isinstance(trigger, ListTrigger) else None
        for lr in m.listings:
            if not full and lr.list_name != own:
                continue  # the list a restriction rests on is the subject's file, not the asker's
            cl = pack.lists.get(lr.list_name)
            if cl is not None and cl.objection is not None:
                cites = "; ".join(b.text for b in basis(pack, cl.objection.legal_basis))
                routes[f"{cl.title}: {cl.objection.description.strip()} ({cites})"] = None
            if full and lr.record is not None:
                r = lr.record
                routes[f"the record: {r.title} {r.document_ref} by {r.provider}"] = None
        if full and m.officer is not None and m.officer.record is not None:
            # a person reached as an officer may dispute the role itself
            r = m.officer.record
            routes[f"the record: {r.title} {r.document_ref} by {r.provider}"] = None
    reasons: list[Reason] = [MeasureApplies(measure=m.name, outcome=m.outcome) for m in measures]
    if not measures:
        reasons.append(NoMeasureApplies())
    if full:
        reasons += explain(pack, results, subject_key, action, entries)
    else:
        # the measures to apply and their basis; the listings, grade and remedies are the file
        measures = tuple(
            AppliedMeasure(
                m.name,
                m.kind,
                m.title,
                m.agency,
                m.outcome,
                m.legal_basis,
                # the role and entity through which it applies, not the record behind them
                officer=None if m.officer is None else dataclasses.replace(m.officer, record=None),
            )
            for m in measures
        )
    return Decision(
        subject_key=subject_key,
        action=action,
        outcome=outcome_of(r[3] for r in rows),
        as_of=results.as_of,
        pack_name=pack.name,
        pack_version=pack.version,
        measures=measures,
        objection=tuple(routes),
        reasons=tuple(reasons),
        audience=audience,
    )


def explain(
    pack: Pack,
    results: Results,
    subject_key: str,
    action: str,
    entries: Mapping[int, Entry],
) -> list[Reason]:
    """Why the measures touching `action` that do not apply do not: for each list one of them
    is triggered by (and each list those rest on), the listings held for want of notice,
    excluded, barred or ended; `not_listed` for a triggering list with none of those; for
    a grade-triggered one, the grade. `no_records` alone when the subject has no entry by D."""
    if not any(e.decision_date <= results.as_of for e in entries.values()):
        return [NoRecords()]
    applied = {r[2] for r in results["decisions"] if r[0] == subject_key and r[1] == action}
    by_list: dict[str, list[str]] = {}
    out: list[Reason] = []
    for m in sorted(pack.measures.values(), key=lambda m: m.name):
        if action not in m.actions:
            continue
        t = m.trigger
        if isinstance(t, ListTrigger):
            by_list.setdefault(t.list, []).append(m.name)
        elif isinstance(t, GradeTrigger) and m.name not in applied:
            score = next(
                (r for r in results["scores"] if r[0] == subject_key and r[1] == t.scheme), None
            )
            grade = str(score[3]) if score is not None else None
            out.append(
                GradeNotMet(
                    scheme_name=t.scheme,
                    grade=grade,
                    grades=tuple(sorted(t.grades)),
                    measures=(m.name,),
                )
            )
    for name in _with_upstream(pack, by_list):
        cl = pack.lists[name]
        mine = [r for r in results["listings"] if r[0] == subject_key and r[1] == name]
        held = [r for r in results.explained if r[0] == subject_key and r[1] == name]
        for row in mine:
            listing = _listing(pack, row, entries)
            if row[7] == NOTICE_MISSING and listing is not None:
                notice = cl.notice.legal_basis if cl.notice is not None else ()
                anchor = row[3]
                held_why = results.notes.get((name, anchor)) if isinstance(anchor, int) else None
                out.append(
                    NoticePending(
                        listing=listing, notice_basis=basis(pack, notice), held=held_why or ""
                    )
                )
            elif row[7] == DISPUTED and listing is not None:
                rules = pack.due_process.objection
                cites = basis(pack, rules.legal_basis) if rules is not None else ()
                out.append(Disputed(listing=listing, objection_basis=cites))
        for row in held:
            found = _held(pack, cl, row, entries)
            if found is not None:
                out.append(found)
        if name in by_list and not mine and not held:
            out.append(
                NotListed(list_name=name, list_title=cl.title, measures=tuple(by_list[name]))
            )
    return out


def _with_upstream(pack: Pack, names: Iterable[str]) -> list[str]:
    """The lists named and, after each, the lists its listings may rest on (no repeats)."""
    out: list[str] = []

    def visit(name: str) -> None:
        if name in out or name not in pack.lists:
            return
        out.append(name)
        for up in sorted(pack.lists[name].upstream()):
            visit(up)

    for name in names:
        visit(name)
    return out


def _held(pack: Pack, cl: CreditList, row: Row, entries: Mapping[int, Entry]) -> Reason | None:
    """An explained row (`results.EXPLAINED_COLUMNS`) as its reason."""
    listing = _listing(pack, row, entries)
    if listing is None:
        return None
    status, why, seq = row[7], row[8], row[9]
    record = _record(pack, entries, seq if isinstance(seq, int) else None)
    if status == EXCLUDED:
        exc = next((x for x in cl.exclusions if x.name == why), None)
        return Excluded(
            listing=listing,
            exclusion=str(why),
            legal_basis=basis(pack, exc.legal_basis) if exc is not None else (),
            age_under=exc.subject.age_under if exc is not None and exc.subject else None,
            record=record,
        )
    if status == BARRED:
        return Barred(listing=listing, record=record)
    if status == ENDED and isinstance(row[6], date):
        found = next((e for e in cl.exit if e.name == why), None)
        return ListingEnded(
            listing=listing,
            ended_on=row[6],
            exit=_remedy(pack, cl, found) if found is not None else None,
            record=record,
        )
    return None


def can_end(rule_exit: ExitRule, rule: EntryRule, *, via_list: bool) -> bool:
    """Whether an exit rule of a list can end a listing its entry `rule` starts: only an exit
    for that rule (`rules:`; performance does not end a fixed-term listing, SPC Fa Shi [2017]
    No. 7 Art 10 para 2), and the term's end only a fixed term's. A listing resting on another
    list's listing (`via_list`) matches `same` conditions on the record that one rests on, so
    any other exit can end it too; events on the anchor record (fulfilment, restoration,
    revocation) end any listing resting on it."""
    del via_list  # kept for callers: since list anchors carry their root record, it no longer
    # narrows anything
    if not rule_exit.ends(rule.name):
        return False
    if rule_exit.event is ExitEvent.term_elapsed:
        return rule.term is not None
    return True


def _remedy(pack: Pack, cl: CreditList, e: ExitRule) -> Remedy:
    return Remedy(
        e.name, e.description, basis(pack, e.legal_basis), e.deadline_working_days, cl.name
    )


def _remedies(
    pack: Pack, results: Results, subject_key: str, row: Row, seen: set[tuple[object, ...]]
) -> list[Remedy]:
    """The exits that can end one listing, then those of the listing it rests on."""
    if tuple(row[1:4]) in seen:
        return []
    seen.add(tuple(row[1:4]))
    cl = pack.lists.get(str(row[1]))
    rule = next((r for r in cl.entry if r.name == row[2]), None) if cl is not None else None
    if cl is None or rule is None:
        return []
    out = [_remedy(pack, cl, e) for e in cl.exit if can_end(e, rule, via_list=row[4] is not None)]
    if row[4] is not None:
        for up in results["listings"]:
            if up[0] == subject_key and up[1] == row[4] and up[3] == row[3] and up[7] == LISTED:
                out += _remedies(pack, results, subject_key, up, seen)
    return out


def _reached(
    pack: Pack, row: Row, entries: Mapping[int, Entry], applied: AppliedMeasure
) -> AppliedMeasure:
    """A measure applying to an entity, reaching this person in a role its basis names: say so,
    with the provision naming the role and the record establishing it (principle 3)."""
    via, role = row[4], row[5]
    if via is None or role is None:
        return applied
    named = Role(str(role))
    m = pack.measures[str(row[2])]
    code = str(via).split(":", 1)[-1]
    record = next(
        (
            e.seq
            for e in sorted(entries.values(), key=lambda e: -e.seq)
            if (rt := pack.catalogue.record_types.get(e.record_type)) is not None
            and rt.officer_role is not None
            and _attributes(e.attributes).get(rt.officer_role.entity) == code
        ),
        None,
    )
    naming = m.naming(named)
    officer = OfficerReason(
        entity_key=str(via),
        role=named.value,
        role_label=named.label,
        legal_basis=tuple(
            Basis(b.source, f"{c.article} of {_source_name(pack, c.source)}", b.confidence)
            if c.article
            else b
            for c, b in zip(naming, basis(pack, naming), strict=True)
        ),
        record=_record(pack, entries, record),
    )
    return dataclasses.replace(applied, officer=officer)


def _source_name(pack: Pack, source: str) -> str:
    src = pack.sources.get(source)
    return (src.citation or src.title) if src is not None else source


def _record(pack: Pack, entries: Mapping[int, Entry], seq: int | None) -> RecordRef | None:
    e = entries.get(seq) if seq is not None else None
    if e is None:
        return None
    rt = pack.catalogue.record_types.get(e.record_type)
    return RecordRef(
        seq=e.seq,
        record_type=e.record_type,
        title=rt.title if rt is not None else e.record_type,
        provider=e.provider,
        document_ref=e.document_ref,
        decision_date=e.decision_date,
        attributes=_attributes(e.attributes),
    )


def _attributes(text: str) -> dict[str, object]:
    try:
        found = json.loads(text)
    except ValueError:  # the ledger validated it on the way in; never fail an answer on it
        return {}
    return found if isinstance(found, dict) else {}


def _listing(
    pack: Pack, row: tuple[object, ...], entries: Mapping[int, Entry]
) -> ListingReason | None:
    _, list_name, rule_name, anchor_seq, via_list, since, until = row[:7]
    cl = pack.lists.get(str(list_name))
    if cl is None:
        return None
    rule = next((r for r in cl.entry if r.name == rule_name), None)
    assert isinstance(since, date)
    return ListingReason(
        list_name=cl.name,
        list_title=cl.title,
        rule_name=str(rule_name),
        since=since,
        until=until if isinstance(until, date) else None,
        legal_basis=basis(pack, rule.legal_basis if rule is not None else cl.legal_basis),
        record=_record(pack, entries, anchor_seq if isinstance(anchor_seq, int) else None),
        via_list=str(via_list) if via_list is not None else None,
    )


def _scorecard_reasons(
    s: ScoringScheme, results: Results, subject_key: str
) -> tuple[ScoreReason, ...]:
    """A scorecard's reason codes from the points each feature gave the subject."""
    if s.scorecard is None:
        return ()
    points = {
        str(r[2]): int(r[4])
        for r in results["score_items"]
        if r[0] == subject_key and r[1] == s.name
    }
    return tuple(
        ScoreReason(r.feature, r.points_lost, r.text, r.remedy)
        for r in s.scorecard.card.reasons(points)
    )


def _applied(
    pack: Pack,
    results: Results,
    subject_key: str,
    m: Measure,
    outcome: str,
    *,
    entries: Mapping[int, Entry],
) -> AppliedMeasure:
    listings: list[ListingReason] = []
    grade = None
    remedies: tuple[Remedy, ...] = ()
    t = m.trigger
    if isinstance(t, ListTrigger):
        mine = [
            r
            for r in results["listings"]
            if r[0] == subject_key and r[1] == t.list and r[7] == LISTED
        ]
        for row in mine:
            found = _listing(pack, row, entries)
            if found is not None:
                listings.append(found)
            # a listing resting on another list's listing: give that one's reasons too
            if row[4] is not None:
                for up in results["listings"]:
                    if up[0] == subject_key and up[1] == row[4] and up[3] == row[3]:
                        upstream = _listing(pack, up, entries)
                        if upstream is not None:
                            listings.append(upstream)
        # only the exits that can end these listings; a listing resting on another list's
        # ends when that one does, so that one's exits are remedies too
        found_remedies: dict[tuple[str, str], Remedy] = {}
        seen: set[tuple[object, ...]] = set()
        for row in mine:
            for remedy in _remedies(pack, results, subject_key, row, seen):
                found_remedies.setdefault((remedy.list_name, remedy.name), remedy)
        remedies = tuple(found_remedies.values())
    elif isinstance(t, GradeTrigger):
        score = next(
            (r for r in results["scores"] if r[0] == subject_key and r[1] == t.scheme), None
        )
        s = pack.schemes.get(t.scheme)
        if score is not None and s is not None:
            items = {i.name: i for i in s.items}
            grade = GradeReason(
                scheme_name=s.name,
                scheme_title=s.title,
                points=int(score[2]),
                grade=str(score[3]),
                items=tuple(
                    ItemReason(
                        str(r[2]),
                        int(r[3]),
                        int(r[4]),
                        basis(pack, items[str(r[2])].legal_basis) if r[2] in items else (),
                    )
                    for r in results["score_items"]
                    if r[0] == subject_key and r[1] == s.name
                ),
                reasons=_scorecard_reasons(s, results, subject_key),
            )
    return AppliedMeasure(
        name=m.name,
        kind="sanction" if m.kind is MeasureKind.sanction else "reward",
        title=m.title,
        agency=m.agency,
        outcome=outcome,
        legal_basis=basis(pack, m.legal_basis),
        listings=tuple(listings),
        grade=grade,
        remedies=remedies,
    )
