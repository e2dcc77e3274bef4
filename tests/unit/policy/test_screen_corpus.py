"""Recall and false-positive rate of the meaning screen (rule S1) on the corpus in
tests/policy/corpus: record types about prohibited categories that declare a permitted
data_category (the screen must refuse them) and legitimate record types that look like them (it
must let them through), in English and Chinese.

Each corpus is loaded as one pack through `load_pack`, so the figures are those of the validator
itself. The table of figures in docs/concepts/screen.md is checked against what this measures.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pack_helpers import REPO, write_pack
from ruamel.yaml import YAML

from xinyong.errors import PolicyError, PolicyProblem
from xinyong.policy import load_pack
from xinyong.policy.screen import default_lexicon, screen_terms

CORPUS = REPO / "tests" / "policy" / "corpus"
DOC = REPO / "docs" / "concepts" / "screen.md"
LANGUAGES = {"en": "English", "zh": "Chinese"}
# what the screen must achieve on this corpus (see docs/concepts/screen.md for why these)
MIN_RECALL = 1.0
MAX_FALSE_POSITIVE_RATE = 0.05


def _entries(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = YAML(typ="safe").load((CORPUS / name).read_text("utf-8"))
    return data


def _categories(e: dict[str, Any]) -> list[str]:
    """What a prohibited entry is about: one category, or several where it is about each."""
    c = e["category"]
    return list(c) if isinstance(c, list) else [c]


def _chinese_words(e: dict[str, Any]) -> list[str]:
    """The texts of an entry an author writes in Chinese: everything but the ascii ids."""
    texts = [e["title"], e.get("description", ""), e["authority"]]
    for spec in (e.get("attributes") or {}).values():
        texts += [spec.get("description", ""), *spec.get("values", ())]
    return [t for t in texts if t]


def _record_type(e: dict[str, Any]) -> str:
    attributes = {}
    for attr, spec in (e.get("attributes") or {}).items():
        a: dict[str, Any] = {"type": spec["type"], "data_category": "administrative_decision"}
        if spec["type"] == "decimal":
            a["scale"] = 2
        for key in ("values", "description"):
            if key in spec:
                a[key] = spec[key]
        attributes[attr] = a
    doc: dict[str, Any] = {
        "kind": "RecordType",
        # ids keep names unique across the corpus; they add no word the lexicon knows
        "name": e["id"].replace("-", "") + "." + e["name"],
        "title": e["title"],
        "authority": e["authority"],
        "legal_basis": [{"source": "law"}],
        "polarity": "negative",
        "subject_kinds": e["kinds"],
        "attributes": attributes,
        "disclosure": {"mode": "not_displayed"},
        "data_category": "administrative_decision",
        "domain": "public_services",
    }
    if "description" in e:
        doc["description"] = e["description"]
    return json.dumps(doc, ensure_ascii=False)  # JSON is YAML


def _screen_problems(root: Path, entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    """S1 problems by corpus id; any other problem means the corpus itself is broken."""
    write_pack(root, {f"catalogue/{e['id']}.yaml": _record_type(e) for e in entries})
    try:
        load_pack(root)
    except PolicyError as err:
        problems: list[PolicyProblem] = err.problems
    else:
        problems = []
    prefixes = tuple(c.principle_name + ":" for c in default_lexicon().categories.values())
    found: dict[str, list[str]] = defaultdict(list)
    for p in problems:
        assert p.message.startswith(prefixes), f"the corpus is not otherwise valid: {p.header()}"
        found[p.source.stem].append(p.message)
    return found


@dataclass(frozen=True)
class Figures:
    prohibited: dict[str, tuple[int, int]]  # language → (refused, total)
    legitimate: dict[str, tuple[int, int]]  # language → (refused, total)
    missed: list[str]
    false_positives: list[str]
    wrong_category: list[str]
    # Chinese entries screened on their Chinese words alone (ids are ascii and often give an
    # entry away in English): (refused, total) for prohibited and for legitimate entries
    chinese_words: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))

    def table(self) -> str:
        """The Markdown table docs/concepts/screen.md shows."""
        rows = [
            "| language | prohibited | refused | recall | legitimate | refused | false positives |",
            "|---|---|---|---|---|---|---|",
        ]
        for lang, label in [*LANGUAGES.items(), ("all", "both")]:
            p_hit, p_all = self._sum(self.prohibited, lang)
            l_hit, l_all = self._sum(self.legitimate, lang)
            rows.append(
                f"| {label} | {p_all} | {p_hit} | {p_hit / p_all:.0%} | {l_all} | {l_hit} "
                f"| {l_hit / l_all:.1%} |"
            )
        (p_hit, p_all), (l_hit, l_all) = self.chinese_words
        rows.append(
            f"| Chinese words only (ids ignored) | {p_all} | {p_hit} | {p_hit / p_all:.0%} "
            f"| {l_all} | {l_hit} | {l_hit / l_all:.1%} |"
        )
        return "\n".join(rows)

    @staticmethod
    def _sum(by: dict[str, tuple[int, int]], lang: str) -> tuple[int, int]:
        pairs = [v for k, v in by.items() if lang in ("all", k)]
        return sum(a for a, _ in pairs), sum(b for _, b in pairs)


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> Figures:
    holdout = _entries("holdout.yaml")
    prohibited = _entries("prohibited.yaml") + [e for e in holdout if "category" in e]
    legitimate = _entries("legitimate.yaml") + [e for e in holdout if "category" not in e]
    p_found = _screen_problems(tmp_path_factory.mktemp("prohibited") / "pack", prohibited)
    l_found = _screen_problems(tmp_path_factory.mktemp("legitimate") / "pack", legitimate)
    labels = {c.name: c.label for c in default_lexicon().categories.values()}
    p_count: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    l_count: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    missed, wrong, fps = [], [], []
    for e in prohibited:
        messages = p_found.get(e["id"], [])
        p_count[e["lang"]][1] += 1
        if messages:
            p_count[e["lang"]][0] += 1
            if not any(f"({labels[c]}" in m for m in messages for c in _categories(e)):
                wrong.append(f"{e['id']} ({e['category']}): {messages[0]}")
        else:
            missed.append(f"{e['id']} ({e['category']}): {e['title']}")
    for e in legitimate:
        messages = l_found.get(e["id"], [])
        l_count[e["lang"]][1] += 1
        if messages:
            l_count[e["lang"]][0] += 1
            fps.append(f"{e['id']}: {e['title']}: {messages[0]}")

    def words_refused(entries: list[dict[str, Any]]) -> tuple[int, int]:
        zh = [e for e in entries if e["lang"] == "zh"]
        hits = [
            e
            for e in zh
            if any(screen_terms(t, person="individual" in e["kinds"]) for t in _chinese_words(e))
        ]
        return len(hits), len(zh)

    return Figures(
        {k: (v[0], v[1]) for k, v in p_count.items()},
        {k: (v[0], v[1]) for k, v in l_count.items()},
        missed,
        fps,
        wrong,
        (words_refused(prohibited), words_refused(legitimate)),
    )


def test_corpus_is_large_enough_in_both_languages() -> None:
    for name in ("prohibited.yaml", "legitimate.yaml"):
        entries = _entries(name)
        ids = [e["id"] for e in entries]
        assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
        for lang in LANGUAGES:
            assert sum(e["lang"] == lang for e in entries) >= 25, f"{name}: too few {lang}"
        assert len(entries) >= 50, name


def test_every_prohibited_category_is_in_the_corpus() -> None:
    covered = {c for e in _entries("prohibited.yaml") for c in _categories(e)}
    assert covered == set(default_lexicon().categories)


def test_recall(figures: Figures) -> None:
    for lang, (hit, total) in figures.prohibited.items():
        assert hit / total >= MIN_RECALL, f"{lang} recall {hit}/{total}; missed: {figures.missed}"


def test_false_positive_rate(figures: Figures) -> None:
    for lang, (hit, total) in figures.legitimate.items():
        assert hit / total <= MAX_FALSE_POSITIVE_RATE, (
            f"{lang} false positives {hit}/{total}: {figures.false_positives}"
        )


def test_refusals_name_the_category_the_entry_is_about(figures: Figures) -> None:
    assert figures.wrong_category == []


def test_the_docs_show_the_current_figures(figures: Figures) -> None:
    table = figures.table()
    assert table in DOC.read_text(encoding="utf-8"), (
        f"update the figures in {DOC.relative_to(REPO)} to:\n{table}\n"
        f"false positives: {figures.false_positives}"
    )
