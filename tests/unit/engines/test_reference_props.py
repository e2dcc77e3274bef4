"""Properties of the reference evaluator over random ledgers on the national pack (with a points
scheme and a rewards-only scheme added): subjects are independent, input order does not matter,
entries decided after *D* do not matter, and a rewards-only scheme never scores below its base.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinyong.domain.catalogue import Scalar
from xinyong.domain.record import EntryKind
from xinyong.domain.results import Results, Row
from xinyong.engines.reference import evaluate, evaluate_subject
from xinyong.policy import Pack, load_pack

from .ledger import NATIONAL, Ledger
from .pack_builders import PENALTY, rewards_pack, scored_pack

REWARDS_BASE = 500
FIRST, LAST = date(2021, 1, 1), date(2024, 12, 31)
SUBJECTS = ("s0", "s1", "s2")
CASES = ("A", "B")
GROUNDS = (
    "refuses_despite_ability",
    "obstructs_by_forgery_or_violence",
    "violates_property_reporting",
)
ACTS = (EntryKind.correction, EntryKind.revocation, EntryKind.fulfilment, EntryKind.restoration)


def _load() -> Pack:
    return rewards_pack(scored_pack(load_pack(NATIONAL)), REWARDS_BASE)


PACK = _load()
PROPS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

days = st.dates(min_value=FIRST, max_value=LAST)
case_numbers = st.sampled_from(CASES)


def _court(case: str) -> dict[str, Scalar]:
    return {"case_number": case, "court": "court"}


ATTRIBUTES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "court.enforcement.notice": st.builds(
        lambda c, d, w: {**_court(c), "performance_deadline": d, "listing_risk_warning": w},
        case_numbers,
        days,
        st.booleans(),
    ),
    "court.enforcement.dishonesty_decision": st.builds(
        lambda c, g, s: {**_court(c), "ground": g, "serious_obstruction": s},
        case_numbers,
        st.sampled_from(GROUNDS),
        st.none() | st.booleans(),
    ),
    "court.enforcement.performance": st.builds(
        lambda c, done: {**_court(c), "complete": done}, case_numbers, st.booleans()
    ),
    "court.enforcement.settlement_performance": st.builds(
        lambda c, done: {**_court(c), "complete": done}, case_numbers, st.booleans()
    ),
    "court.enforcement.list_deletion": st.builds(
        lambda c: {**_court(c), "ground": "performed_or_completed"}, case_numbers
    ),
    "court.enforcement.listing_bar": st.builds(
        lambda c: {**_court(c), "ground": "assets_secured"}, case_numbers
    ),
    "court.enforcement.consumption_restriction": st.builds(
        lambda c: {**_court(c), "reason": "unpaid_within_notice_period"}, case_numbers
    ),
    "court.enforcement.consumption_restriction_lifted": st.builds(
        lambda c: {**_court(c), "ground": "creditor_consent"}, case_numbers
    ),
    "tax.rating.a_grade": st.builds(
        lambda y: {"assessment_year": y}, st.integers(min_value=2018, max_value=2025)
    ),
    PENALTY: st.builds(
        lambda sev: {
            "decision_number": "D-1",
            "authority_name": "bureau",
            "penalty_kind": "fine",
            "severity": sev,
        },
        st.sampled_from(("minor", "general", "serious")),
    ),
}


@st.composite
def ledgers(draw: st.DrawFn, max_entries: int = 14) -> Ledger:
    """Entries about a few subjects: records of the types above, and acts on earlier records of
    the same subject (corrections carry a fresh full set of attributes)."""
    ledger = Ledger()
    for key in SUBJECTS:
        kind = draw(st.sampled_from(("individual", "enterprise")))
        birth = (
            draw(st.none() | st.dates(date(1990, 1, 1), date(2010, 12, 31)))
            if kind == "individual"
            else None
        )
        ledger.subject(key, kind, birth)
    for _ in range(draw(st.integers(min_value=0, max_value=max_entries))):
        add_entry(draw, ledger, draw(st.sampled_from(SUBJECTS)))
    return ledger


def add_entry(draw: st.DrawFn, ledger: Ledger, subject: str) -> int:
    """One entry about `subject`, or (a third of the time) a warned notice followed by a
    dishonesty decision in its case, so that listings are common rather than rare."""
    records = [r for r in ledger.rows if r[4] == subject and r[1] == EntryKind.record.value]
    choice = draw(st.integers(min_value=0, max_value=2))
    if choice == 0:
        case = draw(case_numbers)
        warned = draw(days)
        ledger.add(
            "court.enforcement.notice",
            warned,
            {**_court(case), "performance_deadline": warned, "listing_risk_warning": True},
            subject=subject,
        )
        decided = draw(st.dates(min_value=warned, max_value=LAST))
        attrs = draw(ATTRIBUTES["court.enforcement.dishonesty_decision"])
        return ledger.add(
            "court.enforcement.dishonesty_decision",
            decided,
            {**attrs, "case_number": case},
            subject=subject,
        )
    if records and choice == 1:
        target = draw(st.sampled_from(records))
        kind = draw(st.sampled_from(ACTS))
        attrs = draw(ATTRIBUTES[target[3]]) if kind is EntryKind.correction else None
        return ledger.act(kind, target[0], draw(days), attrs)
    record_type = draw(st.sampled_from(sorted(ATTRIBUTES)))
    return ledger.add(record_type, draw(days), draw(ATTRIBUTES[record_type]), subject=subject)


def rows_about(results: Results, keep: set[str]) -> dict[str, list[Row]]:
    return {name: [r for r in rows if r[0] in keep] for name, rows in results.sorted().items()}


@PROPS
@given(ledgers(), days)
def test_all_at_once_equals_each_subject_apart(ledger: Ledger, as_of: date) -> None:
    together = evaluate(PACK, ledger.rows, as_of)
    apart = Results(as_of=as_of, pack_version=PACK.version)
    for key in SUBJECTS:
        one = evaluate_subject(PACK, [r for r in ledger.rows if r[4] == key], as_of)
        for name, rows in one.relations.items():
            assert all(r[0] == key for r in rows)
            apart.relations[name].extend(rows)
    assert together.sorted() == apart.sorted()
    assert together.hash() == apart.hash()


@PROPS
@given(st.data(), ledgers(), days)
def test_an_entry_about_a_subject_changes_only_its_rows(
    data: st.DataObject, ledger: Ledger, as_of: date
) -> None:
    before = evaluate(PACK, ledger.rows, as_of)
    subject = data.draw(st.sampled_from(SUBJECTS))
    add_entry(data.draw, ledger, subject)
    after = evaluate(PACK, ledger.rows, as_of)
    others = set(SUBJECTS) - {subject}
    assert rows_about(before, others) == rows_about(after, others)


@PROPS
@given(st.data(), ledgers(), days)
def test_input_order_does_not_matter(data: st.DataObject, ledger: Ledger, as_of: date) -> None:
    shuffled = data.draw(st.permutations(ledger.rows))
    assert evaluate(PACK, shuffled, as_of).hash() == evaluate(PACK, ledger.rows, as_of).hash()


@PROPS
@given(ledgers(), days)
def test_entries_decided_after_the_date_do_not_count(ledger: Ledger, as_of: date) -> None:
    known = [r for r in ledger.rows if r[7] <= as_of]
    assert evaluate(PACK, known, as_of).hash() == evaluate(PACK, ledger.rows, as_of).hash()


@PROPS
@given(ledgers(), days)
def test_rewards_only_scheme_never_scores_below_its_base(ledger: Ledger, as_of: date) -> None:
    results = evaluate(PACK, ledger.rows, as_of)
    rewards = [s for s in results["scores"] if s[1] == "rewards"]
    assert all(s[2] >= REWARDS_BASE for s in rewards)
    assert all(i[4] >= 0 for i in results["score_items"] if i[1] == "rewards")
    # every subject with an entry decided by then is scored
    scored = {s[0] for s in rewards}
    assert scored == {r[4] for r in ledger.rows if r[7] <= as_of}


@PROPS
@given(ledgers(), days)
def test_memberships_gather_the_listed_listings(ledger: Ledger, as_of: date) -> None:
    results = evaluate(PACK, ledger.rows, as_of)
    listed: dict[tuple[str, str], list[Row]] = {}
    for row in results["listings"]:
        assert row[5] <= as_of and (row[6] is None or as_of < row[6])
        if row[7] == "listed":
            listed.setdefault((row[0], row[1]), []).append(row)
    assert {(m[0], m[1]): m[4] for m in results["memberships"]} == {
        k: len(v) for k, v in listed.items()
    }
    # a listing resting on another list rests on a listed listing of it, and ends no later
    for row in results["listings"]:
        if row[4] is not None:
            ups = [
                up
                for up in results["listings"]
                if up[0] == row[0] and up[1] == row[4] and up[3] == row[3] and up[7] == "listed"
            ]
            assert ups
            assert any(up[6] is None or (row[6] is not None and row[6] <= up[6]) for up in ups)


@PROPS
@given(ledgers(), days)
def test_explaining_changes_no_relation(ledger: Ledger, as_of: date) -> None:
    """The explained rows only explain: the five relations (and so the hash the engines are
    held to) are the same with or without them, and no would-be listing is both in force and
    explained away."""
    for key in SUBJECTS:
        rows = [r for r in ledger.rows if r[4] == key]
        plain = evaluate_subject(PACK, rows, as_of)
        explained = evaluate_subject(PACK, rows, as_of, explain=True)
        assert explained.sorted() == plain.sorted()
        assert plain.explained == []
        in_force = {r[1:4] for r in plain["listings"]}
        for row in explained.explained:
            _, _, _, _, via, since, until, status, reason, seq = row
            assert row[0] == key and row[1:4] not in in_force
            assert status in {"excluded", "barred", "ended"}
            if status == "ended":
                assert until is not None and since <= until <= as_of
                assert reason is not None or via is not None or seq is None
            else:
                assert reason is not None
            if seq is not None:
                decided = {r[0]: r[7] for r in rows}
                assert decided[seq] <= as_of  # the entry named was decided by D
