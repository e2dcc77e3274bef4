"""Seeded synthetic records for demos, tests and benchmarks, driven by a pack's catalogue.

Subjects of all four kinds get valid identifiers (USCC for organisations, resident ID numbers for
individuals, birth dates from 1940 to 2015 so some are minors); each record picks a record type
that applies to its subject's kind and fills its attributes from the catalogue's specs; some
records are followed by a fulfilment or correction entry acting on them. With `malformed > 0` a
share of rows is broken on purpose, each in one known way, and their line numbers are returned so a
test can hold the rejects file to exactly those rows.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.domain.identifiers import generate_resident_id, generate_uscc
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind

if TYPE_CHECKING:
    from xinyong.domain.catalogue import AttributeSpec, Catalogue, RecordType
    from xinyong.policy.pack import Case

COLUMNS = (
    "provider",
    "record_type",
    "entry_kind",
    "subject_scheme",
    "subject_id",
    "subject_kind",
    "decision_date",
    "document_ref",
    "attributes",
    "refers_to",
)
KIND_WEIGHTS = {
    SubjectKind.individual: 0.55,
    SubjectKind.enterprise: 0.35,
    SubjectKind.public_institution: 0.05,
    SubjectKind.social_organisation: 0.05,
}
# Registration authority + organisation category codes of GB 32100 (sources.md §1).
USCC_AUTHORITY = {
    SubjectKind.enterprise: "9",
    SubjectKind.public_institution: "1",
    SubjectKind.social_organisation: "5",
}
MALFORMATIONS = (
    "bad_check_character",
    "impossible_date",
    "unknown_record_type",
    "missing_document_ref",
    "bad_attributes",
    "extra_column",
    "kind_mismatch",
    "future_date",
)
FIRST_DECISION = date(2018, 1, 1)


@dataclass(frozen=True)
class Subject:
    scheme: str
    identifier: str
    kind: SubjectKind
    birth_date: date | None = None


@dataclass
class Sample:
    """What was written: rows (data lines), the lines broken on purpose, and why."""

    path: Path
    rows: int
    subjects: list[Subject]
    bad_lines: dict[int, str] = field(default_factory=dict)


def generate_subjects(n: int, rng: random.Random, *, today: date) -> list[Subject]:
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    subjects = []
    for _ in range(n):
        kind = rng.choices(kinds, weights)[0]
        if kind is SubjectKind.individual:
            born = date(1940, 1, 1) + timedelta(
                days=rng.randrange((date(2015, 12, 31) - date(1940, 1, 1)).days)
            )
            born = min(born, today)
            subjects.append(Subject("resident_id", generate_resident_id(rng, born), kind, born))
        else:
            uscc = generate_uscc(rng, authority=USCC_AUTHORITY[kind])
            subjects.append(Subject("uscc", uscc, kind))
    return subjects


def _attribute(spec: AttributeSpec, rng: random.Random, decided: date) -> object:
    kind = str(spec.type)
    if kind == "enum":
        return rng.choice(list(spec.values or ("x",)))
    if kind == "string":
        limit = min(int(spec.max_length or 24), 24)
        return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=max(1, limit // 2)))
    if kind == "integer":
        low = int(spec.minimum if spec.minimum is not None else 0)
        high = int(spec.maximum if spec.maximum is not None else low + 1000)
        return rng.randint(low, high)
    if kind == "decimal":
        scale = int(spec.scale or 0)
        dlow = Decimal(spec.minimum if spec.minimum is not None else 0)
        dhigh = Decimal(spec.maximum if spec.maximum is not None else 5_000_000)
        units = rng.randint(int(dlow * 10**scale), int(dhigh * 10**scale))
        return str(Decimal(units).scaleb(-scale))
    if kind == "date":
        return (decided - timedelta(days=rng.randrange(0, 720))).isoformat()
    if kind == "boolean":
        return rng.random() < 0.5
    raise ValueError(f"no generator for attribute type {kind!r}")


def _attributes(rt: RecordType, rng: random.Random, decided: date) -> str:
    values = {
        name: _attribute(spec, rng, decided)
        for name, spec in sorted(rt.attributes.items())
        if spec.required or rng.random() < 0.5
    }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")) if values else ""


def provider_for(rt: RecordType, subject: Subject) -> str:
    # One authority per sector and province: enough variety to exercise provider keys.
    province = subject.identifier[2:4] if subject.scheme == "uscc" else subject.identifier[0:2]
    return f"{rt.name.split('.')[0]}:{province}0000"


def records(
    catalogue: Catalogue,
    subjects: list[Subject],
    n: int,
    rng: random.Random,
    *,
    today: date,
    follow_up: float = 0.1,
) -> Iterator[list[dict[str, str]]]:
    """`n` valid rows about `subjects`, in groups: an original and any acts on it."""
    by_kind: dict[SubjectKind, list[RecordType]] = {k: [] for k in SubjectKind}
    for rt in catalogue.record_types.values():
        for kind in rt.subject_kinds:
            by_kind[kind].append(rt)
    span = (today - FIRST_DECISION).days
    made = 0
    serial = 0
    while made < n:
        subject = subjects[rng.randrange(len(subjects))]
        choices = by_kind[subject.kind]
        if not choices:
            continue
        rt = rng.choice(choices)
        decided = FIRST_DECISION + timedelta(days=rng.randrange(span))
        serial += 1
        ref = f"({decided.year}){rt.name.split('.')[0]}{serial}"
        row = {
            "provider": provider_for(rt, subject),
            "record_type": rt.name,
            "entry_kind": EntryKind.record.value,
            "subject_scheme": subject.scheme,
            "subject_id": subject.identifier,
            "subject_kind": subject.kind.value,
            "decision_date": decided.isoformat(),
            "document_ref": ref,
            "attributes": _attributes(rt, rng, decided),
            "refers_to": "",
        }
        group = [row]
        made += 1
        acts = [k for k in (EntryKind.fulfilment, EntryKind.correction) if k in rt.entry_kinds]
        if made < n and acts and rng.random() < follow_up:
            later = min(decided + timedelta(days=rng.randrange(1, 400)), today)
            serial += 1
            group.append(
                {
                    **row,
                    "entry_kind": rng.choice(acts).value,
                    "decision_date": later.isoformat(),
                    "document_ref": f"({later.year}){rt.name.split('.')[0]}{serial}",
                    "attributes": _attributes(rt, rng, later),
                    "refers_to": ref,
                }
            )
            made += 1
        yield group


def _break(row: dict[str, str], how: str, today: date) -> list[str]:
    bad = dict(row)
    if how == "bad_check_character":
        ident = bad["subject_id"]
        alphabet = (
            "0123456789ABCDEFGHJKLMNPQRTUWXY" if bad["subject_scheme"] == "uscc" else "0123456789X"
        )
        bad["subject_id"] = ident[:-1] + next(c for c in alphabet if c != ident[-1])
    elif how == "impossible_date":
        bad["decision_date"] = "2023-02-30"
    elif how == "unknown_record_type":
        bad["record_type"] = bad["record_type"] + "x"
    elif how == "missing_document_ref":
        bad["document_ref"] = ""
    elif how == "bad_attributes":
        bad["attributes"] = '{"zz_not_an_attribute":1}'
    elif how == "kind_mismatch":
        bad["subject_kind"] = (
            SubjectKind.individual.value
            if bad["subject_scheme"] == "uscc"
            else SubjectKind.enterprise.value
        )
    elif how == "future_date":
        bad["decision_date"] = (today + timedelta(days=30)).isoformat()
    values = [bad[c] for c in COLUMNS]
    return [*values, "surplus"] if how == "extra_column" else values


def _groups(
    catalogue: Catalogue,
    people: list[Subject],
    rows: int,
    rng: random.Random,
    *,
    today: date,
    cases: Sequence[Case],
    share: float,
) -> Iterator[list[dict[str, str]]]:
    """Groups of rows adding up to exactly `rows`: random records, mixed with case replays."""
    from xinyong.sample.stories import stories

    plain = records(catalogue, people, rows, rng, today=today)
    told = stories(cases, catalogue, people, rng, today=today) if cases and share > 0 else None
    made = 0
    while made < rows:
        group = next(told) if told is not None and rng.random() < share else next(plain, None)
        if group is None:
            return
        group = group[: rows - made]  # a prefix keeps every act after its original
        made += len(group)
        yield group


def _place_breaks(group: list[dict[str, str]], marks: list[bool]) -> list[bool]:
    """Where to break rows of a group so that only the broken rows are rejected.

    A row that others refer to would take its referrers down with it, so its break moves to a
    row nothing refers to; when there is none, it stays only if every row depending on it is
    broken anyway (then nothing more is rejected), and is dropped otherwise.
    """
    marks = list(marks)
    index = {row["document_ref"]: k for k, row in enumerate(group)}
    referrers: dict[int, list[int]] = {}
    for k, row in enumerate(group):
        target = index.get(row["refers_to"]) if row["refers_to"] else None
        if target is not None:
            referrers.setdefault(target, []).append(k)

    def dependants(k: int) -> set[int]:
        out: set[int] = set()
        todo = list(referrers.get(k, []))
        while todo:
            j = todo.pop()
            if j not in out:
                out.add(j)
                todo.extend(referrers.get(j, []))
        return out

    for k in range(len(group)):
        if not marks[k] or k not in referrers:
            continue
        free = [j for j in range(len(group)) if not marks[j] and j not in referrers]
        marks[k] = False
        if free:
            later = [j for j in free if j > k]
            marks[(later or free)[0]] = True
        elif all(marks[j] for j in dependants(k)):
            marks[k] = True
    return marks


def write_csv(
    path: Path,
    catalogue: Catalogue,
    *,
    rows: int,
    subjects: int,
    seed: int,
    today: date,
    malformed: float = 0.0,
    cases: Sequence[Case] = (),
    story_share: float = 0.0,
) -> Sample:
    """Write a CSV of `rows` data lines; a `malformed` share of them broken, one way each.

    With `cases` and `story_share`, about that share of the rows are replays of the cases
    (`sample.stories`): coherent life cycles, so that lists and schemes have something to find.
    """
    rng = random.Random(seed)
    people = generate_subjects(subjects, rng, today=today)
    sample = Sample(path=path, rows=rows, subjects=people)
    # Broken rows are drawn up front so their number is exact, not a probability.
    broken = set(rng.sample(range(rows), round(rows * malformed)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        i = 0
        for group in _groups(
            catalogue, people, rows, rng, today=today, cases=cases, share=story_share
        ):
            marks = _place_breaks(group, [i + k in broken for k in range(len(group))])
            for k, row in enumerate(group):
                if marks[k]:
                    how = MALFORMATIONS[(i + k) % len(MALFORMATIONS)]
                    writer.writerow(_break(row, how, today))
                    sample.bad_lines[i + k + 2] = how
                else:
                    writer.writerow([row[c] for c in COLUMNS])
            i += len(group)
    return sample
