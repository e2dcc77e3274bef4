"""decide.py on hand-built rows: what an allow on a grade says, and what a relying party is told.

The national pack's list-based reasons run end to end in tests/cli/test_explain.py; these cover
the grade-triggered measures of the rongcheng pack and the audience boundary on the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from xinyong.decide import decide
from xinyong.domain.decision import Audience, GradeNotMet, MeasureApplies, NoMeasureApplies
from xinyong.domain.record import Entry, EntryKind
from xinyong.domain.results import Results
from xinyong.domain.subject import SubjectKind
from xinyong.policy import Pack, load_pack
from xinyong.service import shipped_pack

AS_OF = date(2024, 6, 1)
KEY = "resident_id:#abc"


@pytest.fixture(scope="module")
def pack() -> Pack:
    return load_pack(shipped_pack("rongcheng"))


def _entry() -> Entry:
    return Entry(
        seq=0,
        entry_kind=EntryKind.record,
        refers_to=None,
        provider="court:371082",
        record_type="x",
        subject_scheme="resident_id",
        subject_key=KEY,
        subject_kind=SubjectKind.individual,
        subject_birth_date=date(1980, 1, 1),
        decision_date=date(2024, 1, 1),
        document_ref="DOC-1",
        attributes="{}",
        received_at=datetime(2024, 1, 2, tzinfo=UTC),
    )


def _results(grade: str | None, decisions: list[tuple[str, ...]] | None = None) -> Results:
    results = Results(AS_OF, "v")
    if grade is not None:
        results.relations["scores"] = [(KEY, "personal_credit", 950, grade)]
    results.relations["decisions"] = list(decisions or [])
    return results


@pytest.mark.parametrize("grade", ["B", None])
def test_an_allow_on_a_reward_says_which_grade_it_needs(pack: Pack, grade: str | None) -> None:
    d = decide(pack, _results(grade), KEY, "rental.deposit_waiver", {0: _entry()})
    assert d.outcome == "allow"
    assert isinstance(d.reasons[0], NoMeasureApplies)
    (why,) = [r for r in d.reasons if isinstance(r, GradeNotMet)]
    assert why.scheme_name == "personal_credit"
    assert why.grade == grade
    assert set(why.grades) == {"AAA", "AA", "A"}


def test_a_relying_party_is_told_the_reward_not_the_grade(pack: Pack) -> None:
    measure = next(m for m in pack.measures.values() if "rental.deposit_waiver" in m.actions)
    rows = [(KEY, "rental.deposit_waiver", measure.name, "reward", None, None)]
    full = decide(pack, _results("AA", rows), KEY, "rental.deposit_waiver", {0: _entry()})
    assert full.measures[0].grade is not None and full.measures[0].grade.grade == "AA"
    rp = decide(
        pack,
        _results("AA", rows),
        KEY,
        "rental.deposit_waiver",
        {0: _entry()},
        audience=Audience.relying_party,
    )
    assert rp.outcome == "reward"
    assert rp.reasons == (MeasureApplies(measure=measure.name, outcome="reward"),)
    assert rp.measures[0].grade is None
    assert rp.measures[0].legal_basis == full.measures[0].legal_basis
