"""Coherent life cycles for sample data, replayed from a pack's own worked examples.

Random records rarely line up into a story (an enforcement notice, then a dishonesty decision in
the same case, then a performance), so lists built on such stories stay nearly empty. A pack's
`Case` documents are exactly such stories; each replay picks a subject of the case's kind, moves
every date by one random offset (cutting off what would fall after `today`, which leaves
stories in progress), and renames document references so that each replay is its own case while
the records within it still share their case numbers. No rule of any pack is written here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

from xinyong.domain.catalogue import AttributeType, Catalogue, DataCategory, Scalar
from xinyong.domain.record import EntryKind
from xinyong.policy.pack import Case
from xinyong.sample.generate import FIRST_DECISION, Subject, provider_for


def _value(value: Scalar, shift: timedelta, rename: Mapping[str, str]) -> object:
    if isinstance(value, date):
        return (value + shift).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return rename.get(value, value)
    return value


def replay(
    case: Case,
    catalogue: Catalogue,
    subject: Subject,
    rng: random.Random,
    *,
    today: date,
    serial: int,
    related: Mapping[str, Subject] | None = None,
) -> list[dict[str, str]]:
    """The case's records about `subject`, shifted in time and renamed; acts refer by ref.
    `related` gives the subject standing in for each of the case's related entities (by id):
    their records are about it, and attributes naming the entity's code name its code."""
    others = dict(related or {})
    for rel in case.related:
        if rel.id not in others:
            return []  # no entity of that kind to stand in for it
    rename: dict[str, str] = {rel.identifier: others[rel.id].identifier for rel in case.related}
    first = min((r.decision_date for r in case.records), default=case.as_of)
    span = max((case.as_of - first).days, 0)
    earliest = FIRST_DECISION - first
    latest = today - first - timedelta(days=rng.randrange(0, span + 1))
    shift = earliest + timedelta(days=rng.randrange(max((latest - earliest).days, 0) + 1))
    # document references (case numbers, decision numbers) get a per-replay suffix, the same
    # for every record of the replay so that `same:` conditions still match within it
    for r in case.records:
        rt = catalogue.record_types.get(r.record_type)
        if rt is None:
            continue
        for name, value in r.attributes.items():
            spec = rt.attributes.get(name)
            if (
                spec is not None
                and spec.type is AttributeType.string
                and spec.data_category is DataCategory.document_reference
                and isinstance(value, str)
            ):
                rename.setdefault(value, f"{value}#{serial}")
    refs = {r.id: f"S{serial}-{r.id}" for r in case.records}
    rows: list[dict[str, str]] = []
    for r in case.records:
        decided = r.decision_date + shift
        rt = catalogue.record_types.get(r.record_type)
        if decided > today or rt is None:
            continue
        attributes = {k: _value(v, shift, rename) for k, v in sorted(r.attributes.items())}
        about = subject if r.subject is None else others[r.subject]
        rows.append(
            {
                "provider": provider_for(rt, about),
                "record_type": r.record_type,
                "entry_kind": r.entry_kind.value,
                "subject_scheme": about.scheme,
                "subject_id": about.identifier,
                "subject_kind": about.kind.value,
                "decision_date": decided.isoformat(),
                "document_ref": refs[r.id],
                "attributes": json.dumps(attributes, ensure_ascii=False, separators=(",", ":"))
                if attributes
                else "",
                "refers_to": refs[r.refers_to] if r.refers_to is not None else "",
            }
        )
    # an act whose original fell after `today` cannot be kept either
    kept = {row["document_ref"] for row in rows if row["entry_kind"] == EntryKind.record.value}
    return [r for r in rows if not r["refers_to"] or r["refers_to"] in kept]


def stories(
    cases: Sequence[Case],
    catalogue: Catalogue,
    subjects: Sequence[Subject],
    rng: random.Random,
    *,
    today: date,
    first_serial: int = 0,
) -> Iterator[list[dict[str, str]]]:
    """Endless replays of `cases` about random subjects of each case's kind."""
    by_kind: dict[str, list[Subject]] = {}
    for s in subjects:
        by_kind.setdefault(s.kind.value, []).append(s)
    usable = [c for c in cases if by_kind.get(c.subject_kind.value)]
    if not usable:
        return
    serial = first_serial
    while True:
        case = rng.choice(usable)
        candidates = by_kind[case.subject_kind.value]
        subject = candidates[rng.randrange(len(candidates))]
        related = {
            rel.id: pool[rng.randrange(len(pool))]
            for rel in case.related
            if (pool := by_kind.get(rel.kind.value))
        }
        serial += 1
        group = replay(case, catalogue, subject, rng, today=today, serial=serial, related=related)
        if group:
            yield group
