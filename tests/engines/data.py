"""Ledger entries for the conformance suite, built directly in `results.ENTRY_COLUMNS` order.

Four sources, all seeded and each about subjects of its own:

- `generated`: `xinyong.sample.generate`'s records (what the demo and the benchmarks ingest),
  with their acts resolved to sequence numbers and attributes made canonical the way ingest
  stores them (`domain.record.canonical_attributes`, decimals at their declared scale), plus
  corrections, revocations, fulfilments and restorations added at random, so every act kind
  reaches every record type that allows it;
- `case_entries`: every example case of the pack, one subject each;
- `histories` (catalogues with administrative penalties and tax ratings): subjects with several
  such records a few days to months apart, so per-period caps and `at_least` anchors have work;
- `debtor_life_cycles` (packs with the court enforcement record types): notices with and without
  the listing-risk warning, dishonesty decisions on each ground, Art 2 extension orders, Art 3
  bars, performance (complete or not), deletions, settlement, consumption restrictions and their
  lifting, corrections that change the ground, revocations, repeated decisions and minors — so the
  lists are not empty; and `officer_links`: persons holding roles in the entity debtors.

Building rows here rather than ingesting a CSV keeps the suite independent of the ingest pipeline
(whose own tests cover it) and fast enough to run on three engines.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from xinyong.domain.catalogue import AttributeSpec, AttributeType, Catalogue, RecordType
from xinyong.domain.record import AttributeValue, EntryKind, canonical_attributes
from xinyong.domain.results import Row
from xinyong.domain.subject import kept_birth_date
from xinyong.policy.pack import Pack
from xinyong.sample.generate import generate_subjects, records

TODAY = date(2025, 6, 1)
ACTS = (EntryKind.correction, EntryKind.revocation, EntryKind.fulfilment, EntryKind.restoration)


def canonical(rt: RecordType, values: Mapping[str, object]) -> str:
    """Attributes as the ledger stores them: typed JSON, decimals as text at their scale."""
    out: dict[str, AttributeValue | None] = {}
    for name, value in values.items():
        spec = rt.attributes.get(name)
        out[name] = None if value is None else _value(spec, value)
    return canonical_attributes(out)


def _value(spec: AttributeSpec | None, value: object) -> AttributeValue:
    if isinstance(value, bool):
        return value
    if spec is not None and spec.type is AttributeType.decimal:
        scale = spec.scale if spec.scale is not None else 0
        return f"{Decimal(str(value)).quantize(Decimal(1).scaleb(-scale)):f}"
    if spec is not None and spec.type is AttributeType.integer:
        return int(str(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    return str(value)


def fill(rt: RecordType, rng: random.Random, decided: date, **given: object) -> str:
    """Canonical attributes of a record of `rt`: `given` values, the required rest made up."""
    values: dict[str, object] = {}
    for name, spec in sorted(rt.attributes.items()):
        if name in given:
            values[name] = given[name]
        elif spec.required or rng.random() < 0.3:
            values[name] = _made_up(spec, rng, decided)
    return canonical(rt, values)


def _made_up(spec: AttributeSpec, rng: random.Random, decided: date) -> object:
    t = spec.type
    if t is AttributeType.enum:
        return rng.choice(sorted(spec.values or ("x",)))
    if t is AttributeType.boolean:
        return rng.random() < 0.5
    if t is AttributeType.integer:
        low = int(spec.minimum if spec.minimum is not None else 0)
        high = int(spec.maximum if spec.maximum is not None else low + 1000)
        return rng.randint(low, high)
    if t is AttributeType.decimal:
        return Decimal(rng.randint(0, 50_000_000)).scaleb(-2)
    if t is AttributeType.date:
        return decided - timedelta(days=rng.randrange(720))
    return "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=8))


@dataclass
class Entries:
    """Rows numbered in the order they are added (`seq` from 1)."""

    rows: list[Row] = field(default_factory=list)

    def add(
        self,
        record_type: str,
        subject: tuple[str, str, date | None],
        decided: date,
        attributes: str,
        *,
        kind: EntryKind = EntryKind.record,
        refers_to: int | None = None,
    ) -> int:
        seq = len(self.rows) + 1
        key, subject_kind, born = subject
        self.rows.append(
            (
                seq,
                kind.value,
                refers_to,
                record_type,
                key,
                subject_kind,
                kept_birth_date(born, decided),  # as ingest stores it (ledger format 2)
                decided,
                attributes,
            )
        )
        return seq

    def act(self, kind: EntryKind, seq: int, decided: date, attributes: str = "{}") -> int:
        row = self.rows[seq - 1]
        return self.add(
            row[3], (row[4], row[5], row[6]), decided, attributes, kind=kind, refers_to=seq
        )


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def generated(
    entries: Entries,
    catalogue: Catalogue,
    *,
    rows: int,
    subjects: int,
    seed: int,
    acts: float = 0.0,
) -> None:
    """`rows` records of the sample generator; with `acts`, that share of records gets one more
    act of a random kind the record type allows (corrections carry fresh attributes)."""
    rng = random.Random(seed)
    people = generate_subjects(subjects, rng, today=TODAY)
    by_id = {p.identifier: p for p in people}
    refs: dict[str, int] = {}
    for group in records(catalogue, people, rows, rng, today=TODAY):
        for raw in group:
            p = by_id[raw["subject_id"]]
            subject = (_key(p.identifier), p.kind.value, p.birth_date)
            rt = catalogue[raw["record_type"]]
            attrs = canonical(rt, json.loads(raw["attributes"] or "{}"))
            decided = date.fromisoformat(raw["decision_date"])
            kind = EntryKind(raw["entry_kind"])
            refers = refs[raw["refers_to"]] if raw["refers_to"] else None
            seq = entries.add(rt.name, subject, decided, attrs, kind=kind, refers_to=refers)
            refs[raw["document_ref"]] = seq
            allowed = [k for k in ACTS if k in rt.entry_kinds]
            if kind is EntryKind.record and allowed and rng.random() < acts:
                act = rng.choice(allowed)
                later = min(decided + timedelta(days=rng.randrange(0, 500)), TODAY)
                body = fill(rt, rng, later) if act is EntryKind.correction else "{}"
                entries.act(act, seq, later, body)


def case_entries(entries: Entries, pack: Pack) -> dict[str, str]:
    """Every example case of the pack as entries; returns case name → subject key."""
    keys: dict[str, str] = {}
    for name, case in sorted(pack.cases.items()):
        subject = (f"case:{pack.name}:{name}", case.subject_kind.value, case.birth_date)
        keys[name] = subject[0]
        # related entities keep their codes: the officer records of the case name them
        related = {rel.id: (rel.key, rel.kind.value, None) for rel in case.related}
        ids: dict[str, int] = {}
        for r in case.records:
            rt = pack.catalogue[r.record_type]
            ids[r.id] = entries.add(
                r.record_type,
                subject if r.subject is None else related[r.subject],
                r.decision_date,
                canonical(rt, dict(r.attributes)),
                kind=r.entry_kind,
                refers_to=None if r.refers_to is None else ids[r.refers_to],
            )
    return keys


COURT = "court.enforcement."
GROUNDS = (
    "refuses_despite_ability",
    "obstructs_by_forgery_or_violence",
    "evades_by_sham_or_concealment",
    "violates_property_reporting",
    "violates_consumption_restriction",
    "refuses_settlement_agreement",
)


def has_debtor_types(catalogue: Catalogue) -> bool:
    names = ("notice", "dishonesty_decision", "performance", "list_deletion", "listing_bar")
    return all(COURT + n in catalogue.record_types for n in names)


def debtor_life_cycles(
    entries: Entries, catalogue: Catalogue, *, debtors: int, seed: int
) -> list[str]:
    """Enforcement cases from notice to deletion, one to three per debtor; returns the keys."""
    rng = random.Random(seed)
    keys = []
    for i in range(debtors):
        kind = rng.choices(["individual", "enterprise", "social_organisation"], [6, 3, 1])[0]
        born: date | None = None
        if kind == "individual":
            # about one in eight is a minor at some point of the life cycle
            year = rng.choice([*range(1950, 2000), 2006, 2008, 2010])
            born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        # entity debtors are keyed as their code would be, so officer records can name them
        key = f"uscc:D{i:05d}" if kind != "individual" else f"debtor:{i:05d}"
        subject = (key, kind, born)
        keys.append(subject[0])
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            _one_case(entries, catalogue, rng, subject)
    return keys


def _one_case(
    entries: Entries,
    catalogue: Catalogue,
    rng: random.Random,
    subject: tuple[str, str, date | None],
) -> None:
    case = f"({rng.randint(2018, 2024)})执{rng.randint(1, 99999)}号"
    court = rng.choice(["Chaoyang", "Xihu", "Futian", "Huangpu"]) + " District People's Court"
    day = date(2018, 1, 1) + timedelta(days=rng.randrange(6 * 365))

    def later(lo: int, hi: int) -> date:
        nonlocal day
        day = day + timedelta(days=rng.randint(lo, hi))
        return day

    def record(name: str, decided: date, **given: object) -> int:
        rt = catalogue[COURT + name]
        attrs = fill(rt, rng, decided, case_number=case, court=court, **given)
        return entries.add(rt.name, subject, decided, attrs)

    if "court.judgment.effective" in catalogue.record_types:
        rt = catalogue["court.judgment.effective"]
        entries.add(rt.name, subject, later(0, 0), fill(rt, rng, day, court=court))
    if rng.random() < 0.85:
        notice = record("notice", later(1, 60), listing_risk_warning=rng.random() < 0.8)
        if rng.random() < 0.05:
            entries.act(EntryKind.revocation, notice, later(1, 20))
    wait = later(-20, 90)  # sometimes the decision precedes the notice: notice_missing
    ground = rng.choice(GROUNDS)
    decision = record("dishonesty_decision", wait, ground=ground)
    if COURT + "listing_extension" in catalogue.record_types and rng.random() < 0.25:
        # an Art 2 extension order, sometimes for an open-term ground (it extends nothing)
        record(
            "listing_extension",
            later(0, 500),
            circumstance=rng.choice(
                ["serious_violent_or_threatening_obstruction", "multiple_dishonest_acts"]
            ),
            extended_by_years=rng.randint(1, 3),
        )
    if rng.random() < 0.15:
        # a correction carries the full attributes, here with another ground
        rt = catalogue[COURT + "dishonesty_decision"]
        attrs = fill(rt, rng, day, case_number=case, court=court, ground=rng.choice(GROUNDS))
        entries.act(EntryKind.correction, decision, later(0, 90), attrs)
    if rng.random() < 0.08:
        entries.act(EntryKind.revocation, decision, later(1, 200))
    if rng.random() < 0.1:
        record("listing_bar", later(-30, 30))
    if COURT + "consumption_restriction" in catalogue.record_types and rng.random() < 0.4:
        order = record("consumption_restriction", later(0, 30))
        if rng.random() < 0.05:
            entries.act(EntryKind.revocation, order, later(1, 100))
        if rng.random() < 0.3:
            record("consumption_restriction_lifted", later(30, 700))
    roll = rng.random()
    if roll < 0.35:
        record("performance", later(10, 900), complete=rng.random() < 0.75)
    elif roll < 0.45 and COURT + "settlement_performance" in catalogue.record_types:
        record("settlement_performance", later(10, 900), complete=True)
    if rng.random() < 0.4:
        record("list_deletion", later(0, 400))


CIRCUMSTANCES = ("serious_violent_or_threatening_obstruction", "multiple_dishonest_acts")
ROLE_TYPE = "registration.officer_role"
ROLES = (
    "legal_representative",
    "principal_responsible_person",
    "directly_responsible_person",
    "actual_controller",
)


def officer_links(
    entries: Entries, catalogue: Catalogue, entities: list[str], *, seed: int
) -> list[str]:
    """Persons holding roles in the entity debtors (some in two), appointed and ceasing on
    dates on both sides of the suite's dates, some roles corrected to end or revoked, and some
    naming an entity nobody knows. Returns the persons' keys."""
    if ROLE_TYPE not in catalogue.record_types:
        return []
    rt = catalogue[ROLE_TYPE]
    rng = random.Random(seed)
    codes = [e.split(":", 1)[1] for e in entities if e.startswith("uscc:")]
    keys = []
    for i in range(len(codes)):
        subject = (f"officer:{i:05d}", "individual", date(1960 + i % 40, 1 + i % 12, 1 + i % 28))
        keys.append(subject[0])
        for _ in range(rng.choice([1, 1, 2])):
            code = rng.choice([*codes, "NOBODY0000000001"])
            appointed = date(2016, 1, 1) + timedelta(days=rng.randrange(9 * 365))
            given: dict[str, object] = {
                "entity_uscc": code,
                "role": rng.choice(ROLES),
                "appointed_on": appointed,
            }
            if rng.random() < 0.3:
                given["ceased_on"] = appointed + timedelta(days=rng.randrange(30, 2000))
            decided = appointed + timedelta(days=rng.randrange(0, 60))
            seq = entries.add(rt.name, subject, decided, fill(rt, rng, decided, **given))
            roll = rng.random()
            if roll < 0.1:
                ended = {**given, "ceased_on": decided + timedelta(days=rng.randrange(1, 900))}
                later = decided + timedelta(days=rng.randrange(1, 300))
                entries.act(EntryKind.correction, seq, later, fill(rt, rng, later, **ended))
            elif roll < 0.15:
                entries.act(EntryKind.revocation, seq, decided + timedelta(days=20))
    return keys


