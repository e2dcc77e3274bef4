"""Lists → listings (docs/concepts/evaluation.md, "Lists").

Per entry rule: an anchor step `xy_a<n>` (one row per anchoring record or upstream listing, with
the attributes other conditions match it on), then one query joining the anchor to each other
condition's per-subject (or per-anchor) aggregate, computing `until` and the notice status and
keeping the listings active on D. A list's step `xy_l<j>` is the union of its rules, evaluated
after every list it is anchored on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from xinyong.compiler import sql as q
from xinyong.compiler.plan import Plan
from xinyong.compiler.records import Records, attr_col
from xinyong.domain.catalogue import Period
from xinyong.domain.lists import (
    CreditList,
    EntryRule,
    ExitEvent,
    Extension,
    ListCondition,
    RecordCondition,
)
from xinyong.domain.results import LISTED, NOTICE_MISSING, RELATIONS

# Columns of a list step: the listing columns plus what list-anchored lists downstream need.
LIST_STEP_COLUMNS = (*RELATIONS["listings"], "subject_kind", "subject_birth_date")
# What identifies an anchor within its rule: the record a listing rests on fixes the subject, so
# the subject key (a long string to hash) need not be part of it.
ANCHOR_KEY = ("anchor_seq", "since")


def list_order(lists: Mapping[str, CreditList]) -> list[str]:
    """Lists after the lists they are anchored on (the loader has refused cycles)."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path or name not in lists:
            return
        for up in sorted(lists[name].upstream()):
            visit(up, (*path, name))
        done.append(name)

    for name in sorted(lists):
        visit(name, ())
    return done


def root_types(lists: Mapping[str, CreditList], name: str) -> set[str]:
    """The record types listings of list `name` rest on at the root: its record anchors' types,
    and through its list anchors theirs (a listing anchored on a listing carries the attributes
    of the record that one rests on)."""
    out: set[str] = set()
    cl = lists.get(name)
    if cl is None:
        return out
    for rule in cl.entry:
        a = rule.anchor
        if isinstance(a, RecordCondition):
            out.add(a.record_type)
        elif a.list != name:
            out |= root_types(lists, a.list)
    return out


def same_attrs(cl: CreditList) -> set[str]:
    """Every attribute some condition of the list matches an anchor on."""
    return {a for c in cl.conditions() for a in c.same}


def build(plan: Plan, rec: Records, lists: Mapping[str, CreditList]) -> dict[str, str]:
    """Add anchor and list steps; returns list name → its step."""
    steps: dict[str, str] = {}
    n = 0
    for j, name in enumerate(list_order(lists)):
        cl = lists[name]
        matched = sorted(same_attrs(cl))
        parts: list[exp.Query] = []
        for rule in cl.entry:
            anchor = plan.add(f"xy_a{n}", _anchor(rec, cl, rule, matched, steps=steps, lists=lists))
            n += 1
            parts.append(_rule(rec, cl, rule, anchor))
        union = parts[0]
        for part in parts[1:]:
            union = exp.union(union, part, distinct=False)
        steps[name] = plan.add(f"xy_l{j}", union)
    return steps


def _kinds(cl: CreditList, column: exp.Expr) -> exp.Expr:
    return exp.In(this=column, expressions=[q.lit(k.value) for k in sorted(cl.subject_kinds)])


def _no_attr(rec: Records, cl: CreditList, name: str) -> exp.Expr:
    """A NULL standing for an attribute the anchor lacks, typed as the conditions that match on
    it type it (so `a_<name> = …` compares like types on every engine)."""
    for c in cl.conditions():
        spec = rec.catalogue[c.record_type].attributes.get(name)
        if name in c.same and spec is not None:
            return q.null_of(q.sql_type(spec))
    return exp.null()


