"""Records as of the evaluation date, with their attributes read once, and the records each
condition matches (docs/concepts/evaluation.md, "Records as of D" and "Conditions").

Steps:
- `xy_records`: records decided by D of the record types the pack uses, revoked ones dropped,
  the latest correction's attributes in place of the original's, fulfilment and restoration
  dates, and every attribute any rule reads as a typed column of its own (`a_<name>`). The JSON
  text is parsed here and nowhere else: once per record where the engine reads many paths in
  one parse (`Capabilities.json_path_lists`), once per attribute otherwise.
- `xy_live` (only when a record type's display ends with another record): the records live on
  D. Otherwise `xy_records` keeps only live records itself, and is the live step.

The records a condition matches are a filter of the live step (`Records.match`), inlined where
it is read: materialising such subsets copied most records a second time, for nothing a
filtered columnar scan does not give as fast. One wide step rather than one per record type lets
a rule read all the records of an anchor's case with one join (`compiler/lists.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import INPUT, SCOPE, Capabilities, Plan
from xinyong.domain.catalogue import (
    Catalogue,
    FixedDisplay,
    RecordType,
    TieredDisplay,
    UntilExitDisplay,
)
from xinyong.domain.lists import AttributeCondition, RecordCondition
from xinyong.domain.record import EntryKind
from xinyong.domain.results import ENTRY_COLUMNS
from xinyong.errors import CompileError

RECORDS = "xy_records"
LIVE = "xy_live"
SUBJECTS = "xy_subjects"
# columns of every record step, before the attribute columns
RECORD_COLUMNS = (
    "seq",
    "record_type",
    "subject_key",
    "subject_kind",
    "subject_birth_date",
    "decision_date",
    "fulfilled_on",
    "restored_on",
)
_PARSED = "xy_v"  # the list of attribute texts one parse yields (json_path_lists)


def attr_col(name: str) -> str:
    """The column an anchor step carries an attribute it is matched on in."""
    return f"a_{name}"


@dataclass
class Records:
    """What the rest of the compiler needs from this stage: the live step, and the column each
    record type's attributes are read into."""

    catalogue: Catalogue
    as_of: date
    live: str = RECORDS
    # (record type, attribute) → its column in the record steps
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def d(self) -> exp.Expr:
        return q.date_lit(self.as_of)

    def column(self, record_type: str, name: str, table: str | None = None) -> exp.Column:
        return q.col(self.columns[(record_type, name)], table)

    def has_attr(self, record_type: str, name: str) -> bool:
        return (record_type, name) in self.columns

    def match(self, c: RecordCondition, alias: str) -> exp.Expr:
        """`c` matches the live record under `alias`: its type, its tests, its window."""
        found = q.and_(self.match_parts(c, alias))
        assert found is not None
        return found

    def match_parts(self, c: RecordCondition, alias: str) -> list[exp.Expr]:
        """The conjuncts of `match`, the record type's test first."""
        rt = self.catalogue[c.record_type]
        tests: list[exp.Expr] = [
            exp.EQ(this=q.col("record_type", alias), expression=q.lit(rt.name))
        ]
        tests.extend(_test(rt, t, self.column(rt.name, t.attribute, alias)) for t in c.where)
        if c.within is not None:
            decided = q.col("decision_date", alias)
            tests.append(exp.LT(this=self.d, expression=q.plus(decided, c.within)))
        return tests

    def source(self, c: RecordCondition, alias: str = "m") -> exp.Expr:
        """The live records matching `c`, as a subquery under `alias`."""
        return (
            exp.select(exp.Star())
            .from_(q.table(self.live, "x"))
            .where(self.match(c, "x"))
            .subquery(alias)
        )


