"""Records as of the evaluation date, typed per record type, and the records each condition
matches (docs/concepts/evaluation.md, "Records as of D" and "Conditions").

Steps: `xy_records` (records decided by D, of the record types the pack uses, with their latest
correction applied, revoked ones dropped, fulfilment and restoration dates) → `xy_t<i>` (one per
record type: live records, attributes extracted once into typed columns `a_<name>`). The records
each distinct condition matches are a filter of its type's step, which its readers inline
(`Records.source`) rather than a step of their own: materialising such subsets copied most
records a second time, for nothing a filtered scan does not give as fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import INPUT, SCOPE, Plan
from xinyong.domain.catalogue import (
    Catalogue,
    FixedDisplay,
    Period,
    RecordType,
    TieredDisplay,
    UntilExitDisplay,
)
from xinyong.domain.lists import AttributeCondition, RecordCondition
from xinyong.domain.record import EntryKind
from xinyong.engines.results import ENTRY_COLUMNS
from xinyong.errors import CompileError

RECORDS = "xy_records"
SUBJECTS = "xy_subjects"
# columns every typed and condition step carries, before the typed attributes
RECORD_COLUMNS = (
    "seq",
    "subject_key",
    "subject_kind",
    "subject_birth_date",
    "decision_date",
    "fulfilled_on",
    "restored_on",
)


def attr_col(name: str) -> str:
    return f"a_{name}"


ConditionKey = tuple[str, tuple[AttributeCondition, ...], Period | None]


def condition_key(c: RecordCondition) -> ConditionKey:
    """Conditions equal but for `at_least` and `same` match the same records: one step serves."""
    return (c.record_type, c.where, c.within)


@dataclass
class Records:
    """What the rest of the compiler needs from this stage: step names by record type, the
    records each condition matches, and the attributes each record type exposes."""

    catalogue: Catalogue
    as_of: date
    types: dict[str, str] = field(default_factory=dict)  # record type → xy_t<i>
    # record types whose live records are a plain filter of xy_records (no attribute to read,
    # no ending record to join): their query, which readers inline instead of a step
    inline: dict[str, exp.Query] = field(default_factory=dict)
    attrs: dict[str, list[str]] = field(default_factory=dict)  # record type → a_ columns
    # the query of the records a condition matches (a filter of its type's step), or None when
    # it matches every record of the step
    conditions: dict[ConditionKey, exp.Query | None] = field(default_factory=dict)

    @property
    def d(self) -> exp.Expr:
        return q.date_lit(self.as_of)

    def source(self, c: RecordCondition, alias: str = "m") -> exp.Expr:
        """What a query reads the records matching `c` from, under `alias`: the type's step
        itself, or the filter of it as a subquery."""
        query = self.conditions[condition_key(c)]
        if query is None:
            return self.typed(c.record_type, alias)
        return query.subquery(alias, copy=True)

    def typed(self, record_type: str, alias: str) -> exp.Expr:
        """The live records of a type, under `alias`: its step, or its inlined filter."""
        query = self.inline.get(record_type)
        if query is None:
            return q.table(self.types[record_type], alias)
        return query.subquery(alias, copy=True)

    def has_attr(self, record_type: str, name: str) -> bool:
        return name in self.attrs.get(record_type, [])


def build(
    plan: Plan,
    catalogue: Catalogue,
    conditions: Iterable[RecordCondition],
    same_attrs: dict[str, set[str]],
    *,
    with_subjects: bool,
) -> Records:
    """Add the record steps for every condition the pack uses. `same_attrs` maps a record type
    to the attributes other conditions match it on (so its typed step extracts them)."""
    conds = list(conditions)
    rec = Records(catalogue, plan.as_of)
    needs: dict[str, set[str]] = {}
    for c in conds:
        needs.setdefault(c.record_type, set()).update(t.attribute for t in c.where)
        needs[c.record_type].update(c.same)
    for rt_name, matched in same_attrs.items():
        if rt_name in needs:
            needs[rt_name].update(n for n in matched if n in catalogue[rt_name].attributes)
    enders: set[str] = set()
    for rt_name in list(needs):
        disclosure = catalogue[rt_name].disclosure
        if isinstance(disclosure, TieredDisplay):
            needs[rt_name].add(disclosure.attribute)
        if isinstance(disclosure, UntilExitDisplay):
            needs[rt_name].update(disclosure.same)
            enders.update(disclosure.record_types)
    used = sorted(set(needs) | enders)

    scope = _scope(plan)
    if with_subjects:
        plan.add(SUBJECTS, _subjects(rec.d, scope))
    # attributes travel with the records only if some record type reads one
    plan.add(RECORDS, _records(_entries(rec.d, used, scope), attributes=any(needs.values())))
    for i, rt_name in enumerate(sorted(needs)):
        rt = catalogue[rt_name]
        step = f"xy_t{i}"
        names = sorted(needs[rt_name])
        ended = None
        if isinstance(rt.disclosure, UntilExitDisplay) and rt.disclosure.record_types:
            ended = plan.add(f"{step}_end", _enders(rt, rt.disclosure))
        if names or ended is not None:
            plan.add(step, _typed(rec, rt, names, ended))
            rec.types[rt_name] = step
        else:
            rec.inline[rt_name] = _typed(rec, rt, names, ended)
        rec.attrs[rt_name] = names
    for c in conds:
        key = condition_key(c)
        if key not in rec.conditions:
            rec.conditions[key] = _matching(rec, c)
    return rec


def _scope(plan: Plan) -> exp.Expr | None:
    if not plan.scoped:
        return None
    return q.col("subject_key").isin(query=exp.select("subject_key").from_(SCOPE))


def _entries(d: exp.Expr, used: list[str], scope: exp.Expr | None) -> exp.Query:
    where = q.and_(
        [
            exp.LTE(this=q.col("decision_date"), expression=d),
            exp.In(this=q.col("record_type"), expressions=[q.lit(t) for t in used])
            if used
            else exp.false(),
            scope,
        ]
    )
    return exp.select(*ENTRY_COLUMNS).from_(INPUT).where(where)


def _subjects(d: exp.Expr, scope: exp.Expr | None) -> exp.Query:
    # Every subject with any entry by D: schemes score them all, records or not.
    where = q.and_([exp.LTE(this=q.col("decision_date"), expression=d), scope])
    return (
        exp.select(
            "subject_key",
            exp.Min(this=q.col("subject_kind")).as_("subject_kind"),
        )
        .from_(INPUT)
        .where(where)
        .group_by("subject_key")
    )


def _records(entries: exp.Query, *, attributes: bool) -> exp.Query:
    """Records with their latest correction's attributes (without `attributes`, no column of
    them and no corrections: nothing reads them). `entries` are read inline, not materialised
    first: each use filters the input on its own entry kinds, which a columnar scan does for
    less than copying every entry with its attributes."""
    kind = q.col("entry_kind")
    latest = (
        exp.select(
            "refers_to",
            "attributes",
            q.row_number(
                [q.col("refers_to")], [q.desc(q.col("decision_date")), q.desc(q.col("seq"))]
            ).as_("rn"),
        )
        .from_(entries.subquery("e", copy=True))
        .where(exp.EQ(this=kind, expression=q.lit(EntryKind.correction.value)))
    )
    corrections = (
        exp.select("refers_to", "attributes")
        .from_(latest.subquery("l"))
        .where(exp.EQ(this=q.col("rn"), expression=exp.Literal.number(1)))
    )

    def first(k: EntryKind, alias: str) -> exp.Expr:
        return exp.Min(
            this=q.case(
                [(exp.EQ(this=kind, expression=q.lit(k.value)), q.col("decision_date"))], None
            )
        ).as_(alias)

    acts = (
        exp.select(
            "refers_to",
            first(EntryKind.revocation, "revoked_on"),
            first(EntryKind.fulfilment, "fulfilled_on"),
            first(EntryKind.restoration, "restored_on"),
        )
        .from_(entries.subquery("e", copy=True))
        .where(
            exp.In(
                this=kind,
                expressions=[
                    q.lit(k.value)
                    for k in (EntryKind.revocation, EntryKind.fulfilment, EntryKind.restoration)
                ],
            )
        )
        .group_by("refers_to")
    )
    cols: list[exp.Expr] = [
        q.col("seq", "r"),
        q.col("record_type", "r"),
        q.col("subject_key", "r"),
        q.col("subject_kind", "r"),
        q.col("subject_birth_date", "r"),
        q.col("decision_date", "r"),
    ]
    if attributes:
        cols.append(
            exp.Coalesce(this=q.col("attributes", "c"), expressions=[q.col("attributes", "r")]).as_(
                "attributes"
            )
        )
    query = exp.select(*cols, q.col("fulfilled_on", "a"), q.col("restored_on", "a")).from_(
        entries.subquery("r", copy=True)
    )
    if attributes:
        query = query.join(
            corrections.subquery("c"),
            on=exp.EQ(this=q.col("refers_to", "c"), expression=q.col("seq", "r")),
            join_type="left",
        )
    return query.join(
        acts.subquery("a"),
        on=exp.EQ(this=q.col("refers_to", "a"), expression=q.col("seq", "r")),
        join_type="left",
    ).where(
        q.and_(
            [
                exp.EQ(this=q.col("entry_kind", "r"), expression=q.lit(EntryKind.record.value)),
                exp.Is(this=q.col("revoked_on", "a"), expression=exp.null()),
            ]
        )
    )


def _same_eq(rt: RecordType, names: Iterable[str], left: str, right: str) -> list[exp.Expr]:
    out: list[exp.Expr] = []
    for name in names:
        spec = rt.attributes[name]
        out.append(
            exp.EQ(
                this=q.typed(spec, q.json_text(q.col("attributes", left), name)),
                expression=q.typed(spec, q.json_text(q.col("attributes", right), name)),
            )
        )
    return out


def _enders(rt: RecordType, disclosure: UntilExitDisplay) -> exp.Query:
    """The first record ending each record's display: same subject, an ending type, decided on
    or after it, sharing the `same` attributes."""
    on = q.and_(
        [
            exp.EQ(this=q.col("subject_key", "n"), expression=q.col("subject_key", "r")),
            exp.In(
                this=q.col("record_type", "n"),
                expressions=[q.lit(t) for t in disclosure.record_types],
            ),
            exp.GTE(this=q.col("decision_date", "n"), expression=q.col("decision_date", "r")),
            *_same_eq(rt, disclosure.same, "n", "r"),
        ]
    )
    return (
        exp.select(q.col("seq", "r"), exp.Min(this=q.col("decision_date", "n")).as_("ended_on"))
        .from_(q.table(RECORDS, "r"))
        .join(q.table(RECORDS, "n"), on=on)
        .where(exp.EQ(this=q.col("record_type", "r"), expression=q.lit(rt.name)))
        .group_by(q.col("seq", "r"))
    )


def display_end(rt: RecordType, r: str, ended: str | None) -> exp.Expr | None:
    """When a record of this type stops being live (exclusive); None when it never does."""
    d = rt.disclosure
    decided = q.col("decision_date", r)
    if isinstance(d, FixedDisplay):
        return q.plus(decided, d.period)
    if isinstance(d, TieredDisplay):
        tier = q.json_text(q.col("attributes", r), d.attribute)
        whens = [
            (
                exp.EQ(this=tier, expression=q.lit(value)),
                q.least([q.plus(decided, t.maximum), q.col("restored_on", r)]),
            )
            for value, t in sorted(d.tiers.items())
        ]
        # a record whose tier is missing or unknown never counts: its end is its own date
        return q.case(whens, decided.copy())
    if isinstance(d, UntilExitDisplay):
        ends: list[exp.Expr] = []
        if EntryKind.fulfilment in d.entry_kinds:
            ends.append(q.col("fulfilled_on", r))
        if EntryKind.restoration in d.entry_kinds:
            ends.append(q.col("restored_on", r))
        if ended is not None:
            ends.append(q.col("ended_on", "n"))
        return q.least(ends) if ends else None
    return None


def _typed(rec: Records, rt: RecordType, names: list[str], ended: str | None) -> exp.Query:
    cols: list[exp.Expr] = [q.col(c, "r") for c in RECORD_COLUMNS]
    for name in names:
        spec = rt.attributes[name]
        cols.append(q.typed(spec, q.json_text(q.col("attributes", "r"), name)).as_(attr_col(name)))
    query = exp.select(*cols).from_(q.table(RECORDS, "r"))
    if ended is not None:
        query = query.join(
            q.table(ended, "n"),
            on=exp.EQ(this=q.col("seq", "n"), expression=q.col("seq", "r")),
            join_type="left",
        )
    end = display_end(rt, "r", ended)
    live = (
        None
        if end is None
        else exp.or_(exp.Is(this=end, expression=exp.null()), exp.LT(this=rec.d, expression=end))
    )
    where = q.and_([exp.EQ(this=q.col("record_type", "r"), expression=q.lit(rt.name)), live])
    return query.where(where)


def _test(rt: RecordType, t: AttributeCondition) -> exp.Expr:
    spec = rt.attributes.get(t.attribute)
    if spec is None:  # the loader checks this; a hand-built pack might not
        raise CompileError(f"{rt.name} has no attribute {t.attribute!r}")
    column = q.col(attr_col(t.attribute))
    if t.one_of:
        values = [q.typed_lit(spec, v) for v in t.one_of]
        if len(values) == 1:
            return exp.EQ(this=column, expression=values[0])
        return exp.In(this=column, expressions=values)
    parts: list[exp.Expr] = []
    if t.at_least is not None:
        parts.append(exp.GTE(this=column, expression=q.typed_lit(spec, t.at_least)))
    if t.at_most is not None:
        parts.append(exp.LTE(this=column, expression=q.typed_lit(spec, t.at_most)))
    found = q.and_(parts)
    if found is None:
        raise CompileError(f"empty test on {rt.name}.{t.attribute}")
    return found


def _matching(rec: Records, c: RecordCondition) -> exp.Query | None:
    """The live records `c` matches, as a filter of its type's step (None: all of them)."""
    rt = rec.catalogue[c.record_type]
    tests: list[exp.Expr | None] = [_test(rt, t) for t in c.where]
    if c.within is not None:
        tests.append(exp.LT(this=rec.d, expression=q.plus(q.col("decision_date"), c.within)))
    where = q.and_(tests)
    if where is None:
        return None
    cols = [*RECORD_COLUMNS, *(attr_col(n) for n in rec.attrs[c.record_type])]
    return exp.select(*cols).from_(rec.typed(c.record_type, "t")).where(where)
