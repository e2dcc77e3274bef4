"""S1 (principles 2, 3 and 5, by meaning): no words of a prohibited category in what a pack says
its records, lists, scores and measures are about.

P2 checks the `data_category` each record type and attribute declares; a pack can declare an
allowed category and still be about petitions, religion or a subject's spouse. This rule reads
the words: names, titles, descriptions and authorities of record types, their attribute names,
descriptions and enum values; names, titles and descriptions of lists, the names of their entry
rules, extensions, exclusions and exit rules, exit rules' descriptions and the objection route;
names, titles, descriptions and items of schemes; names, titles and descriptions of measures.
Each is screened with `xinyong.policy.screen` (English and Chinese lexicon). Terms that only
mean the category for a person ("health", "location") count where the document covers
individuals; a measure's words describe an action, not data held, so only `always` terms count
there.

A genuine false positive is waived by an `allow:` entry with a reason; it is then shown by
`pack validate` for review instead of refused. An allow without a reason, or that waives nothing,
is an error: exceptions must be explained and must not linger for words the document dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from xinyong.domain.catalogue import RecordType
from xinyong.domain.lists import CreditList
from xinyong.domain.measures import Measure
from xinyong.domain.scoring import ScoringScheme
from xinyong.domain.subject import SubjectKind
from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Allowance, Pack
from xinyong.policy.problems import key_path
from xinyong.policy.resolve.context import LIST, MEASURE, RECORD_TYPE, SCHEME
from xinyong.policy.screen import TermFinding, default_lexicon, screen_terms
from xinyong.policy.source import At, Loc


@dataclass(frozen=True, slots=True)
class Text:
    """One screened string of a document: where it is, what it is, and the string."""

    loc: Loc
    what: str
    text: str
    at: At = "value"


class MeaningScreen(Rule):
    code = "S1"
    severity = Severity.error
    summary = (
        "Names, titles, descriptions, attribute names and enum values carry no term of a "
        "prohibited category (English and Chinese lexicon; `allow:` for reviewed exceptions)."
    )

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            yield from self._screen(
                pack, RECORD_TYPE, rt.name, _person(rt.subject_kinds), _record_type(rt)
            )
        for lst in pack.lists.values():
            yield from self._screen(pack, LIST, lst.name, _person(lst.subject_kinds), _list(lst))
        for s in pack.schemes.values():
            yield from self._screen(pack, SCHEME, s.name, _person(s.subject_kinds), _scheme(s))
        for m in pack.measures.values():
            yield from self._screen(pack, MEASURE, m.name, False, _measure(m))

    def _screen(
        self, pack: Pack, group: str, name: str, person: bool, texts: Iterable[Text]
    ) -> Iterator[Finding]:
        allowances = pack.allowances.get((group, name), ())
        valid = [a for a in allowances if a.reason.strip()]
        used: set[int] = set()
        for t in texts:
            for f in screen_terms(t.text, person=person):
                allow = next((a for a in valid if _waives(a, f, t.loc)), None)
                message = _message(f, t.what)
                if allow is not None:
                    used.add(allow.index)
                    yield Finding(
                        group,
                        name,
                        t.loc,
                        f"allowed: {message} — reason: {allow.reason.strip()}",
                        at=t.at,
                        allowed=allow.reason,
                    )
                    continue
                yield Finding(group, name, t.loc, message, hints=(_hint(f),), at=t.at)
        for a in allowances:
            if not a.reason.strip():
                yield Finding(
                    group,
                    name,
                    ("allow", a.index),
                    f"the exception for {a.term!r} needs a `reason:` saying why the word does not "
                    "mean a prohibited category here; a reviewer judges it",
                )
            elif a.index not in used:
                known = default_lexicon().find(a.term) or screen_terms(a.term)
                where = f"under {a.at}" if a.at else "in this document"
                what = (
                    f"the screen finds no such term {where}"
                    if known
                    else "it is not a lexicon term"
                )
                yield Finding(
                    group,
                    name,
                    ("allow", a.index, "term"),
                    f"allows {a.term!r}, but {what}: remove the exception so that it cannot hide a "
                    "later use of the word",
                )


def _person(kinds: Iterable[SubjectKind]) -> bool:
    return SubjectKind.individual in kinds


def _waives(a: Allowance, f: TermFinding, loc: Loc) -> bool:
    term = a.term.strip().casefold()
    if term not in (f.term.casefold(), f.found.casefold()):
        return False
    if a.at is None:
        return True
    path = key_path(loc)
    return path == a.at or path.startswith((a.at + ".", a.at + "["))


def _message(f: TermFinding, what: str) -> str:
    c = f.category
    return f"{c.principle_name}: {f.describe()} in the {what}; {c.reason}"


def _hint(f: TermFinding) -> str:
    return (
        f"If the word means something else here, add `allow: [{{term: {f.term!r}, reason: ...}}]` "
        "to this document; `pack validate` lists every allowed term for review"
    )


def _record_type(rt: RecordType) -> Iterator[Text]:
    yield Text(("name",), "name", rt.name)
    yield Text(("title",), "title", rt.title)
    if rt.description:
        yield Text(("description",), "description", rt.description)
    yield Text(("authority",), "authority", rt.authority)
    for attr in rt.attributes.values():
        loc: Loc = ("attributes", attr.name)
        yield Text(loc, "attribute name", attr.name, at="key")
        if attr.description:
            yield Text((*loc, "description"), "attribute description", attr.description)
        for i, v in enumerate(attr.values):
            yield Text((*loc, "values", i), "enum value", v)


def _list(lst: CreditList) -> Iterator[Text]:
    yield Text(("name",), "name", lst.name)
    yield Text(("title",), "title", lst.title)
    if lst.description:
        yield Text(("description",), "description", lst.description)
    for i, rule in enumerate(lst.entry):
        yield Text(("entry", i, "name"), "entry rule name", rule.name)
        for j, ext in enumerate(rule.extensions):
            yield Text(("entry", i, "extensions", j, "name"), "extension name", ext.name)
    for i, exc in enumerate(lst.exclusions):
        yield Text(("exclusions", i, "name"), "exclusion name", exc.name)
    for i, ex in enumerate(lst.exit):
        yield Text(("exit", i, "name"), "exit rule name", ex.name)
        if ex.description:
            yield Text(("exit", i, "description"), "exit rule description", ex.description)
    if lst.objection is not None and lst.objection.description:
        yield Text(("objection", "description"), "objection route", lst.objection.description)


def _scheme(s: ScoringScheme) -> Iterator[Text]:
    yield Text(("name",), "name", s.name)
    yield Text(("title",), "title", s.title)
    if s.description:
        yield Text(("description",), "description", s.description)
    for i, item in enumerate(s.items):
        yield Text(("items", i, "name"), "score item name", item.name)


def _measure(m: Measure) -> Iterator[Text]:
    yield Text(("name",), "name", m.name)
    yield Text(("title",), "title", m.title)
    if m.description:
        yield Text(("description",), "description", m.description)
