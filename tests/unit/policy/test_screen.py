"""The meaning screen: the lexicon is sound, the matcher finds terms the way its docs say (word
boundaries, plurals, ids, scripts, spacing), and `allow:` exceptions are reviewed, not silent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pack_helpers import NATIONAL, REPO
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.domain.catalogue import PERMITTED_CATEGORIES, PROHIBITED, BreachDomain, DataCategory
from xinyong.policy import load_pack
from xinyong.policy.screen import default_lexicon, load_lexicon, screen_terms
from xinyong.policy.screen.lexicon import Language, Scope

LEXICON = default_lexicon()


def _categories(text: str, *, person: bool = True) -> list[str]:
    return [f.category.name for f in screen_terms(text, person=person)]


def test_the_lexicon_is_sound() -> None:
    assert LEXICON.check() == []
    for language in Language:
        covered = {t.category.name for t in LEXICON.terms if t.language is language}
        assert covered == set(LEXICON.categories), f"{language}: categories without terms"


def test_categories_keep_the_principle_of_their_data_category() -> None:
    for name, category in LEXICON.categories.items():
        if name in DataCategory.__members__:
            prohibition = PROHIBITED.get(DataCategory(name))
            assert prohibition is not None, f"{name} is a permitted data category"
            # biometrics: principle 2 refuses the data, principle 5 the identification the
            # screen cites; both are refusals
            assert category.principle in {prohibition.principle, 5}, name


@pytest.mark.parametrize("term", LEXICON.terms, ids=lambda t: f"{t.language}:{t.text}")
def test_every_term_finds_itself(term: object) -> None:
    from xinyong.policy.screen.lexicon import Term

    assert isinstance(term, Term)
    text = term.text.rstrip("*")
    found = screen_terms(f"about {text} here")
    assert term.category.name in [f.category.name for f in found]
    if term.scope is Scope.person:
        assert term.category.name not in _categories(f"about {text} here", person=False)


def test_vocabulary_words_are_not_terms() -> None:
    # record type names are built from these, e.g. medical_regulation.unlicensed_practice
    for word in [*(d.value for d in BreachDomain), *PERMITTED_CATEGORIES]:
        assert screen_terms(word) == [], word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Religious activity", ["religion"]),
        ("spouse_id", ["family_relations"]),
        ("SpouseId", ["family_relations"]),
        ("the debtor's wives", ["family_relations"]),
        ("petitioner", ["petitioning"]),
        ("ＳＰＯＵＳＥ", ["family_relations"]),  # full-width letters fold (NFKC)
        ("信 访", ["petitioning"]),  # spaced characters
        ("信_访", ["petitioning"]),
        ("信訪", ["petitioning"]),  # traditional script
        ("黨員", ["party_affiliation"]),
        ("labour relations dispute", []),
        ("relations with the tax office", []),
        ("Cultural relic damaged", []),
        ("relative humidity exceeded", []),
        ("acted in good faith", []),
        ("place of enforcement", []),
        ("强制执行地", []),
        ("异议申请", []),  # an objection, the subject's due-process right
        ("回访记录", []),  # a tax office's follow-up visit
        ("连带责任保证", []),  # joint and several liability of a guarantor
        ("Employing child labour", []),
        ("使用童工", []),
        ("Parent company guarantee", []),
        ("Concealing the whereabouts of property", []),
        ("隐匿财产去向", []),
        ("Fraud on the medical insurance fund", []),
        ("骗取医疗保障基金", []),
        ("social media post deleted", ["online_speech"]),  # the longest match, once
    ],
)
def test_matching(text: str, expected: list[str]) -> None:
    assert _categories(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Health inspection of a food business", "Food business health: kitchen failed", "GPS units"],
)
def test_person_terms_need_a_person(text: str) -> None:
    # "health" alone is a person's health only where a person is what the text describes
    person = _categories(text)
    assert _categories(text, person=False) == []
    assert person in ([], ["health"], ["location"])


def test_findings_say_what_and_where() -> None:
    [f] = screen_terms("Record of the spouse's loans")
    assert (f.term, f.found, f.principle) == ("spouse*", "spouse", 3)
    assert "Record of the spouse's loans"[f.start : f.end] == "spouse"
    assert f.category.principle_name == "P3 collective punishment"
    assert f.describe() == "'spouse' (a relative of the subject; lexicon term 'spouse*')"


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=30)


@settings(max_examples=200)
@given(before=_WORDS, after=_WORDS, upper=st.booleans())
def test_an_always_term_is_found_in_any_surrounding_words(
    before: str, after: str, upper: bool
) -> None:
    text = f"{before} petitions {after}"
    assert "petitioning" in _categories(text.upper() if upper else text, person=False)


@settings(max_examples=200)
@given(before=st.text(max_size=20), after=st.text(max_size=20))
def test_a_chinese_term_is_found_in_any_surrounding_text(before: str, after: str) -> None:
    assert "religion" in _categories(f"{before}宗教{after}", person=False)


def test_a_lexicon_can_be_loaded_from_other_files() -> None:
    lex = load_lexicon(
        {
            "categories.yaml": "religion: {label: religion, principle: 2, reason: no}",
            "en.yaml": "terms: {religion: {always: [chapel*]}}\n"
            "neutral: [{phrase: chapel street, why: an address}]",
            "zh.yaml": "terms: {religion: {always: [禅院]}}\ntraditional: {禪: 禅}",
        }
    )
    assert [f.term for f in screen_terms("Chapels and 禪院", lexicon=lex)] == ["chapel*", "禅院"]
    assert screen_terms("12 Chapel Street", lexicon=lex) == []


# --- allow: reviewed exceptions ----------------------------------------------------------------

_SEIZURE = """\
kind: RecordType
name: court.enforcement.seizure
title: Property sealed, seized or frozen
authority: people's courts
legal_basis: [{source: law, article: Art 5}]
polarity: neutral
subject_kinds: [individual, enterprise]
attributes:
  case_number: {type: string, required: true, data_category: document_reference}
  seizure_location: {type: string, data_category: enforcement}
disclosure: {mode: not_displayed}
data_category: enforcement
domain: judicial_enforcement
allow:
  - term: location*
    reason: where the court sealed the property, never where the subject is
    at: attributes.seizure_location
"""


def test_an_allowed_term_loads_and_is_listed_for_review(project: Callable[..., Path]) -> None:
    root = project({"catalogue/seizure.yaml": _SEIZURE})
    pack = load_pack(root)
    assert [p.header().removeprefix(f"{root}/") for p in pack.exceptions] == [
        "catalogue/seizure.yaml:10:3 attributes.seizure_location: allowed: P5 no tracking or "
        "monitoring: 'location' (location tracking; lexicon term 'location*') in the attribute "
        "name; a person's whereabouts, movements and position may not be tracked — reason: "
        "where the court sealed the property, never where the subject is"
    ]
    result = CliRunner().invoke(app, ["pack", "validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "1 reviewed exception(s) to the meaning screen (allow:):" in result.output
    assert "reason: where the court sealed the property" in result.output


def test_the_same_words_for_an_enterprise_need_no_exception(project: Callable[..., Path]) -> None:
    text = _SEIZURE.replace("[individual, enterprise]", "[enterprise]")
    text = text[: text.index("allow:")]
    assert load_pack(project({"catalogue/seizure.yaml": text})).exceptions == ()


def test_shipped_packs_pass_without_exceptions() -> None:
    for folder in sorted((REPO / "packs").iterdir()):
        if (folder / "pack.yaml").is_file():
            assert load_pack(folder).exceptions == (), folder.name
    assert NATIONAL.is_dir()
