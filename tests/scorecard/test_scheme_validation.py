"""A scorecard scheme names its artefact by hash and refuses protected features with file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xinyong.errors import PolicyError
from xinyong.policy import load_pack
from xinyong.policy.features import screen_feature

PACK = Path(__file__).resolve().parents[2] / "packs" / "german-credit"
SCHEME = "schemes/credit_score.yaml"


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    dst = tmp_path / "german-credit"
    shutil.copytree(PACK, dst)
    return dst


def edit(root: Path, old: str, new: str, rel: str = SCHEME) -> int:
    """Replace `old` by `new` in a pack file; the 1-based line of the change."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def errors(root: Path) -> str:
    with pytest.raises(PolicyError) as e:
        load_pack(root)
    return str(e.value)


def test_the_shipped_pack_loads_with_its_artefact() -> None:
    p = load_pack(PACK)
    use = p.schemes["credit_score"].scorecard
    assert use is not None and use.card.sha256 == use.sha256
    lo, hi = use.card.attainable
    assert 350 <= lo < hi <= 950


def test_a_protected_feature_is_refused_at_its_line(pack_dir: Path) -> None:
    # the attribute is declared in the catalogue under an innocent name, but its values say sex
    line = edit(
        pack_dir,
        "  telephone:\n",
        "  x7:\n    type: enum\n    required: true\n    data_category: registration\n"
        '    values: ["male : single", "female : married"]\n  telephone:\n',
        rel="catalogue/application.yaml",
    )
    assert line > 0
    line = edit(pack_dir, "    - name: telephone\n", "    - name: x7\n")
    msg = errors(pack_dir)
    assert f"{SCHEME}:{line}:13 scorecard.features[17].name: feature 'x7' is refused" in msg
    assert "sex" in msg


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("personal_status_and_sex", "sex"),
        ("foreign_worker", "nationality or foreign-worker status"),
        ("religion", "religion or belief"),
        ("ethnic_group", "ethnicity or race"),
        ("health_score", "health or disability"),
    ],
)
def test_protected_names_are_refused_whatever_the_catalogue(
    pack_dir: Path, name: str, category: str
) -> None:
    edit(
        pack_dir,
        "  telephone:\n",
        f"  {name}: {{type: integer, data_category: registration}}\n  telephone:\n",
        rel="catalogue/application.yaml",
    )
    line = edit(pack_dir, "    - name: telephone\n", f"    - name: {name}\n")
    msg = errors(pack_dir)
    assert f"{SCHEME}:{line}:13 scorecard.features[17].name: feature {name!r} is refused" in msg
    assert category in msg


def test_social_relations_are_refused_as_a_dimension(pack_dir: Path) -> None:
    line = edit(
        pack_dir,
        "    - name: telephone\n      dimension: personal_characteristics\n",
        "    - name: telephone\n      dimension: social_relations\n",
    )
    msg = errors(pack_dir)
    assert f"{SCHEME}:{line + 1}:18 scorecard.features[17].dimension: social relations" in msg


def test_age_needs_a_legal_basis(pack_dir: Path) -> None:
    text = (pack_dir / SCHEME).read_text(encoding="utf-8")
    start = text.index("      legal_basis:\n        - source: reg-b")
    end = text.index("    - name: other_installment_plans")
    (pack_dir / SCHEME).write_text(text[:start] + text[end:], encoding="utf-8")
    assert "feature 'age_in_years' is age: cite the legal basis" in errors(pack_dir)


def test_an_artefact_of_another_hash_is_refused(pack_dir: Path) -> None:
    art = pack_dir / "schemes" / "credit_score.scorecard.json"
    text = art.read_text(encoding="utf-8")
    # an edited artefact: its content no longer matches the hash it states
    art.write_text(text.replace('"base": ', '"base": 1', 1), encoding="utf-8")
    assert "it was edited after fitting" in errors(pack_dir)


def test_the_scheme_must_state_the_artefacts_hash(pack_dir: Path) -> None:
    line = edit(pack_dir, "  sha256: sha256:", "  sha256: sha256:0")
    msg = errors(pack_dir)
    assert f"{SCHEME}:{line}:11 scorecard.sha256: the artefact" in msg
    assert "refuses any other" in msg


def test_the_screen_reads_values_not_only_names() -> None:
    assert screen_feature("a1", values=["widowed"]).category == "marital or personal status"
    assert screen_feature("purpose", values=["car (new)", "education"]).refused is False


def test_the_screen_also_reads_the_pack_lexicon() -> None:
    # Chinese values and terms only the meaning screen's lexicon holds
    assert screen_feature("x", values=["民族: 汉族"]).refused
    assert screen_feature("col3", description="宗教信仰").refused