def histories(
    entries: Entries, catalogue: Catalogue, types: list[str], *, subjects: int, seed: int
) -> list[str]:
    """Subjects with several records of `types` within a few years (repeat offenders, rated
    taxpayers), some corrected, restored or revoked: what per-period caps, `at_least` anchors and
    display tiers need to be exercised. Returns the keys."""
    rng = random.Random(seed)
    present = [t for t in types if t in catalogue.record_types]
    keys = []
    for i in range(subjects if present else 0):
        kind = rng.choice(["enterprise", "enterprise", "enterprise", "social_organisation"])
        subject = (f"history:{i:05d}", kind, None)
        keys.append(subject[0])
        day = date(2018, 1, 1) + timedelta(days=rng.randrange(7 * 365))
        for _ in range(rng.randint(2, 7)):
            day += timedelta(days=rng.choice([0, 1, 3, 6, 7, 20, 40, 90, 200]))
            rt = catalogue[rng.choice(present)]
            seq = entries.add(rt.name, subject, day, fill(rt, rng, day))
            allowed = [k for k in ACTS if k in rt.entry_kinds]
            if allowed and rng.random() < 0.25:
                act = rng.choice(allowed)
                later = day + timedelta(days=rng.randrange(1, 400))
                body = fill(rt, rng, later) if act is EntryKind.correction else "{}"
                entries.act(act, seq, later, body)
    return keys