def build(
    plan: Plan,
    catalogue: Catalogue,
    conditions: Iterable[RecordCondition],
    same_attrs: Mapping[str, set[str]],
    *,
    with_subjects: bool,
    officers: Iterable[RecordType] = (),
) -> Records:
    """Add the record steps for every condition the pack uses. `same_attrs` maps a record type
    to the attributes other conditions match it on (so they are read for it too)."""
    needs: dict[str, set[str]] = {}
    for c in conditions:
        needs.setdefault(c.record_type, set()).update(t.attribute for t in c.where)
        needs[c.record_type].update(c.same)
    for rt_name, matched in same_attrs.items():
        if rt_name in needs:
            needs[rt_name].update(n for n in matched if n in catalogue[rt_name].attributes)
    ended: dict[str, UntilExitDisplay] = {}  # record types whose display another record ends
    for rt_name in list(needs):
        disclosure = catalogue[rt_name].disclosure
        if isinstance(disclosure, TieredDisplay):
            needs[rt_name].add(disclosure.attribute)
        if isinstance(disclosure, UntilExitDisplay):
            needs[rt_name].update(disclosure.same)
            if disclosure.record_types:
                ended[rt_name] = disclosure
    read = {k: set(v) for k, v in needs.items()}
    for disclosure in ended.values():
        for ender in disclosure.record_types:
            read.setdefault(ender, set()).update(disclosure.same)

    rec = Records(catalogue, plan.as_of)
    rec.columns = _columns(catalogue, read)
    scope = _scope(plan, list(officers))
    if with_subjects:
        plan.add(SUBJECTS, _subjects(rec.d, scope))
    entries = _entries(rec.d, sorted(read), scope)
    live_here = None if ended else _live_test(rec, sorted(needs), "r", ended_alias=None)
    plan.add(RECORDS, _records(rec, entries, read, plan.capabilities, live_here))
    if ended:
        rec.live = plan.add(LIVE, _live(rec, needs, ended))
    return rec


def _columns(catalogue: Catalogue, read: Mapping[str, set[str]]) -> dict[tuple[str, str], str]:
    """One column per attribute name and SQL type (an attribute of the same name but another
    type on another record type gets a column of its own)."""
    types: dict[str, set[str]] = {}
    for rt_name, names in read.items():
        for name in names:
            types.setdefault(name, set()).add(_type_key(catalogue[rt_name], name))
    out: dict[tuple[str, str], str] = {}
    for rt_name, names in read.items():
        for name in names:
            found = sorted(types[name])
            key = _type_key(catalogue[rt_name], name)
            suffix = "" if len(found) == 1 else f"_{found.index(key)}"
            out[(rt_name, name)] = f"{attr_col(name)}{suffix}"
    return out


def _type_key(rt: RecordType, name: str) -> str:
    return q.sql_type(rt.attributes[name]).sql()


def _scope(plan: Plan, officers: list[RecordType]) -> exp.Expr | None:
    """The subjects whose entries are read: the scope, and with officer records the entities
    they name (a measure reaching an officer rests on the entity's evaluation). Read from every
    entry of those types, corrections included, this may name more entities than hold on D:
    the engine keeps only the scope's rows of the outputs (`Plan.widened`)."""
    if not plan.scoped:
        return None
    in_scope = q.col("subject_key").isin(query=exp.select("subject_key").from_(SCOPE))
    if not officers:
        return in_scope
    named: list[exp.Query] = []
    for rt in officers:
        o = rt.officer_role
        assert o is not None
        named.append(
            exp.select(officer_key(o.scheme, q.json_text(q.col("attributes"), o.entity)).as_("k"))
            .from_(INPUT)
            .where(
                exp.and_(
                    not_step(),
                    exp.EQ(this=q.col("record_type"), expression=q.lit(rt.name)),
                    in_scope.copy(),
                )
            )
        )
    union: exp.Query = named[0]
    for part in named[1:]:
        union = exp.union(union, part, distinct=False)
    plan.widened = True
    entities = exp.select("k").from_(union.subquery("n"))
    return exp.or_(in_scope, q.col("subject_key").isin(query=entities))


def officer_key(scheme: str, value: exp.Expr) -> exp.Expr:
    """The subject key of an entity named by an officer record: `<scheme>:<code>` (entity
    identifiers are not pseudonymised)."""
    return exp.DPipe(this=q.lit(f"{scheme}:"), expression=value, safe=True)


def not_step() -> exp.Expr:
    """Entries that are records or acts on them: workflow steps (`domain/workflow.py`) share the
    ledger, but evaluation never reads them (a step's record_type is no catalogue type, and a
    subject-less step has no subject)."""
    return exp.NEQ(this=q.col("entry_kind"), expression=q.lit(EntryKind.step.value))


