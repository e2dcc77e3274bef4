"""The feature screen: what a statistical scorecard may never use, whatever the column is called.

A scorecard learns from whatever columns it is given, so the screen reads what a feature *means*:
its name, its description and the values it takes. A feature that speaks of sex, marital or
personal status, nationality or foreign-worker status, ethnicity, religion, health, disability,
political opinion, sexual life, genetics, biometrics or social relations is refused (design
principle 2; social relations also principle 3: nobody is scored for whom they know). Age is
not refused outright but flagged: a pack may use it only where it cites a legal basis for doing
so, and the model report shows its effect.

`screen_feature` is the one entry point: the word lists below (which also read snake_case column
names and data values) first, then the pack meaning screen's lexicon (`policy/screen`, English
and Chinese) on the name, the description and each value.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from xinyong.policy.screen import screen_terms


def _words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


# category → words whose presence (as whole words, after splitting snake_case and punctuation)
# marks the category. Values matter as much as names: "male : single" in a column called `x7`
# is still sex and marital status.
_PROTECTED: dict[str, frozenset[str]] = {
    "sex": _words_of(
        "sex gender male female females males man woman men women masculine feminine "
        "transgender nonbinary"
    ),
    "marital or personal status": _words_of(
        "marital married unmarried single divorced separated widowed widow widower spouse "
        "husband wife partner cohabiting personal_status civil_union pregnancy pregnant "
        "maternity"
    ),
    "nationality or foreign-worker status": _words_of(
        "nationality citizenship citizen foreign foreigner foreign_worker immigrant "
        "immigration migrant hukou alien residency_status national_origin"
    ),
    "ethnicity or race": _words_of("ethnicity ethnic race racial minzu tribe caste"),
    "religion or belief": _words_of(
        "religion religious faith church mosque temple belief denomination"
    ),
    "health or disability": _words_of(
        "health disability disabled illness disease diagnosis medical hospital pregnancy "
        "mental handicap"
    ),
    "political opinion": _words_of("political party petition protest union_member"),
    "sexual life or orientation": _words_of("sexual orientation lgbt gay lesbian"),
    "genetic or biometric data": _words_of("genetic dna biometric fingerprint face"),
    "social relations": _words_of(
        "friend friends contacts social_network relatives family_members associates followers"
    ),
}
_AGE = _words_of("age age_in_years birth birthdate birth_date date_of_birth dob born")


@dataclass(frozen=True, slots=True)
class Screened:
    """What the screen found: a refused `category` (with the `word` that marked it), or
    `age=True` for a feature that needs a cited legal basis."""

    category: str | None = None
    word: str | None = None
    age: bool = False

    @property
    def refused(self) -> bool:
        return self.category is not None


def _words(text: str) -> set[str]:
    low = text.lower()
    parts = [p for p in re.split(r"[^a-z0-9]+", low) if p]
    # both the single words and adjacent pairs joined by "_", so `foreign_worker` and
    # "personal status" match whichever way they are written
    pairs = {f"{a}_{b}" for a, b in itertools.pairwise(parts)}
    return set(parts) | pairs


def screen_feature(name: str, description: str = "", values: Iterable[object] = ()) -> Screened:
    """Screen one feature by its name, description and values.

    >>> screen_feature("personal_status_and_sex").category
    'sex'
    >>> screen_feature("x7", values=["A91", "male : single"]).category
    'sex'
    >>> screen_feature("foreign_worker").category
    'nationality or foreign-worker status'
    >>> screen_feature("age_in_years").age, screen_feature("age_in_years").refused
    (True, False)
    >>> screen_feature("duration_in_month", values=[6, 12]).refused
    False
    """
    words = _words(name) | _words(description)
    for v in values:
        if isinstance(v, str):
            words |= _words(v)
    for category, lexicon in _PROTECTED.items():
        hit = sorted(words & lexicon)
        if hit:
            return Screened(category=category, word=hit[0])
    # then the pack meaning screen's lexicon (English and Chinese, `policy/screen`), which every
    # text of a pack passes: a feature is held to no less
    texts = [name.replace("_", " "), description, *(v for v in values if isinstance(v, str))]
    for text in texts:
        found = screen_terms(text)
        if found:
            return Screened(category=found[0].category.label, word=found[0].found)
    return Screened(age=bool(words & _AGE))
