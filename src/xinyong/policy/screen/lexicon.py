"""The curated lexicon of prohibited categories, read from the YAML files beside this module.

`lexicon/categories.yaml` names each category with its design principle and reason;
`lexicon/en.yaml` and `lexicon/zh.yaml` list its terms in English (and pinyin) and Chinese, the
neutral phrases that contain a term without meaning the category, and (for Chinese) the table that
folds traditional characters into simplified ones. The files are data so that they can be reviewed
and extended without touching the matcher; `Lexicon.check` reports a malformed file with its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Any

from ruamel.yaml import YAML

# one English "word": a run of letters or digits, split at camelCase humps (SpouseId → Spouse, Id)
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

PRINCIPLE_NAMES: Mapping[int, str] = MappingProxyType(
    {
        2: "special categories",
        3: "collective punishment",
        5: "no tracking or monitoring",
    }
)


class Language(StrEnum):
    en = "en"
    zh = "zh"


class Scope(StrEnum):
    """`always`: the term means the category whoever the record is about. `person`: only where the
    text describes a natural person (the record type covers individuals)."""

    always = "always"
    person = "person"


@dataclass(frozen=True, slots=True)
class Category:
    """A prohibited category: its key, how messages name it, its principle and why."""

    name: str
    label: str
    principle: int
    reason: str

    @property
    def principle_name(self) -> str:
        """`P2 special categories`: the code and name messages start with."""
        return f"P{self.principle} {PRINCIPLE_NAMES.get(self.principle, 'design principles')}"


@dataclass(frozen=True, slots=True)
class Term:
    """One lexicon entry. English terms are word sequences (`words`, the last one a prefix when
    `prefix`); Chinese terms are character strings (`words` holds the one string)."""

    text: str
    category: Category
    language: Language
    scope: Scope
    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class Neutral:
    """A phrase that contains a term but does not mean its category, and why."""

    text: str
    language: Language
    why: str
    words: tuple[str, ...]


def english_words(text: str) -> tuple[str, ...]:
    """The lower-cased words of `text` (`spouse_id` → spouse, id).

    >>> english_words("court.enforcement.spouseId, Sit-in")
    ('court', 'enforcement', 'spouse', 'id', 'sit', 'in')
    """
    return tuple(m.group().lower() for m in WORD.finditer(text))


@dataclass(frozen=True, eq=False)  # hashed by identity: matchers are cached per lexicon
class Lexicon:
    categories: Mapping[str, Category]
    terms: tuple[Term, ...]
    neutral: tuple[Neutral, ...]
    traditional: Mapping[str, str]

    def find(self, text: str) -> list[Term]:
        """The terms written as `text` (an `allow:` names one), case-insensitive."""
        key = fold_chinese(text.strip().casefold(), self.traditional)
        return [t for t in self.terms if fold_chinese(t.text.casefold(), self.traditional) == key]

    def check(self) -> list[str]:
        """Problems with the lexicon itself (empty when it is sound); a test keeps it empty."""
        problems = []
        seen: dict[tuple[Language, str], str] = {}
        for t in self.terms:
            key = (t.language, t.text.casefold())
            if key in seen:
                problems.append(
                    f"{t.language}: {t.text!r} listed twice ({seen[key]}, {t.category.name})"
                )
            seen[key] = t.category.name
            if not any(t.words):
                problems.append(f"{t.language}: {t.text!r} has no word to match")
        for k, v in self.traditional.items():
            if len(k) != 1 or len(v) != 1 or k == v:
                problems.append(f"traditional: {k!r} → {v!r} is not a one-character mapping")
        return problems


def fold_chinese(text: str, table: Mapping[str, str]) -> str:
    """`text` with traditional characters replaced by simplified ones, per `table`."""
    return "".join(table.get(ch, ch) for ch in text)


def load_lexicon(files: Mapping[str, str] | None = None) -> Lexicon:
    """The lexicon from its YAML files (`files` maps file name → text, for tests; by default the
    files shipped in `xinyong/policy/screen/lexicon/`)."""
    texts = dict(files) if files is not None else _shipped()
    yaml = YAML(typ="safe")
    raw_categories: dict[str, Any] = yaml.load(texts["categories.yaml"])
    categories = {
        name: Category(name, str(c["label"]), int(c["principle"]), str(c["reason"]))
        for name, c in raw_categories.items()
    }
    terms: list[Term] = []
    neutral: list[Neutral] = []
    traditional: dict[str, str] = {}
    for language in Language:
        data: dict[str, Any] = yaml.load(texts[f"{language.value}.yaml"])
        traditional.update({str(k): str(v) for k, v in (data.get("traditional") or {}).items()})
        for cat_name, scopes in data["terms"].items():
            category = categories[cat_name]  # KeyError names an unknown category: a data bug
            for scope in Scope:
                for text in scopes.get(scope.value) or ():
                    terms.append(_term(str(text), category, language, scope))
        for n in data.get("neutral") or ():
            phrase = str(n["phrase"])
            words = english_words(phrase) if language is Language.en else (phrase,)
            neutral.append(Neutral(phrase, language, str(n["why"]), words))
    return Lexicon(
        categories=MappingProxyType(categories),
        terms=tuple(terms),
        neutral=tuple(neutral),
        traditional=MappingProxyType(traditional),
    )


def _term(text: str, category: Category, language: Language, scope: Scope) -> Term:
    if language is Language.zh:
        return Term(text, category, language, scope, (text,))
    prefix = text.endswith("*")
    return Term(text, category, language, scope, english_words(text.rstrip("*")), prefix)


def _shipped() -> dict[str, str]:
    folder = resources.files("xinyong.policy.screen") / "lexicon"
    names: Iterable[str] = ("categories.yaml", "en.yaml", "zh.yaml")
    return {name: (folder / name).read_text(encoding="utf-8") for name in names}