def _anchor(
    rec: Records,
    cl: CreditList,
    rule: EntryRule,
    matched: Sequence[str],
    *,
    steps: Mapping[str, str],
    lists: Mapping[str, CreditList],
) -> exp.Query:
    a = rule.anchor
    if isinstance(a, ListCondition):
        # the attributes of the record the anchoring listing rests on (its case number), so
        # that `same` conditions match this listing's case as they match that one's
        roots = sorted(root_types(lists, a.list))
        values: list[exp.Expr] = []
        for m in matched:
            found = {rec.columns[(t, m)] for t in roots if rec.has_attr(t, m)}
            if len(found) == 1:
                values.append(q.col(found.pop(), "r").as_(attr_col(m)))
            else:
                values.append(_no_attr(rec, cl, m).as_(attr_col(m)))
        cols: list[exp.Expr] = [
            q.col("subject_key", "l"),
            q.col("subject_kind", "l"),
            q.col("subject_birth_date", "l"),
            q.col("anchor_seq", "l"),
            q.lit(a.list).as_("via_list"),
            q.col("since", "l"),
            q.col("until", "l").as_("cap_until"),
            q.null_date().as_("fulfilled_on"),
            q.null_date().as_("restored_on"),
            *values,
        ]
        where = q.and_(
            [
                exp.EQ(this=q.col("status", "l"), expression=q.lit(LISTED)),
                _kinds(cl, q.col("subject_kind", "l")),
            ]
        )
        query = exp.select(*cols).from_(q.table(steps[a.list], "l"))
        if any(isinstance(v, exp.Alias) and isinstance(v.this, exp.Column) for v in values):
            query = query.join(
                q.table(rec.live, "r"),
                on=exp.EQ(this=q.col("seq", "r"), expression=q.col("anchor_seq", "l")),
                join_type="left",
            )
        return query.where(where)
    cols = [
        q.col("subject_key"),
        q.col("subject_kind"),
        q.col("subject_birth_date"),
        q.col("seq").as_("anchor_seq"),
        exp.cast(exp.null(), exp.DataType.Type.VARCHAR).as_("via_list"),
        q.col("decision_date").as_("since"),
        q.null_date().as_("cap_until"),
        q.col("fulfilled_on"),
        q.col("restored_on"),
        *(
            rec.column(a.record_type, m).as_(attr_col(m))
            if rec.has_attr(a.record_type, m)
            else _no_attr(rec, cl, m).as_(attr_col(m))
            for m in matched
        ),
    ]
    kinds = _kinds(cl, q.col("subject_kind"))
    if a.at_least == 1:
        return exp.select(*cols).from_(rec.source(a)).where(kinds)
    ranked = exp.select(
        exp.Star(),
        q.row_number([q.col("subject_key")], [q.col("decision_date"), q.col("seq")]).as_("rk"),
    ).from_(rec.source(a))
    return (
        exp.select(*cols)
        .from_(ranked.subquery("ranked"))
        .where(
            q.and_([kinds, exp.GTE(this=q.col("rk"), expression=exp.Literal.number(a.at_least))])
        )
    )


_Key = tuple[str, tuple[tuple[str, str], ...]]