HISTORY_TYPES = [
    "admin.penalty.tax",
    "admin.penalty.tax",
    "admin.penalty.market_regulation",
    "admin.penalty.environment",
    "tax.rating.a_grade",
]


def entries_for(pack: Pack, *, rows: int, seed: int = 7) -> tuple[list[Row], list[str]]:
    """The suite's input for a pack: generated records (with acts), the pack's cases and, where
    the catalogue has them, debtor life cycles and penalty histories. Returns the rows and the
    subject keys, those worth scoping to first (cases, debtors, histories, then generated)."""
    entries = Entries()
    generated(
        entries,
        pack.catalogue,
        rows=rows,
        subjects=max(rows // 6, 10),
        seed=seed,
        acts=0.15,
    )
    notable = list(case_entries(entries, pack).values())
    if has_debtor_types(pack.catalogue):
        debtors = debtor_life_cycles(
            entries, pack.catalogue, debtors=max(rows // 20, 40), seed=seed + 1
        )
        notable += officer_links(entries, pack.catalogue, debtors, seed=seed + 3)[:6]
        notable += debtors
    notable += histories(
        entries, pack.catalogue, HISTORY_TYPES, subjects=max(rows // 12, 40), seed=seed + 2
    )
    seen = dict.fromkeys(notable)
    seen.update(dict.fromkeys(str(r[4]) for r in entries.rows))
    return entries.rows, list(seen)


def shuffled_keys(keys: list[str], n: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    yield from rng.sample(keys, min(n, len(keys)))