def _entries(d: exp.Expr, used: list[str], scope: exp.Expr | None) -> exp.Query:
    where = q.and_(
        [
            not_step(),
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
    where = q.and_([not_step(), exp.LTE(this=q.col("decision_date"), expression=d), scope])
    return (
        exp.select(
            "subject_key",
            exp.Min(this=q.col("subject_kind")).as_("subject_kind"),
        )
        .from_(INPUT)
        .where(where)
        .group_by("subject_key")
    )


def _records(
    rec: Records,
    entries: exp.Query,
    read: Mapping[str, set[str]],
    caps: Capabilities,
    live: exp.Expr | None,
) -> exp.Query:
    """Records with their latest correction's attributes read into columns. Without an
    attribute to read, no corrections are joined (they change attributes only). `entries` are
    read inline, not materialised first: each use filters the input on its own entry kinds,
    which a columnar scan does for less than copying every entry with its attributes."""
    attributes = any(read.values())
    kind = q.col("entry_kind")
    cols: list[exp.Expr] = [
        q.col(c, "r") for c in RECORD_COLUMNS if c not in ("fulfilled_on", "restored_on")
    ]
    cols += [q.col("fulfilled_on", "a"), q.col("restored_on", "a")]
    query = exp.select(*cols).from_(entries.subquery("r", copy=True))
    if attributes:
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
        current = exp.Coalesce(
            this=q.col("attributes", "c"), expressions=[q.col("attributes", "r")]
        )
        names = sorted({n for ns in read.values() for n in ns})
        if caps.json_path_lists:
            paths = exp.Array(expressions=[q.json_path(n) for n in names])
            query = query.select(exp.JSONExtractScalar(this=current, expression=paths).as_(_PARSED))
        else:
            query = query.select(current.as_("attributes"))
        query = query.join(
            corrections.subquery("c"),
            on=exp.EQ(this=q.col("refers_to", "c"), expression=q.col("seq", "r")),
            join_type="left",
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
    query = query.join(
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
    if not attributes and live is None:
        return query
    # read the attributes (and test liveness, which may need them) over the joined records
    outer = exp.select(*[q.col(c, "r") for c in RECORD_COLUMNS])
    names = sorted({n for ns in read.values() for n in ns})
    for column, (spec_rt, name, types) in sorted(_column_sources(rec, read).items()):
        spec = rec.catalogue[spec_rt].attributes[name]
        if caps.json_path_lists:
            index = exp.Literal.number(names.index(name))
            text: exp.Expr = exp.Bracket(this=q.col(_PARSED, "r"), expressions=[index])
        else:
            text = q.json_text(q.col("attributes", "r"), name)
        value = q.typed(spec, text)
        if len(types) < len(read):  # read only for the record types that have it
            guard = exp.In(
                this=q.col("record_type", "r"), expressions=[q.lit(t) for t in sorted(types)]
            )
            value = q.case([(guard, value)], None)
        outer = outer.select(value.as_(column))
    outer = outer.from_(query.subquery("r"))
    if live is not None:
        outer = outer.where(_over_outputs(outer, live))
    return outer


def _column_sources(
    rec: Records, read: Mapping[str, set[str]]
) -> dict[str, tuple[str, str, list[str]]]:
    """Each attribute column → a record type whose spec types it, the attribute, and every
    record type read into it."""
    out: dict[str, tuple[str, str, list[str]]] = {}
    for rt_name in sorted(read):
        for name in sorted(read[rt_name]):
            column = rec.columns[(rt_name, name)]
            if column in out:
                out[column][2].append(rt_name)
            else:
                out[column] = (rt_name, name, [rt_name])
    return out


def _over_outputs(query: exp.Select, cond: exp.Expr) -> exp.Expr:
    """`cond` written over the record columns and the attribute columns by name reads the
    attribute columns as the expressions `query` selects them with (a WHERE cannot see them)."""
    named = {s.alias_or_name: s.this if isinstance(s, exp.Alias) else s for s in query.selects}

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table == "r" and node.name.startswith("a_"):
            return named[node.name].copy()
        return node

    return cond.transform(swap)


def _live_test(
    rec: Records, types: list[str], alias: str, *, ended_alias: str | None
) -> exp.Expr | None:
    """The records of `types` under `alias` that are live on D (None: all of them are)."""
    always: list[str] = []
    parts: list[exp.Expr] = []
    for rt_name in types:
        end = display_end(rec, rec.catalogue[rt_name], alias, ended_alias)
        if end is None:
            always.append(rt_name)
            continue
        live = exp.or_(exp.Is(this=end, expression=exp.null()), exp.LT(this=rec.d, expression=end))
        parts.append(
            exp.and_(
                exp.EQ(this=q.col("record_type", alias), expression=q.lit(rt_name)),
                exp.paren(live),
            )
        )
    if not parts:
        return None
    if always:
        parts.append(
            exp.In(this=q.col("record_type", alias), expressions=[q.lit(t) for t in always])
        )
    return exp.paren(q.or_(parts))


def display_end(rec: Records, rt: RecordType, r: str, ended: str | None) -> exp.Expr | None:
    """When a record of this type stops being live (exclusive); None when it never does. With
    `ended`, the record type's ending records are joined under that alias (`_enders`)."""
    d = rt.disclosure
    decided = q.col("decision_date", r)
    if isinstance(d, FixedDisplay):
        return q.plus(decided, d.period)
    if isinstance(d, TieredDisplay):
        tier = rec.column(rt.name, d.attribute, r)
        whens = [
            (
                exp.EQ(this=tier.copy(), expression=q.lit(value)),
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
        if ended is not None and d.record_types:
            # The latest ending record decided on or after this one, where the first such is
            # the documented end: both are on or before D (records are decided by D), so the
            # record is live on D exactly when neither exists, and grouping the enders by key
            # beats joining every record to every ender of its case.
            last = q.col("last_on", ended)
            ends.append(q.case([(exp.GTE(this=last, expression=decided.copy()), last)], None))
        return q.least(ends) if ends else None
    return None


def _enders(rec: Records, disclosure: UntilExitDisplay) -> exp.Query:
    """The latest ending record per subject and `same` key."""
    parts: list[exp.Query] = []
    for ender in sorted(disclosure.record_types):
        keys = [rec.column(ender, s).as_(attr_col(s)) for s in disclosure.same]
        parts.append(
            exp.select("subject_key", *keys, "decision_date")
            .from_(RECORDS)
            .where(exp.EQ(this=q.col("record_type"), expression=q.lit(ender)))
        )
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    keys_out = ["subject_key", *(attr_col(s) for s in disclosure.same)]
    return (
        exp.select(*keys_out, exp.Max(this=q.col("decision_date")).as_("last_on"))
        .from_(union.subquery("n"))
        .group_by(*keys_out)
    )


def _live(
    rec: Records, needs: Mapping[str, set[str]], ended: Mapping[str, UntilExitDisplay]
) -> exp.Query:
    """The live records of the types conditions read: those ended by other records each joined
    to their enders, the rest filtered on their own columns."""
    columns = sorted({rec.columns[(t, n)] for t in needs for n in needs[t]})

    def select(alias: str) -> exp.Select:
        return exp.select(
            *[q.col(c, alias) for c in RECORD_COLUMNS], *[q.col(c, alias) for c in columns]
        )

    parts: list[exp.Query] = []
    plain = sorted(t for t in needs if t not in ended)
    if plain:
        where = q.and_(
            [
                exp.In(this=q.col("record_type", "r"), expressions=[q.lit(t) for t in plain]),
                _live_test(rec, plain, "r", ended_alias=None),
            ]
        )
        parts.append(select("r").from_(q.table(RECORDS, "r")).where(where))
    for rt_name in sorted(ended):
        disclosure = ended[rt_name]
        on = q.and_(
            [
                exp.EQ(this=q.col("subject_key", "n"), expression=q.col("subject_key", "r")),
                *(
                    exp.EQ(this=q.col(attr_col(s), "n"), expression=rec.column(rt_name, s, "r"))
                    for s in disclosure.same
                ),
            ]
        )
        assert on is not None
        where = q.and_(
            [
                exp.EQ(this=q.col("record_type", "r"), expression=q.lit(rt_name)),
                _live_test(rec, [rt_name], "r", ended_alias="n"),
            ]
        )
        parts.append(
            select("r")
            .from_(q.table(RECORDS, "r"))
            .join(_enders(rec, disclosure).subquery("n"), on=on, join_type="left")
            .where(where)
        )
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    return union


def _test(rt: RecordType, t: AttributeCondition, column: exp.Expr) -> exp.Expr:
    spec = rt.attributes.get(t.attribute)
    if spec is None:  # the loader checks this; a hand-built pack might not
        raise CompileError(f"{rt.name} has no attribute {t.attribute!r}")
    if t.one_of:
        values = [q.typed_lit(spec, v) for v in t.one_of]
        if len(values) == 1:
            return exp.EQ(this=column, expression=values[0])
        return exp.In(this=column, expressions=values)
    parts: list[exp.Expr] = []
    if t.at_least is not None:
        parts.append(exp.GTE(this=column.copy(), expression=q.typed_lit(spec, t.at_least)))
    if t.at_most is not None:
        parts.append(exp.LTE(this=column.copy(), expression=q.typed_lit(spec, t.at_most)))
    found = q.and_(parts)
    if found is None:
        raise CompileError(f"empty test on {rt.name}.{t.attribute}")
    return found