class _Joins:
    """What a rule reads beyond its anchor, gathered first and joined once per kind of key: the
    conditions matched per subject share one grouped scan of the live records; those matched
    per anchor (on `same` attributes, or dated from the listing's start) share one join of the
    anchors to the records of their subject (and case), aggregated per condition with CASE. A
    rule with six conditions on the anchor's case reads that case once, not six times."""

    def __init__(self, rec: Records, anchor: str) -> None:
        self.rec = rec
        self.anchor = anchor
        self.values: dict[_Key, list[tuple[str, exp.Expr]]] = {}
        self.types: dict[_Key, set[str]] = {}
        self.aliases: dict[_Key, str] = {}
        self.ranked: list[tuple[exp.Expr, exp.Expr]] = []
        self.n = 0

    def _value(self, key: _Key, record_type: str, agg: exp.Expr) -> exp.Column:
        alias = self.aliases.setdefault(key, f"j{len(self.aliases) + len(self.ranked)}")
        name = f"v{self.n}"
        self.n += 1
        self.values.setdefault(key, []).append((name, agg))
        self.types.setdefault(key, set()).add(record_type)
        return q.col(name, alias)

    def _anchor_key(self, c: RecordCondition) -> _Key:
        return ("anchor", tuple((s, self.rec.columns[(c.record_type, s)]) for s in c.same))

    def holds(self, c: RecordCondition) -> exp.Expr:
        """The condition holds on D: at least `at_least` matches, subject-wide or per anchor."""
        key: _Key = self._anchor_key(c) if c.same else ("subject", ())
        hit = q.case([(self.rec.match(c, "x"), exp.Literal.number(1))], None)
        n = self._value(key, c.record_type, exp.Count(this=hit))
        return exp.GTE(
            this=exp.Coalesce(this=n, expressions=[exp.Literal.number(0)]),
            expression=exp.Literal.number(c.at_least),
        )

    def largest(self, c: RecordCondition, attribute: str) -> exp.Expr:
        """The largest value of `attribute` among the records `c` matches (subject-wide or per
        anchor, as `holds` counts them)."""
        key: _Key = self._anchor_key(c) if c.same else ("subject", ())
        value = self.rec.column(c.record_type, attribute, "x")
        hit = q.case([(self.rec.match(c, "x"), value)], None)
        return self._value(key, c.record_type, exp.Max(this=hit))

    def _timing(self, after: bool, wait: Period | None, x: str, a: str) -> exp.Expr:
        x_date = q.col("decision_date", x)
        since = q.col("since", a)
        if after:
            return exp.GTE(this=x_date, expression=since)
        return exp.LTE(this=q.plus(x_date, wait) if wait else x_date, expression=since)

    def first_on(self, c: RecordCondition, *, after: bool, wait: Period | None = None) -> exp.Expr:
        """Per anchor: the date the condition is first met by records decided on or after the
        listing's start (`after`), or — for notice — decided at least `wait` before it."""
        if c.at_least > 1:
            return self._kth_on(c, self._timing(after, wait, "x", "a2"))
        when = exp.and_(self.rec.match(c, "x"), self._timing(after, wait, "x", "a2"))
        first = exp.Min(this=q.case([(when, q.col("decision_date", "x"))], None))
        return self._value(self._anchor_key(c), c.record_type, first)

    def _kth_on(self, c: RecordCondition, timing: exp.Expr) -> exp.Expr:
        """The date of the `at_least`-th matching record (rare: a join of its own)."""
        alias = f"j{len(self.aliases) + len(self.ranked)}"
        on = q.and_(
            [
                exp.EQ(this=q.col("subject_key", "x"), expression=q.col("subject_key", "a2")),
                *(
                    exp.EQ(
                        this=self.rec.column(c.record_type, s, "x"),
                        expression=q.col(attr_col(s), "a2"),
                    )
                    for s in c.same
                ),
                timing,
            ]
        )
        keys = [q.col(k, "a2") for k in ANCHOR_KEY]
        joined = (
            exp.select(*keys, q.col("decision_date", "x"))
            .from_(q.table(self.anchor, "a2"))
            .join(self.rec.source(c, "x"), on=on)
        )
        plain = [q.col(k) for k in ANCHOR_KEY]
        ranked = exp.select(
            *plain,
            q.col("decision_date").as_("first_on"),
            q.row_number(plain, [q.col("decision_date")]).as_("rk"),
        ).from_(joined.subquery("m"))
        agg = (
            exp.select(*plain, q.col("first_on"))
            .from_(ranked.subquery("r"))
            .where(exp.EQ(this=q.col("rk"), expression=exp.Literal.number(c.at_least)))
        )
        self.ranked.append((agg.subquery(alias), _on_anchor(alias)))
        return q.col("first_on", alias)

    def joins(self) -> list[tuple[exp.Expr, exp.Expr]]:
        out: list[tuple[exp.Expr, exp.Expr]] = []
        live = self.rec.live
        for key, values in self.values.items():
            alias = self.aliases[key]
            aggs = [agg.as_(name) for name, agg in values]
            kinds = exp.In(
                this=q.col("record_type", "x"),
                expressions=[q.lit(t) for t in sorted(self.types[key])],
            )
            if key[0] == "subject":
                sub = (
                    exp.select(q.col("subject_key", "x"), *aggs)
                    .from_(q.table(live, "x"))
                    .where(kinds)
                    .group_by(q.col("subject_key", "x"))
                )
                on: exp.Expr = exp.EQ(
                    this=q.col("subject_key", alias), expression=q.col("subject_key", "a")
                )
            else:
                match = q.and_(
                    [
                        exp.EQ(
                            this=q.col("subject_key", "x"), expression=q.col("subject_key", "a2")
                        ),
                        *(
                            exp.EQ(this=q.col(column, "x"), expression=q.col(attr_col(s), "a2"))
                            for s, column in key[1]
                        ),
                    ]
                )
                anchor_keys = [q.col(k, "a2") for k in ANCHOR_KEY]
                sub = (
                    exp.select(*anchor_keys, *aggs)
                    .from_(q.table(self.anchor, "a2"))
                    .join(q.table(live, "x"), on=match)
                    .where(kinds)
                    .group_by(*[k.copy() for k in anchor_keys])
                )
                on = _on_anchor(alias)
            out.append((sub.subquery(alias), on))
        return out + self.ranked


def _on_anchor(alias: str) -> exp.Expr:
    on = q.and_([exp.EQ(this=q.col(k, alias), expression=q.col(k, "a")) for k in ANCHOR_KEY])
    assert on is not None
    return on


def _all_met(dates: Sequence[exp.Expr]) -> exp.Expr:
    """The date all conditions are met: the latest first date, or NULL if any is unmet."""
    if len(dates) == 1:
        return dates[0]
    any_unmet = exp.or_(*[exp.Is(this=d, expression=exp.null()) for d in dates])
    return q.case([(any_unmet, q.null_date())], q.greatest(list(dates)))


