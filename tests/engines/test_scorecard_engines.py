"""A fitted scorecard compiled to SQL scores every subject as the Python model does, on every
engine and in the reference evaluator, equal by hash.

Every German Credit applicant becomes a subject with one `credit.application` record; some get a
second, later application (the latest one is scored) and a revoked one (never scored); one
subject has no application (no score). Needs no ML library: scoring reads the artefact only.
"""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta

from xinyong.domain.record import EntryKind
from xinyong.domain.results import Row
from xinyong.engines import reference
from xinyong.scorecard.data import GERMAN_CREDIT

from .conftest import Ctx, DuckDBCtx
from .data import Entries, _key
from .packs import pack

AS_OF = date(2024, 6, 1)
INTS = {
    "duration_in_month",
    "credit_amount",
    "installment_rate_in_percentage_of_disposable_income",
    "present_residence_since",
    "age_in_years",
    "number_of_existing_credits_at_this_bank",
    "number_of_people_being_liable_to_provide_maintenance_for",
}


def german_entries() -> tuple[list[Row], dict[str, int]]:
    """Entries, and the score the Python card gives each subject's latest application."""
    p = pack("german-credit")
    use = p.schemes["credit_score"].scorecard
    assert use is not None
    attrs = set(p.catalogue["credit.application"].attributes)
    with GERMAN_CREDIT.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    entries = Entries()
    want: dict[str, int] = {}
    for i, r in enumerate(rows):
        values = {k: (int(v) if k in INTS else v) for k, v in r.items() if k in attrs}
        key = _key(f"applicant-{i}")
        subject = (key, "individual", None)
        decided = date(2020, 1, 1) + timedelta(days=i)
        if i % 7 == 0:  # an older application with other values, superseded by the latest
            older = dict(values, duration_in_month=72, credit_amount=18000)
            entries.add(
                "credit.application", subject, decided - timedelta(days=30), json.dumps(older)
            )
        entries.add("credit.application", subject, decided, json.dumps(values))
        if i % 11 == 0:  # a later application that was revoked: never scored
            later = entries.add(
                "credit.application",
                subject,
                decided + timedelta(days=3),
                json.dumps(dict(values, duration_in_month=4)),
            )
            entries.act(EntryKind.revocation, later, decided + timedelta(days=5))
        want[key] = use.card.score(values)
    return entries.rows, want


def test_every_engine_scores_as_the_python_card(ctx: Ctx) -> None:
    rows, want = german_entries()
    p = pack("german-credit")
    ref = reference.evaluate(p, rows, AS_OF)
    got_ref = {r[0]: r[2] for r in ref["scores"] if r[1] == "credit_score"}
    assert got_ref == want
    ctx.load(rows)
    res = ctx.evaluate(p, AS_OF)
    got = {r[0]: r[2] for r in res["scores"] if r[1] == "credit_score"}
    assert got == want
    assert res.hash() == ref.hash()
    # 18 items per scored subject, each a feature's points
    assert len(res["score_items"]) == 18 * len(want)


def test_a_subject_without_an_application_has_no_score() -> None:
    rows, _ = german_entries()
    duck = DuckDBCtx()
    try:
        duck.load(rows[:1])
        res = duck.evaluate(pack("german-credit"), date(2019, 1, 1))
        assert res["scores"] == []
    finally:
        duck.close()
