"""Lists (名单): blacklists, red lists and watch lists as resolved, engine-neutral rules.

A list is a set of entry rules over a subject's records. Each rule is a conjunction of record
conditions (`when`) minus exclusions (`unless`), with a term: open (ends only on an exit event) or
fixed, possibly extended. List-wide exclusions (e.g. minors, SPC Fa Shi [2017] No. 7 Art 4), exit
rules, the notice required before listing, and the publication scope complete it. Evaluation lives
in the compiler; this module only describes what must be evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from xinyong.domain.catalogue import BreachDomain, Catalogue, Citation, Period, Scalar
from xinyong.domain.subject import SubjectKind


class ListKind(StrEnum):
    blacklist = "blacklist"
    red_list = "red_list"
    watch_list = "watch_list"


class ExitEvent(StrEnum):
    """Events that end a listing without a record condition.

    `fulfilment`, `restoration` and `revocation` mean a ledger entry of that kind referring to a
    record the listing rests on; `term_elapsed` means the listing's fixed term (with any extension)
    has run out.
    """

    term_elapsed = "term_elapsed"
    fulfilment = "fulfilment"
    restoration = "restoration"
    revocation = "revocation"


class PublicationScope(StrEnum):
    """Who may see a listing beyond the subject: everyone, relying parties on a logged check, or
    nobody (principle 4's default for individuals)."""

    public = "public"
    relying_parties = "relying_parties"
    subject_only = "subject_only"


@dataclass(frozen=True, slots=True)
class AttributeCondition:
    """A test on one attribute: membership in `one_of`, or a closed range `at_least`..`at_most`."""

    attribute: str
    one_of: tuple[Scalar, ...] = ()
    at_least: Scalar | None = None
    at_most: Scalar | None = None


@dataclass(frozen=True, slots=True)
class RecordCondition:
    """At least `at_least` live records of `record_type` whose attributes pass every test in
    `where`, decided within `within` before the evaluation date (no window when None).

    `same` names attributes a matching record must share with the record that anchors a listing
    (e.g. `case_number`: a performance ends the listing of *its* case, not of every case).
    A condition without `same` is about the subject as a whole.
    """

    record_type: str
    where: tuple[AttributeCondition, ...] = ()
    at_least: int = 1
    within: Period | None = None
    same: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListCondition:
    """Membership of another list. Only the first (anchor) condition of an entry rule may be
    one: each of the other list's listings then starts a listing of this one, for as long as it
    lasts (SPC Fa Shi [2010] No. 8 Art 1: listed debtors *shall* be restricted from high
    consumption)."""

    list: str


Condition = RecordCondition | ListCondition


@dataclass(frozen=True, slots=True)
class SubjectCondition:
    """A test on the subject itself: younger than `age_under` years on the evaluation date, or of
    one of `kinds`. Both given means both must hold."""

    age_under: int | None = None
    kinds: frozenset[SubjectKind] = frozenset()


@dataclass(frozen=True, slots=True)
class ExtensionLength:
    """The length a record orders: its integer `attribute` times `unit` (e.g. a court ordering
    an extension of 2 years: `extended_by_years` × P1Y)."""

    attribute: str
    unit: Period


@dataclass(frozen=True, slots=True)
class Extension:
    """Lengthens a fixed term when every condition in `when` holds: by the length the records
    matching the first condition order (`length`), kept within `minimum`..`maximum`, or by
    `minimum` when no record orders a length."""

    name: str
    when: tuple[RecordCondition, ...]
    minimum: Period
    maximum: Period
    legal_basis: tuple[Citation, ...]
    length: ExtensionLength | None = None

    def lengths(self) -> tuple[tuple[int, Period], ...]:
        """Each whole number of units within `minimum`..`maximum` with its period, shortest
        first: the lengths a record can order (a value outside is held to the nearest)."""
        if self.length is None:
            return ()
        u = self.length.unit
        out = []
        for n in range(1, 1000):
            p = Period(years=u.years * n, months=u.months * n, days=u.days * n)
            if p.approx_days() > self.maximum.approx_days():
                break
            if p.approx_days() >= self.minimum.approx_days():
                out.append((n, p))
        return tuple(out)

    def period_for(self, ordered: int | None) -> Period:
        """The extension a record ordering `ordered` units gives: the largest length not above
        it, the shortest when it orders less (or nothing), `minimum` without a `length`."""
        found = self.lengths()
        if not found or ordered is None:
            return self.minimum
        chosen = found[0][1]
        for n, p in found:
            if n <= ordered:
                chosen = p
        return chosen


@dataclass(frozen=True, slots=True)
class EntryRule:
    """Lists the subject when every `when` condition holds and no `unless` condition does.

    The first `when` condition is the anchor: each matching record (or each listing of the named
    list) starts one listing, dated from its decision, ended by the exit rules or by the term.
    `term` None means an open term: the listing lasts until an exit rule fires.
    """

    name: str
    when: tuple[Condition, ...]
    unless: tuple[RecordCondition, ...]
    term: Period | None
    extensions: tuple[Extension, ...]
    legal_basis: tuple[Citation, ...]

    @property
    def open_term(self) -> bool:
        return self.term is None

    @property
    def anchor(self) -> Condition:
        return self.when[0]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A subject matching this is never listed, whatever the entry rules say."""

    name: str
    when: tuple[RecordCondition, ...]
    subject: SubjectCondition | None
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class ExitRule:
    """Ends a listing on `event`, or when every `when` condition holds. `deadline_working_days` is
    the time the authority has to take the entry down once the rule fires. `rules` names the
    entry rules whose listings it ends (all when empty): a fixed-term listing may not end the
    way an open one does (SPC Fa Shi [2017] No. 7 Art 10 para 2)."""

    name: str
    event: ExitEvent | None
    when: tuple[RecordCondition, ...]
    legal_basis: tuple[Citation, ...]
    deadline_working_days: int | None = None
    description: str = ""
    rules: tuple[str, ...] = ()

    def ends(self, rule_name: str) -> bool:
        """The rule ends listings made by entry rule `rule_name`."""
        return not self.rules or rule_name in self.rules


@dataclass(frozen=True, slots=True)
class Notice:
    """Due process before listing: whether the subject must be told first, the record proving it
    was (e.g. an enforcement notice with a listing risk warning) and the wait after it, or a
    notice served through the workflow and the days to object after it."""

    before_listing: bool
    when: tuple[RecordCondition, ...]
    wait: Period | None
    legal_basis: tuple[Citation, ...]
    # served through the notice workflow (service/dueprocess), which evaluation cannot see: the
    # engines hold every such listing (`notice_missing`) and the service lifts the hold for the
    # listings whose notice and objection period have passed
    workflow: bool = False
    objection_days: int | None = None


@dataclass(frozen=True, slots=True)
class Objection:
    """The route a listed subject takes to object (e.g. SPC Fa Shi [2017] No. 7 Arts 11-12)."""

    description: str
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class Publication:
    scope: PublicationScope
    legal_basis: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class CreditList:
    """A blacklist, red list or watch list."""

    name: str
    kind: ListKind
    title: str
    legal_basis: tuple[Citation, ...]
    subject_kinds: frozenset[SubjectKind]
    entry: tuple[EntryRule, ...]
    exclusions: tuple[Exclusion, ...]
    exit: tuple[ExitRule, ...]
    notice: Notice | None
    publication: Publication
    description: str = ""
    objection: Objection | None = None

    def conditions(self) -> Iterator[RecordCondition]:
        """Every record condition the list uses, in entry, exclusion, exit and notice rules."""
        for rule in self.entry:
            yield from (c for c in rule.when if isinstance(c, RecordCondition))
            yield from rule.unless
            for ext in rule.extensions:
                yield from ext.when
        for exc in self.exclusions:
            yield from exc.when
        for ex in self.exit:
            yield from ex.when
        if self.notice is not None:
            yield from self.notice.when

    def record_types(self) -> frozenset[str]:
        return frozenset(c.record_type for c in self.conditions())

    def upstream(self) -> frozenset[str]:
        """The lists whose listings anchor listings of this one."""
        return frozenset(
            c.list for rule in self.entry for c in rule.when if isinstance(c, ListCondition)
        )

    def breach_domains(
        self, catalogue: Catalogue, lists: Mapping[str, CreditList] | None = None
    ) -> frozenset[BreachDomain]:
        """The domains of the records that *put* a subject on this list (entry `when` conditions,
        through the lists that anchor it); the domain a measure triggered by the list answers
        (principle 6)."""
        return frozenset(self._domains(catalogue, lists or {}, frozenset()))

    def _domains(
        self, catalogue: Catalogue, lists: Mapping[str, CreditList], seen: frozenset[str]
    ) -> Iterator[BreachDomain]:
        for rule in self.entry:
            for c in rule.when:
                if isinstance(c, RecordCondition):
                    if c.record_type in catalogue:
                        yield catalogue[c.record_type].domain
                elif c.list in lists and c.list not in seen | {self.name}:
                    yield from lists[c.list]._domains(catalogue, lists, seen | {self.name})
