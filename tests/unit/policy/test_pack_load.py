"""load_pack on broken input: every problem located, never an exception other than PolicyError."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pack_helpers import BASE, base, errors, warnings, write_pack

from xinyong.errors import PolicyError
from xinyong.policy import load_pack

Project = Callable[..., Path]


def test_base_pack_loads(project: Project) -> None:
    pack = load_pack(project())
    assert pack.name == "mini" and not pack.warnings
    assert set(pack.catalogue) == {"court.notice", "court.dishonesty"}


def test_missing_folder_and_pack_yaml(tmp_path: Path, project: Project) -> None:
    missing = tmp_path / "nope"
    assert errors(missing) == [
        f"{missing} does not exist: a policy pack is a folder with a pack.yaml"
    ]
    root = project({"pack.yaml": None})
    assert errors(root) == ["pack.yaml missing pack.yaml: every pack has one, with `kind: Pack`"]


def test_a_file_is_not_a_pack(tmp_path: Path) -> None:
    file = tmp_path / "pack.yaml"
    file.write_text("kind: Pack\n")
    with pytest.raises(PolicyError) as info:
        load_pack(file)
    assert info.value.problems[0].header() == (
        f"{file} is not a folder: a policy pack is a folder with a pack.yaml"
    )


def test_pack_yaml_holds_only_the_pack(project: Project) -> None:
    root = project({"pack.yaml": base("pack.yaml") + "---\nkind: Case\nname: x\n"})
    assert "pack.yaml:9:7 kind: pack.yaml holds the Pack document only; move this" in errors(root)


def test_empty_pack_yaml(project: Project) -> None:
    assert errors(project({"pack.yaml": "# nothing yet\n"})) == [
        "pack.yaml holds no Pack document (`kind: Pack`)"
    ]


def test_unreadable_yaml_names_its_line(project: Project) -> None:
    root = project({"broken.yaml": "kind: Case\nname: [unclosed\nother: 1\n"})
    (header,) = errors(root)
    assert header == "broken.yaml:3:6 invalid YAML: expected ',' or ']', but got ':'"


def test_tabs_and_bad_bytes(project: Project) -> None:
    root = project({"tabs.yaml": "kind: Case\n\tname: x\n"})
    (root / "latin1.yaml").write_bytes(b"kind: Case\nname: caf\xe9\n")
    found = errors(root)
    assert found[0] == "latin1.yaml:2 not UTF-8 text (byte 20)"
    assert found[1].startswith("tabs.yaml:2:1 invalid YAML: ")


def test_excerpt_marks_the_line_and_column(project: Project) -> None:
    root = project({"x.yaml": "kind: RecordType\nname: court.x\ntitel: X\n"})
    with pytest.raises(PolicyError) as info:
        load_pack(root)
    unknown = next(p for p in info.value.problems if p.key_path == "titel")
    assert unknown.hints == ["Did you mean 'title'?"]
    assert str(unknown).splitlines()[1:] == [
        "Did you mean 'title'?",
        "   1 | kind: RecordType",
        "   2 | name: court.x",
        ">  3 | titel: X",
        "     | ^",
    ]


def test_alias_bomb_and_tags(project: Project) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )
    root = project({"bomb.yaml": bomb, "tag.yaml": "kind: Case\nname: !secret x\n"})
    found = errors(root)
    assert found[0] == "bomb.yaml:1:1 document expands to more than 200000 values (alias bomb?)"
    assert found[1] == (
        "tag.yaml:2:7 name: unsupported YAML value (!secret); use plain scalars, lists and maps"
    )


def test_warnings_travel_with_the_pack(project: Project) -> None:
    pack = load_pack(
        project(
            {
                "pack.yaml": base("pack.yaml")
                + "  - {id: gossip, title: Hearsay, confidence: U}\n"
                + "  - {id: unused, title: Never cited, confidence: C}\n",
                "more.yaml": """\
                    kind: RecordType
                    name: court.hearsay
                    title: Ruling from hearsay
                    authority: people's courts
                    legal_basis: [{source: gossip}]
                    polarity: neutral
                    subject_kinds: [enterprise]
                    disclosure: {mode: not_displayed}
                    data_category: enforcement
                    domain: judicial_enforcement
                    """,
            }
        )
    )
    assert warnings(pack) == [
        "more.yaml:5:1 legal_basis: rests only on unconfirmed [U] sources; "
        "check before relying on it",
        "pack.yaml:9:10 sources[3].id: source 'unused' is never cited",
    ]


def test_minors_and_order_36_warnings(project: Project) -> None:
    root = project(
        {
            "lists.yaml": base("lists.yaml").replace(
                "exclusions:\n"
                "  - name: minors\n"
                "    subject: {age_under: 18}\n"
                "    legal_basis: [{source: law, article: Art 4}]\n",
                "",
            ),
            "more.yaml": """\
                kind: RecordType
                name: admin.penalty.x
                title: Penalty
                authority: regulators
                legal_basis: [{source: law}]
                polarity: negative
                subject_kinds: [enterprise]
                attributes:
                  severity:
                    type: enum
                    required: true
                    values: [minor, serious]
                    data_category: administrative_decision
                disclosure:
                  mode: tiered
                  attribute: severity
                  tiers: {minor: {maximum: P6M}, serious: {minimum: P6M, maximum: P5Y}}
                data_category: administrative_decision
                domain: market_regulation
                """,
        }
    )
    assert warnings(load_pack(root)) == [
        "lists.yaml:5:1 subject_kinds: lists individuals but does not exclude minors; add an "
        "exclusion with `subject: {age_under: 18}` (cf. SPC Fa Shi [2017] No. 7 Art 4)",
        "more.yaml:17:28 disclosure.tiers.minor.maximum: P6M is longer than NDRC Order No. 36 "
        "allows for 'minor' (P3M)",
        "more.yaml:17:53 disclosure.tiers.serious.minimum: P6M is shorter than NDRC Order No. "
        "36's minimum for 'serious' (P1Y)",
        "more.yaml:17:67 disclosure.tiers.serious.maximum: P5Y is longer than NDRC Order No. 36 "
        "allows for 'serious' (P3Y)",
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(sorted(BASE)),
    at=st.integers(min_value=0, max_value=2000),
    junk=st.sampled_from(
        ["", ":", "- ", "{", "]", "&a ", "*a", "\t", "\n  x: 1\n", "'", "~", "0x"]
    ),
    cut=st.integers(min_value=0, max_value=8),
)
def test_mangled_packs_raise_only_policy_error(
    tmp_path: Path, file: str, at: int, junk: str, cut: int
) -> None:
    text = base(file)
    at %= len(text) + 1
    mangled = text[:at] + junk + text[at + cut :]
    root = write_pack(tmp_path / uuid.uuid4().hex, {file: mangled})
    try:
        load_pack(root)
    except PolicyError as e:
        assert e.problems
        assert not any("internal error" in p.message for p in e.problems), str(e)


def test_age_under_above_18_is_refused(project: Project) -> None:
    # The ledger keeps a birth date only while the subject is a minor (storage format 2), so a
    # rule on an older age could never be evaluated: the pack is refused, with file and line.
    root = project(
        {
            "lists.yaml": base("lists.yaml").replace(
                "subject: {age_under: 18}", "subject: {age_under: 21}"
            )
        }
    )
    assert errors(root) == [
        "lists.yaml:15:26 exclusions[0].subject.age_under: must be at most 18 (got 21): the "
        "ledger keeps a birth date only on records decided while the subject is a minor"
    ]
