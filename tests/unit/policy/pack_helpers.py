"""Helpers for policy tests: write small packs from dicts of filename → YAML text, read problems."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from xinyong.errors import PolicyError
from xinyong.policy import Pack, load_pack

REPO = Path(__file__).resolve().parents[3]
NATIONAL = REPO / "packs" / "national"
CASES = REPO / "tests" / "policy" / "cases"

# A small valid pack the tests add to or override, file by file.
BASE: dict[str, str] = {
    "pack.yaml": """\
        kind: Pack
        name: mini
        label: "1"
        jurisdiction: CN
        sources:
          - {id: law, title: A confirmed law, confidence: C}
          - {id: mou, title: A joint-sanctions memorandum, confidence: C}
        """,
    "catalogue.yaml": """\
        kind: RecordType
        name: court.notice
        title: Enforcement notice
        authority: people's courts
        legal_basis: [{source: law, article: Art 5}]
        polarity: neutral
        subject_kinds: [individual, enterprise]
        attributes:
          warned: {type: boolean, required: true, data_category: procedural}
        disclosure: {mode: not_displayed}
        data_category: enforcement
        domain: judicial_enforcement
        ---
        kind: RecordType
        name: court.dishonesty
        title: Dishonesty decision
        authority: people's courts
        legal_basis: [{source: law, article: Art 1}]
        polarity: negative
        subject_kinds: [individual, enterprise]
        attributes:
          ground:
            {type: enum, required: true, values: [refuses, evades], data_category: enforcement}
          amount: {type: decimal, scale: 2, minimum: 0, data_category: financial_obligation}
        publishable: true
        publication_basis: [{source: law, article: Art 6}]
        disclosure: {mode: until_exit, entry_kinds: [revocation]}
        data_category: enforcement
        domain: judicial_enforcement
        """,
    "lists.yaml": """\
        kind: Blacklist
        name: debtors
        title: Dishonest debtors
        legal_basis: [{source: law, article: Art 1}]
        subject_kinds: [individual, enterprise]
        entry:
          - name: refuses
            when:
              - record_type: court.dishonesty
                where: {ground: refuses}
            term: open
            legal_basis: [{source: law, article: Art 2}]
        exclusions:
          - name: minors
            subject: {age_under: 18}
            legal_basis: [{source: law, article: Art 4}]
        exit:
          - name: revoked
            description: The listing decision is revoked.
            event: revocation
            legal_basis: [{source: law, article: Art 9}]
        notice:
          before_listing: true
          when: [{record_type: court.notice, where: {warned: true}}]
          legal_basis: [{source: law, article: Art 5}]
        objection:
          description: Apply in writing to the court that listed you.
          legal_basis: [{source: law, article: Art 11}]
        publication:
          scope: public
          legal_basis: [{source: law, article: Art 6}]
        """,
    "measures.yaml": """\
        kind: Sanction
        name: no_flights
        title: No flights
        trigger: {list: debtors}
        actions: [air_travel.book]
        agency: airlines
        legal_basis:
          - {source: law, article: Art 8, names: [legal_representative]}
        targets: [subject, legal_representative]
        domains: [judicial_enforcement]
        cross_domain_basis: [{source: mou}]
        """,
}


def write_pack(root: Path, files: Mapping[str, str | None], *, base: bool = True) -> Path:
    """Write a pack; `None` as a file's text leaves that base file out."""
    merged: dict[str, str | None] = {**BASE, **files} if base else dict(files)
    for name, text in merged.items():
        if text is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def errors(root: Path) -> list[str]:
    """The header lines of every problem loading `root`, with `root/` stripped from the paths."""
    try:
        load_pack(root)
    except PolicyError as e:
        return [p.header().removeprefix(f"{root}/") for p in e.problems]
    raise AssertionError("the pack loaded without problems")


def warnings(pack: Pack) -> list[str]:
    return [p.header().removeprefix(f"{pack.path}/") for p in pack.warnings]


def base(name: str) -> str:
    """A BASE file's text as written to disk (dedented), to extend or edit in a test."""
    return textwrap.dedent(BASE[name])
