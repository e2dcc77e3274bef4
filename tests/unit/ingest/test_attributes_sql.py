"""The SQL that validates and canonicalises attributes agrees with the Python reference."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.catalogue import (
    AttributeSpec,
    AttributeType,
    BreachDomain,
    Catalogue,
    Citation,
    DataCategory,
    NotDisplayed,
    Polarity,
    RecordType,
)
from xinyong.domain.identifiers import default_registry
from xinyong.domain.record import RECORD_KINDS, canonical_attributes
from xinyong.domain.subject import SubjectKind
from xinyong.ingest.read import INPUT_COLUMNS
from xinyong.ingest.validate import build_checked

CAT = DataCategory.enforcement
SPECS = {
    "amount": AttributeSpec(
        "amount", AttributeType.decimal, CAT, scale=2, minimum=Decimal("0"), required=True
    ),
    "count": AttributeSpec(
        "count", AttributeType.integer, CAT, minimum=Decimal(0), maximum=Decimal(1000)
    ),
    "court": AttributeSpec("court", AttributeType.string, CAT, max_length=20),
    "decided": AttributeSpec("decided", AttributeType.date, CAT),
    "ground": AttributeSpec("ground", AttributeType.enum, CAT, values=("a", "b")),
    "serious": AttributeSpec("serious", AttributeType.boolean, CAT),
}
RECORD_TYPE = RecordType(
    name="test.record",
    title="Test record",
    authority="court",
    legal_basis=(Citation("src", "Art 1"),),
    polarity=Polarity.negative,
    subject_kinds=frozenset({SubjectKind.enterprise}),
    attributes=SPECS,
    publishable=False,
    publication_basis=(),
    disclosure=NotDisplayed(),
    data_category=CAT,
    domain=BreachDomain.judicial_enforcement,
    entry_kinds=frozenset(RECORD_KINDS),
)
CATALOGUE = Catalogue([RECORD_TYPE])
USCC = "91350100M000100Y43"


def _check(
    documents: list[str | None],
    catalogue: Catalogue = CATALOGUE,
    record_type: str = RECORD_TYPE.name,
    entry_kind: str | None = None,
) -> list[tuple[list[dict[str, str]], str | None]]:
    """Run the real validation over rows that differ only in their attributes text."""
    con = duckdb.connect()
    rows = []
    for i, doc in enumerate(documents):
        values = {
            "provider": "court:1",
            "record_type": record_type,
            "entry_kind": entry_kind,
            "refers_to": None if entry_kind in (None, "record") else "doc-0",
            "subject_scheme": "uscc",
            "subject_id": USCC,
            "subject_kind": "enterprise",
            "decision_date": "2024-01-02",
            "document_ref": f"doc-{i}",
            "attributes": doc,
        }
        rows.append((i + 2, *(values.get(c) for c in INPUT_COLUMNS)))
    columns = ", ".join(f'"{c}" VARCHAR' for c in INPUT_COLUMNS)
    con.execute(f"CREATE TEMP TABLE raw (_line BIGINT, {columns})")
    con.executemany(f"INSERT INTO raw VALUES ({', '.join('?' * (len(INPUT_COLUMNS) + 1))})", rows)
    con.execute(
        "CREATE TEMP VIEW staged AS SELECT *, CAST([] AS VARCHAR[]) AS _unknown_fields FROM raw"
    )
    build_checked(
        con, catalogue, default_registry(), today=date(2026, 11, 1), pseudonym_key=b"k" * 32
    )
    out = con.execute(
        "SELECT problems, canonical_attributes FROM checked ORDER BY _line"
    ).fetchall()
    return [([dict(p) for p in problems or []], text) for problems, text in out]


def _decimal_text(value: Decimal, scale: int) -> str:
    fixed = value.quantize(Decimal(1).scaleb(-scale))
    return format(abs(fixed) if fixed == 0 else fixed, "f")


values = st.fixed_dictionaries(
    {"amount": st.decimals(min_value=0, max_value=10**12, places=2)},
    optional={
        "count": st.integers(0, 1000),
        "court": st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20).filter(
            lambda s: "\x7f" not in s
        ),
        "decided": st.dates(date(1900, 1, 1), date(2100, 1, 1)),
        "ground": st.sampled_from(["a", "b"]),
        "serious": st.booleans(),
    },
)


@settings(max_examples=60, deadline=None)
@given(st.lists(values, min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_sql_canonical_text_equals_python_reference(
    batch: list[dict[str, object]], rng: object
) -> None:
    documents = []
    expected = []
    for attrs in batch:
        # what a provider sends: decimals as numbers or text, any key order, no canonical form
        sent: dict[str, object] = {}
        for key in sorted(attrs, key=lambda k: hash((k, id(rng))) % 7):
            value = attrs[key]
            if isinstance(value, Decimal):
                sent[key] = format(value.normalize(), "f") if value else "0"
            elif isinstance(value, date):
                sent[key] = value.isoformat()
            else:
                sent[key] = value
        documents.append(json.dumps(sent, ensure_ascii=False))
        typed: dict[str, str | int | bool | None] = {}
        for key, value in attrs.items():
            if isinstance(value, Decimal):
                typed[key] = _decimal_text(value, 2)
            elif isinstance(value, date):
                typed[key] = value.isoformat()
            else:
                assert isinstance(value, str | int | bool)
                typed[key] = value
        expected.append(canonical_attributes(typed))
    results = _check(documents)
    for (problems, text), want, doc in zip(results, expected, documents, strict=True):
        assert problems == [], doc
        assert text == want, doc


@pytest.mark.parametrize(
    ("document", "field", "reason"),
    [
        ('{"count": 1}', "attributes.amount", "is required"),
        ('{"amount": "1.234"}', "attributes.amount", "at most 2 decimal places"),
        ('{"amount": "-1"}', "attributes.amount", "must be ≥ 0"),
        ('{"amount": 1, "count": 1.5}', "attributes.count", "must be an integer"),
        ('{"amount": 1, "count": 1001}', "attributes.count", "must be ≤ 1000"),
        ('{"amount": 1, "court": 7}', "attributes.court", "must be a string"),
        ('{"amount": 1, "court": "' + "x" * 21 + '"}', "attributes.court", "at most 20"),
        ('{"amount": 1, "court": "a\\u0001"}', "attributes.court", "control characters"),
        ('{"amount": 1, "decided": "2023-02-30"}', "attributes.decided", "calendar date"),
        ('{"amount": 1, "ground": "c"}', "attributes.ground", "must be one of a, b, got c"),
        ('{"amount": 1, "serious": "yes"}', "attributes.serious", "true or false"),
        ('{"amount": 1, "zz": 1}', "attributes", "unknown attribute(s) zz"),
        ('{"amount": 1, "amount": 2}', "attributes", "more than once"),
        ("[1]", "attributes", "must be a JSON object, got array"),
        ("{not json", "attributes", "not JSON"),
    ],
)
def test_each_bad_attribute_is_named(document: str, field: str, reason: str) -> None:
    ((problems, text),) = _check([document])
    assert text is None
    assert any(p["field"] == field and reason in p["reason"] for p in problems), problems


def test_decimals_are_rendered_at_their_scale() -> None:
    docs = ['{"amount": 12.5}', '{"amount": "007.10"}', '{"amount": "0"}', '{"amount": -0.0}']
    texts = [text for _, text in _check(docs)]
    assert texts[:3] == ['{"amount":"12.50"}', '{"amount":"7.10"}', '{"amount":"0.00"}']


@pytest.mark.parametrize(
    ("document", "problems"),
    [
        # a repeated key is the object's one problem: its values are not looked at
        ('{"amount": 1, "amount": 2, "zz": 1}', [("attributes", "has a key more than once")]),
        ('{"zz": 1, "zz": 2}', [("attributes", "has a key more than once")]),
        # a repeat inside a value is the value's business
        (
            '{"amount": 1, "serious": {"a": 1, "a": 2}}',
            [("attributes.serious", "must be true or false")],
        ),
        # unknown names (null or not, in the object's order), then required ones, then values
        (
            '{"zz": null, "count": 5000, "aa": 1}',
            [
                (
                    "attributes",
                    "unknown attribute(s) zz, aa for test.record (allowed: amount, "
                    "count, court, decided, ground, serious)",
                ),
                ("attributes.amount", "is required"),
                ("attributes.count", "must be ≤ 1000.0"),
            ],
        ),
        ('{"amount": null}', [("attributes.amount", "is required")]),
        (None, [("attributes.amount", "is required")]),
        (
            "{not json",
            [
                ("attributes", "must be a JSON object, got text that is not JSON"),
                ("attributes.amount", "is required"),
            ],
        ),
        ('"text"', [("attributes", "must be a JSON object, got varchar")]),
        # control characters reach a string by an escape, or as DEL written as it is
        (
            '{"amount": 1, "court": "a\\u007f"}',
            [("attributes.court", "must not contain control characters")],
        ),
        (
            '{"amount": 1, "court": "a\x7f"}',
            [("attributes.court", "must not contain control characters")],
        ),
        (
            '{"amount": 1, "court": "a\\nb"}',
            [("attributes.court", "must not contain control characters")],
        ),
        ('{"amount": 1, "court": "a\\\\nb"}', []),
        (
            '{"amount": 1, "ground": "a\\u0001"}',
            [("attributes.ground", "must be one of a, b, got a\x01")],
        ),
    ],
)
def test_problems_are_listed_in_order(
    document: str | None, problems: list[tuple[str, str]]
) -> None:
    ((found, text),) = _check([document])
    assert [(p["field"], p["reason"]) for p in found] == problems
    assert (text is None) == bool(problems)


def test_acts_other_than_corrections_need_no_attributes() -> None:
    (revocation,) = _check([None], entry_kind="revocation")
    (correction,) = _check([None], entry_kind="correction")
    assert revocation == ([], "{}")
    assert [p["reason"] for p in correction[0]] == ["is required"]


ODD = {
    name: AttributeSpec(name, AttributeType.string, CAT)
    for name in ("a.b", "c/d", "e~f", "g h", "[0]", "$.x", "é")
}
ODD_TYPE = dataclasses.replace(RECORD_TYPE, name="test.odd", attributes=ODD)


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(ODD)), st.text(max_size=5).filter(str.isprintable)))
def test_attribute_names_are_matched_exactly(attrs: dict[str, str]) -> None:
    """Names are looked up as JSON pointers: dots, slashes and brackets are part of the name."""
    catalogue = Catalogue([ODD_TYPE])
    ((problems, text),) = _check([json.dumps(attrs)], catalogue, ODD_TYPE.name)
    assert problems == []
    assert text == canonical_attributes(dict(attrs))