def _extended(j: _Joins, ext: Extension, term_end: exp.Expr) -> exp.Expr:
    """`term_end` + the extension's length: the one the matching records order (the largest
    ordered, held within `minimum`..`maximum`), or `minimum`."""
    lengths = ext.lengths()
    if ext.length is None or not lengths:
        return q.plus(term_end, ext.minimum)
    ordered = j.largest(ext.when[0], ext.length.attribute)
    whens = [
        (exp.GTE(this=ordered, expression=exp.Literal.number(n)), q.plus(term_end.copy(), p))
        for n, p in reversed(lengths[1:])
    ]
    shortest = q.plus(term_end.copy(), lengths[0][1])
    return q.case(whens, shortest) if whens else shortest


def _rule(rec: Records, cl: CreditList, rule: EntryRule, anchor: str) -> exp.Query:
    j = _Joins(rec, anchor)
    keep: list[exp.Expr] = []
    for c in rule.when[1:]:
        assert isinstance(c, RecordCondition)
        keep.append(j.holds(c))
    for c in rule.unless:
        keep.append(exp.not_(j.holds(c)))
    for ex in cl.exclusions:
        parts: list[exp.Expr] = [j.holds(c) for c in ex.when]
        if ex.subject is not None:
            if ex.subject.kinds:
                parts.append(
                    exp.In(
                        this=q.col("subject_kind", "a"),
                        expressions=[q.lit(k.value) for k in sorted(ex.subject.kinds)],
                    )
                )
            if ex.subject.age_under is not None:
                born = q.col("subject_birth_date", "a")
                parts.append(
                    exp.and_(
                        exp.not_(exp.Is(this=born, expression=exp.null())),
                        exp.LT(
                            this=q.col("since", "a"),
                            expression=q.plus(born, Period(years=ex.subject.age_under)),
                        ),
                    )
                )
        excluded = q.and_(parts)
        if excluded is not None:
            keep.append(exp.not_(exp.paren(excluded)))

    ends: list[exp.Expr] = [q.col("cap_until", "a")]
    since = q.col("since", "a")
    if rule.term is not None:
        base_end = q.plus(since, rule.term)
        # the longest extension that holds: each (since + term) + its length, in two steps as
        # the reference does; GREATEST ignores the NULL of one that does not hold
        ends_ext: list[exp.Expr] = [base_end]
        for ext in rule.extensions:
            ok = q.and_([j.holds(c) for c in ext.when])
            assert ok is not None
            ends_ext.append(q.case([(ok, _extended(j, ext, q.plus(since, rule.term)))], None))
        term_end: exp.Expr = q.greatest(ends_ext)
        ends.append(term_end)
    for ex_rule in cl.exit:
        if not ex_rule.ends(rule.name):
            continue
        if ex_rule.event is ExitEvent.fulfilment:
            ends.append(q.col("fulfilled_on", "a"))
        elif ex_rule.event is ExitEvent.restoration:
            ends.append(q.col("restored_on", "a"))
        elif ex_rule.when:
            ends.append(_all_met([j.first_on(c, after=True) for c in ex_rule.when]))
        # term_elapsed is the term end above; revocation removes the anchor record itself
    until = q.least(ends)

    status: exp.Expr = q.lit(LISTED)
    if cl.notice is not None and cl.notice.before_listing and cl.notice.when:
        noticed = [j.first_on(c, after=False, wait=cl.notice.wait) for c in cl.notice.when]
        missing = exp.or_(*[exp.Is(this=d, expression=exp.null()) for d in noticed])
        status = q.case([(missing, q.lit(NOTICE_MISSING))], q.lit(LISTED))
    if cl.notice is not None and cl.notice.before_listing and cl.notice.workflow:
        # a notice served through the workflow is a step, which evaluation never reads: every
        # such listing is held, and the service lifts the hold where the notice and its
        # objection period have passed (service/dueprocess.py, through the reference)
        status = q.lit(NOTICE_MISSING)

    inner = exp.select(
        q.col("subject_key", "a"),
        q.lit(cl.name).as_("list_name"),
        q.lit(rule.name).as_("rule_name"),
        q.col("anchor_seq", "a"),
        q.col("via_list", "a"),
        q.col("since", "a"),
        exp.cast(until, exp.DataType.Type.DATE).as_("until"),
        status.as_("status"),
        q.col("subject_kind", "a"),
        q.col("subject_birth_date", "a"),
    ).from_(q.table(anchor, "a"))
    for sub, on in j.joins():
        inner = inner.join(sub, on=on, join_type="left")
    cond = q.and_(keep)
    if cond is not None:
        inner = inner.where(cond)
    active = q.and_(
        [
            exp.LTE(this=q.col("since"), expression=rec.d),
            exp.or_(
                exp.Is(this=q.col("until"), expression=exp.null()),
                exp.LT(this=rec.d, expression=q.col("until")),
            ),
        ]
    )
    assert active is not None
    return exp.select(*LIST_STEP_COLUMNS).from_(inner.subquery("listing")).where(active)
