"""Reason codes: at most four, ordered by points lost against each feature's best bin, in words
with what would raise the score; the decision of a grade-triggered measure shows them."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.engines.test_scorecard_engines import AS_OF, german_entries
from xinyong.decide import decide
from xinyong.domain.scorecard import MAX_REASONS, Bin, Feature, Scaling, Scorecard
from xinyong.engines import reference
from xinyong.policy import load_pack

PACK = Path(__file__).resolve().parents[2] / "packs" / "german-credit"


def card() -> Scorecard:
    feats = tuple(
        Feature(
            f"f{i}",
            "numeric",
            (Bin(10 * i, "low", None, 5.0), Bin(0, "mid", 5.0, 10.0), Bin(-5 * i, "high", 10.0)),
            missing_points=0,
            coefficient=-1.0,
            description=f"feature {i}",
        )
        for i in range(1, 7)
    )
    return Scorecard("t", "y", 600, Scaling(600, 2, 40), feats, "sha256:x")


@given(st.dictionaries(st.sampled_from([f"f{i}" for i in range(1, 7)]), st.floats(-5, 20)))
def test_reasons_are_at_most_four_ordered_by_points_lost(values: dict[str, float]) -> None:
    c = card()
    scored = c.explain(values)
    assert len(scored.reasons) <= MAX_REASONS
    lost = [r.points_lost for r in scored.reasons]
    assert lost == sorted(lost, reverse=True)
    assert all(x > 0 for x in lost)
    # every feature not named lost no more than the last one named
    named = {r.feature for r in scored.reasons}
    for f in c.features:
        if f.name not in named and len(scored.reasons) == MAX_REASONS:
            assert f.max_points - scored.points[f.name] <= lost[-1]
    # a subject at the best bin of every feature has no reason
    assert c.explain(dict.fromkeys(scored.points, 0.0)).reasons == ()


def test_scores_stay_in_range_whatever_the_values() -> None:
    c = card()
    assert c.score({f.name: 0.0 for f in c.features}) <= c.scaling.maximum
    assert c.score({f.name: 50.0 for f in c.features}) >= c.scaling.minimum


def test_the_decision_shows_the_reasons() -> None:
    p = load_pack(PACK)
    rows, want = german_entries()
    results = reference.evaluate(p, rows, AS_OF)
    grades = {r[0]: r[3] for r in results["scores"]}
    low = min(want, key=lambda k: want[k])
    assert grades[low] == "E"
    decision = decide(p, results, low, "consumer_credit.apply", {})
    assert decision.outcome == "restrict"
    (m,) = decision.measures
    assert m.grade is not None and m.grade.points == want[low]
    reasons = m.grade.reasons
    assert 1 <= len(reasons) <= 4
    assert all("would raise the score" in r.remedy for r in reasons)
    assert [r.points_lost for r in reasons] == sorted(
        (r.points_lost for r in reasons), reverse=True
    )
