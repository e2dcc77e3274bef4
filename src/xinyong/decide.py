"""Decisions with their reasons, built from one subject's evaluated rows and the pack.

The engines say *which* measures apply (`decisions` rows) and *why* in relational form
(`listings`, `scores`, `score_items`); this module joins those rows back to the pack's rules and
the ledger's records, so that every part of a `Decision` is data taken from a rule or a record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from xinyong.domain.catalogue import Citation
from xinyong.domain.decision import (
    AppliedMeasure,
    Basis,
    Decision,
    GradeReason,
    ItemReason,
    ListingReason,
    RecordRef,
    Remedy,
)
from xinyong.domain.measures import GradeTrigger, ListTrigger, Measure, MeasureKind
from xinyong.domain.record import Entry
from xinyong.engines.results import ALLOW, LISTED, RESTRICT, REWARD, Results
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
) -> Decision:
    """The decision on `action` for one subject, from that subject's rows of an evaluation."""
    rows = [r for r in results["decisions"] if r[0] == subject_key and r[1] == action]
    measures = tuple(
        _applied(pack, results, subject_key, pack.measures[r[2]], r[3], entries=entries)
        for r in sorted(rows, key=lambda r: (r[3] != RESTRICT, r[2]))
        if r[2] in pack.measures
    )
    routes: dict[str, None] = {}  # ordered and without repeats
    for m in measures:
        for lr in m.listings:
            cl = pack.lists.get(lr.list_name)
            if cl is not None and cl.objection is not None:
                cites = "; ".join(b.text for b in basis(pack, cl.objection.legal_basis))
                routes[f"{cl.title}: {cl.objection.description.strip()} ({cites})"] = None
            if lr.record is not None:
                r = lr.record
                routes[f"the record: {r.title} {r.document_ref} by {r.provider}"] = None
    objection = tuple(routes)
    return Decision(
        subject_key=subject_key,
        action=action,
        outcome=outcome_of(r[3] for r in rows),
        as_of=results.as_of,
        pack_name=pack.name,
        pack_version=pack.version,
        measures=measures,
        objection=objection,
    )


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
    )


def _listing(
    pack: Pack, row: tuple[object, ...], entries: Mapping[int, Entry]
) -> ListingReason | None:
    _, list_name, rule_name, anchor_seq, via_list, since, until, _status = row
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
        # a listing resting on another list ends when that one does: its exits are remedies too
        names = [t.list, *sorted({str(r[4]) for r in mine if r[4] is not None})]
        remedies = tuple(
            Remedy(e.name, e.description, basis(pack, e.legal_basis), e.deadline_working_days)
            for name in names
            if (cl := pack.lists.get(name)) is not None
            for e in cl.exit
        )
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
