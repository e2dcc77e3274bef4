"""`batchjson.hot_json` renders a batch's answer from the hot file without a model per item: held
here to the models' own JSON byte for byte, in both forms, for any subjects (escapes, non-ASCII,
newlines), any mix of answers and invalid identifiers; and the compact form to the items."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.api.batchjson import hot_json, slow_json
from xinyong.api.projections import codes, reasons
from xinyong.api.schemas import BatchAnswer, BatchCheckOut, BatchCheckTable, BatchItem
from xinyong.checker import BatchAnswers
from xinyong.domain.decision import (
    AppliedMeasure,
    Audience,
    Basis,
    Decision,
    MeasureApplies,
    OfficerReason,
)
from xinyong.errors import IdentifierError
from xinyong.hotpath import NO_MEASURE, Batch, Verdict

AS_OF = date(2026, 11, 22)
PACK = "sha256:abc"
BASIS = (
    Basis("Fa Shi [2015] No. 17", "Art 3 (1)", "high"),
    Basis("发改财金〔2016〕141号", "(6)", "high"),
)


def _verdict(n: int, officer: bool) -> Verdict:
    who = OfficerReason(f"uscc:9135{n:014d}", "legal_rep", "legal representative", BASIS)
    m = AppliedMeasure(
        "restrict_air_travel",
        "sanction",
        "Air travel",
        'CAAC "carriers"',
        "restrict",
        BASIS[: 1 + n % 2],
        officer=who if officer else None,
    )
    told = (MeasureApplies(measure=m.name, outcome="restrict"),)
    return Verdict("restrict", (m,), ("object to the court",), told)


# two verdicts a relying party is told alike (they differ only in the objection route, which it
# is not shown): the compact table holds one answer for both
VERDICTS = {3: _verdict(0, False), 7: _verdict(1, True), 9: _verdict(2, True)}
VERDICTS[11] = Verdict(
    VERDICTS[3].outcome, VERDICTS[3].measures, ("another route",), VERDICTS[3].reasons
)


def _decision(v: Verdict | None) -> Decision:
    if v is None:
        return Decision("", "a", "allow", AS_OF, "", PACK, reasons=NO_MEASURE)
    return Decision(
        "", "a", v.outcome, AS_OF, "", PACK, v.measures, v.objection, v.reasons,
        Audience.relying_party,
    )  # fmt: skip


subjects = st.lists(
    st.one_of(
        st.sampled_from(["11010519491231002X", "91350100M000100Y43", "123", "x"]),
        st.text(min_size=1, max_size=20),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(subjects=subjects, data=st.data())
def test_hot_json_is_the_models_json(subjects: list[str], data: st.DataObject) -> None:
    n = len(subjects)
    picks = data.draw(st.lists(st.sampled_from([-1, *VERDICTS]), min_size=n, max_size=n))
    # one valid at least: with none, the slow path has no date to say (`as_of` null)
    bad = data.draw(st.sets(st.integers(0, n - 1), max_size=n - 1))
    errors = {i: IdentifierError("resident_id", subjects[i], f'wrong {i} "é"') for i in bad}
    verdict = np.array([-1 if i in bad else p for i, p in enumerate(picks)], dtype=np.int64)
    used = {int(v): VERDICTS[int(v)] for v in verdict if v >= 0}
    batch = Batch((verdict >= 0).astype(np.uint8), verdict, used, AS_OF, PACK)
    keys = [None if i in bad else f"k{i}" for i in range(n)]
    found = BatchAnswers(keys, errors, batch)
    per: list[Decision | IdentifierError] = [
        errors[i] if i in bad else _decision(VERDICTS.get(int(verdict[i]))) for i in range(n)
    ]
    items = hot_json("items", subjects, "air_travel.book", found)
    compact = hot_json("compact", subjects, "air_travel.book", found)
    # the models' JSON of the same answers (the slow path renders through them)
    assert items == slow_json("items", subjects, "air_travel.book", per, PACK)
    assert compact == slow_json("compact", subjects, "air_travel.book", per, PACK)
    whole = BatchCheckOut.model_validate_json(items)
    table = BatchCheckTable.model_validate_json(compact)
    assert [i.subject for i in whole.results] == subjects
    expanded = [
        BatchItem(subject=s, error=next(e for e in table.errors if e.field == f"body.subjects.{i}"))
        if k is None
        else BatchItem(subject=s, **table.answers[k].model_dump())
        for i, (s, k) in enumerate(zip(subjects, table.answer, strict=True))
    ]
    assert expanded == whole.results
    assert len(table.answers) == len({a.model_dump_json() for a in table.answers}), "once each"


def test_answers_told_alike_share_a_place() -> None:
    verdict = np.array([3, 11, -1, 3], dtype=np.int64)
    used = {3: VERDICTS[3], 11: VERDICTS[11]}
    found = BatchAnswers(
        ["a", "b", "c", "d"], {}, Batch(verdict.astype(np.uint8), verdict, used, AS_OF, PACK)
    )
    table = BatchCheckTable.model_validate_json(hot_json("compact", list("abcd"), "a", found))
    assert table.answer == [0, 0, 1, 0]
    d = _decision(VERDICTS[3])
    assert table.answers[0] == BatchAnswer(outcome="restrict", codes=codes(d), reasons=reasons(d))
