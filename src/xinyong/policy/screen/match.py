"""Finding lexicon terms in a text: whole words in English, character runs in Chinese.

English: the text is split into words (`WORD`: letters or digits, camelCase split, so ids like
`spouse_id` and prose match alike); a term of n words matches n words in a row, each equal to the
term's word or one of its plural and possessive forms, or starting with it for a `*` term. Word
boundaries are what keep "relations" in "labour relations" from being "relatives", and "culture"
from being "cult".

Chinese: the text is folded (NFKC, traditional → simplified, spaces and separators between
characters dropped) and searched for each term as a substring.

Either way a match that lies wholly inside a neutral phrase ("public health", 执行 places,
公共卫生) is dropped, and of overlapping matches the longest is kept.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType

from xinyong.policy.screen.lexicon import (
    WORD,
    Category,
    Language,
    Lexicon,
    Scope,
    Term,
    load_lexicon,
)

# dropped before Chinese matching: "信 访", "信_访", "信·访" and zero-width tricks are 信访
_SEPARATORS = frozenset(" \t\r\n\u3000_-·・\u200b\u200c\u200d\u2060\ufeff")


@dataclass(frozen=True, slots=True)
class TermFinding:
    """A lexicon term found in a text: the term as the lexicon writes it, the text as found, its
    category (with the principle and reason), and where it is (offsets in the NFKC-normalised
    text, which equals the input for ordinary text)."""

    term: str
    found: str
    category: Category
    language: Language
    start: int
    end: int

    @property
    def principle(self) -> int:
        return self.category.principle

    def describe(self) -> str:
        """`'Petitions' (petitioning, a political activity; lexicon term 'petition*')`."""
        extra = (
            "" if self.found.casefold() == self.term.casefold() else f"; lexicon term {self.term!r}"
        )
        return f"{self.found!r} ({self.category.label}{extra})"


@cache
def default_lexicon() -> Lexicon:
    """The shipped lexicon, read once."""
    return load_lexicon()


def screen_terms(
    text: str, *, person: bool = True, lexicon: Lexicon | None = None
) -> list[TermFinding]:
    """The prohibited-category terms in `text`, in order of position.

    `person=False` says the text is not about a natural person (an enterprise's record, an action
    of a measure), so terms that only mean the category for a person ("health", "location") are
    not reported. Other projects' features (scorecards, report fields) can be screened the same way.

    >>> [f.term for f in screen_terms("Spouse's unpaid debt, from a 信訪 case")]
    ['spouse*', '信访']
    >>> screen_terms("Food business failed its health inspection", person=False)
    []
    >>> [f.category.name for f in screen_terms("place of enforcement (执行地)")]
    []
    """
    return list(_screen(text, person, lexicon if lexicon is not None else default_lexicon()))


# a pack repeats its texts (case_number, "people's courts") and loads often: remember answers
@lru_cache(maxsize=8192)
def _screen(text: str, person: bool, lex: Lexicon) -> tuple[TermFinding, ...]:
    norm = unicodedata.normalize("NFKC", text)
    scopes = frozenset({Scope.always, Scope.person} if person else {Scope.always})
    index = _index(lex)
    found = _english(norm, index, scopes) + _chinese(norm, lex, scopes)
    return tuple(_longest(found))


@dataclass(frozen=True)
class _Index:
    """English terms and neutral phrases by the forms of their first word, so that each word of a
    text is looked up once rather than compared with every term."""

    exact: Mapping[str, tuple[_Entry, ...]]
    prefixes: Mapping[str, tuple[_Entry, ...]]  # one-word `*` terms, by their stem


@dataclass(frozen=True, slots=True)
class _Entry:
    words: tuple[str, ...]
    prefix: bool
    term: Term | None  # None: a neutral phrase


@cache
def _index(lex: Lexicon) -> _Index:
    exact: dict[str, list[_Entry]] = defaultdict(list)
    prefixes: dict[str, list[_Entry]] = defaultdict(list)
    entries = [_Entry(n.words, False, None) for n in lex.neutral if n.language is Language.en]
    entries += [_Entry(t.words, t.prefix, t) for t in lex.terms if t.language is Language.en]
    for e in entries:
        if e.prefix and len(e.words) == 1:
            prefixes[e.words[0]].append(e)
        else:
            for form in _forms(e.words[0]):
                exact[form].append(e)
    return _Index(
        MappingProxyType({k: tuple(v) for k, v in exact.items()}),
        MappingProxyType({k: tuple(v) for k, v in prefixes.items()}),
    )


def _english(text: str, index: _Index, scopes: frozenset[Scope]) -> list[TermFinding]:
    words = [(m.group().lower(), m.start(), m.end()) for m in WORD.finditer(text)]
    tokens = [w for w, _, _ in words]
    hits: list[tuple[int, int, Term | None]] = []
    for i, token in enumerate(tokens):
        candidates = list(index.exact.get(token, ()))
        for k in range(1, len(token) + 1):
            candidates += index.prefixes.get(token[:k], ())
        for e in candidates:
            n = len(e.words)
            if i + n <= len(tokens) and all(
                _word_matches(tokens[i + k], w, prefix=e.prefix and k == n - 1)
                for k, w in enumerate(e.words)
            ):
                hits.append((i, i + n, e.term))
    masked = [(i, j) for i, j, term in hits if term is None]
    out = []
    for i, j, term in hits:
        if term is None or term.scope not in scopes:
            continue
        if any(a <= i and j <= b for a, b in masked):
            continue
        start, end = words[i][1], words[j - 1][2]
        out.append(
            TermFinding(term.text, text[start:end], term.category, term.language, start, end)
        )
    return out


def _forms(word: str) -> set[str]:
    """The word and its plurals (other inflections are listed in the lexicon, where they mean the
    category): wife → wives, party → parties, spouse → spouses."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("fe"):
        forms.add(word[:-2] + "ves")
    return forms


def _word_matches(token: str, word: str, *, prefix: bool) -> bool:
    if prefix:
        return token.startswith(word)
    return token in _forms(word)


def _chinese(text: str, lex: Lexicon, scopes: frozenset[Scope]) -> list[TermFinding]:
    # the folded text, and for each of its characters the offset it came from
    chars, where = [], []
    for i, ch in enumerate(text):
        if ch in _SEPARATORS:
            continue
        chars.append(lex.traditional.get(ch, ch))
        where.append(i)
    folded = "".join(chars)
    if not any(unicodedata.east_asian_width(c) == "W" for c in folded):
        return []
    masked = [
        (i, i + len(n.text))
        for n in lex.neutral
        if n.language is Language.zh
        for i in _substring_hits(folded, n.text)
    ]
    out = []
    for term in lex.terms:
        if term.language is not Language.zh or term.scope not in scopes:
            continue
        for i in _substring_hits(folded, term.text):
            j = i + len(term.text)
            if any(a <= i and j <= b for a, b in masked):
                continue
            start, end = where[i], where[j - 1] + 1
            out.append(
                TermFinding(term.text, text[start:end], term.category, term.language, start, end)
            )
    return out


def _substring_hits(text: str, needle: str) -> list[int]:
    hits, i = [], text.find(needle)
    while i >= 0:
        hits.append(i)
        i = text.find(needle, i + 1)
    return hits


def _longest(found: list[TermFinding]) -> list[TermFinding]:
    """Of overlapping findings keep the longest ("social media post" over "social media"), then
    the first of equal ones; ordered by position."""
    kept: list[TermFinding] = []
    for f in sorted(found, key=lambda f: (-(f.end - f.start), f.start)):
        if not any(f.start < k.end and k.start < f.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)
